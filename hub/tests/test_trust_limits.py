"""Every log-in and every sender is limited (issue 16, class 3).

Limits count in the `limits` cache, which every process shares: Django's
database cache by default (`HUB_RATELIMIT_CACHE_URL`, a URL; Redis for several
machines). The last test starts two gunicorn processes on one site and shows
that a limit holds across them.
"""

import contextlib
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import InvalidCacheBackendError, caches
from django.core.exceptions import ValidationError

from wagtail.contrib.forms.models import FormSubmission

import pytest

from hub.tests.test_forms import valid_data
from members.models import ManagerRole, MemberManager, MemberStatus
from members.tests.factories import MemberFactory
from projects.models import PartnerRole, ProjectPartner, ProjectStatus
from projects.services import partner_add
from projects.tests.factories import ProjectFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def empty_limits():
    for alias in ("default", "limits"):
        with contextlib.suppress(InvalidCacheBackendError):  # not configured yet
            caches[alias].clear()
    yield


# -- Wagtail's admin log-in and password reset ---------------------------------


def test_admin_login_refuses_even_the_right_password_after_twelve_wrong(client, db):
    """After twelve wrong passwords from one address, the admin log-in refuses
    the right one too, saying why, like the members' log-in."""
    get_user_model().objects.create_superuser("root", "root@example.org", "right-pw")
    for _ in range(12):
        client.post("/admin/login/", {"username": "root", "password": "wrong-pw"})
    response = client.post(
        "/admin/login/", {"username": "root", "password": "right-pw"}
    )
    assert "_auth_user_id" not in client.session
    assert "Too many failed log-in attempts" in response.text


def test_admin_login_accepts_the_right_password_after_a_few_wrong(client, db):
    """Two typos do not lock anyone out (control case)."""
    get_user_model().objects.create_superuser("root", "root@example.org", "right-pw")
    for _ in range(2):
        client.post("/admin/login/", {"username": "root", "password": "wrong-pw"})
    client.post("/admin/login/", {"username": "root", "password": "right-pw"})
    assert "_auth_user_id" in client.session


def test_admin_password_reset_sends_a_few_emails_not_eight(client, db):
    """Eight reset requests for one address in a few seconds send at most
    five e-mails (the members' reset allows five a minute per address)."""
    get_user_model().objects.create_user(
        "editor", "editor@example.org", "pw", is_staff=True
    )
    for _ in range(8):
        client.post("/admin/password_reset/", {"email": "editor@example.org"})
    assert 1 <= len(mail.outbox) <= 5


# -- the API throttle and proxies ----------------------------------------------


def test_api_throttle_ignores_forwarded_for_without_trusted_proxies(
    client, db, settings
):
    """By default no proxy is trusted: changing X-Forwarded-For on every request
    does not escape the per-address limit."""
    settings.HUB_API_RATE_ANON = "3/m"
    statuses = [
        client.get(
            "/api/v1/members/no-such-member", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}"
        ).status_code
        for i in range(5)
    ]
    assert statuses == [404, 404, 404, 429, 429]


def test_api_throttle_reads_the_address_the_trusted_proxy_saw(client, db, settings):
    """With one trusted proxy, the client is the last X-Forwarded-For entry:
    a spoofed first entry changes nothing, another client has its own count."""
    settings.HUB_API_RATE_ANON = "3/m"
    settings.HUB_TRUSTED_PROXIES = 1
    statuses = [
        client.get(
            "/api/v1/members/no-such-member",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{i}, 203.0.113.7",
        ).status_code
        for i in range(4)
    ]
    assert statuses == [404, 404, 404, 429]
    other = client.get(
        "/api/v1/members/no-such-member", HTTP_X_FORWARDED_FOR="203.0.113.8"
    )
    assert other.status_code == 404


# -- partner invitations --------------------------------------------------------


def _manager(member, name):
    user = get_user_model().objects.create_user(name, f"{name}@example.org", "pw")
    MemberManager.objects.create(member=member, user=user, role=ManagerRole.OWNER)
    return user


def test_partner_invitations_are_limited_per_sender(db, settings):
    """A manager invites partners (each invitation e-mails their managers) up
    to the limit; past it, the invitation is refused and nothing is sent."""
    settings.HUB_RATE_LIMITS = {**settings.HUB_RATE_LIMITS, "partner_invite": "3/h"}
    owner = MemberFactory(status=MemberStatus.PUBLISHED)
    user = _manager(owner, "inviter")
    project = ProjectFactory(owner=owner, status=ProjectStatus.PUBLISHED)
    ProjectPartner.objects.create(
        project=project, member=owner, role=PartnerRole.COORDINATOR
    )
    invited = [MemberFactory(status=MemberStatus.PUBLISHED) for _ in range(5)]
    for i, member in enumerate(invited):
        _manager(member, f"invited{i}")
    for member in invited[:3]:
        partner_add(project=project, member=member, role="partner", user=user)
    assert len(mail.outbox) == 3
    with pytest.raises(ValidationError):
        partner_add(project=project, member=invited[3], role="partner", user=user)
    assert len(mail.outbox) == 3
    assert not project.partnerships.filter(member=invited[3]).exists()


def test_a_pending_profile_cannot_invite_partners(db):
    """A profile still pending review cannot e-mail other members' managers
    by inviting them to its draft (a way around the contact limit)."""
    owner = MemberFactory(status=MemberStatus.PENDING)
    user = _manager(owner, "newcomer")
    draft = ProjectFactory(owner=owner, status=ProjectStatus.DRAFT)
    ProjectPartner.objects.create(
        project=draft, member=owner, role=PartnerRole.COORDINATOR
    )
    invited = MemberFactory(status=MemberStatus.PUBLISHED)
    _manager(invited, "target")
    with pytest.raises(ValidationError):
        partner_add(project=draft, member=invited, role="partner", user=user)
    assert mail.outbox == []


# -- the public contact form ----------------------------------------------------


def test_contact_form_stores_and_sends_a_few_submissions_per_address(
    client, tree, settings
):
    """From one address, the contact form stores and e-mails five submissions
    an hour; the sixth is refused with a 429 and an explanation, and nothing
    more is kept or sent."""
    settings.HUB_RATE_LIMITS = {**settings.HUB_RATE_LIMITS, "contact_form": "5/h"}
    for _ in range(5):
        assert client.post(tree.form.url, valid_data()).status_code == 200
    response = client.post(tree.form.url, valid_data())
    assert response.status_code == 429
    assert "Too many" in response.text
    assert FormSubmission.objects.count() == 5
    assert len(mail.outbox) == 5


# -- the shared cache -----------------------------------------------------------


def _settings_of(module: str, **env) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['limits']['BACKEND'])"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": module,
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "example.org",
            "ELASTICSEARCH_URL": "http://127.0.0.1:9",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_limits_cache_is_the_database_by_default_and_never_per_process_in_production():
    """Without `HUB_RATELIMIT_CACHE_URL` limits live in Django's database cache
    (shared by every process of the machine); production refuses a per-process
    (local memory) cache for them and accepts Redis."""
    dev = _settings_of("hub.settings.dev")
    assert dev.stdout.strip() == "django.core.cache.backends.db.DatabaseCache"
    refused = _settings_of(
        "hub.settings.production", HUB_RATELIMIT_CACHE_URL="locmem://"
    )
    assert refused.returncode != 0
    assert "HUB_RATELIMIT_CACHE_URL" in refused.stderr
    redis = _settings_of(
        "hub.settings.production", HUB_RATELIMIT_CACHE_URL="redis://127.0.0.1:6379/1"
    )
    assert redis.stdout.strip() == "django.core.cache.backends.redis.RedisCache"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/en/healthz/", timeout=5)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"gunicorn on {port} did not start")


def _status(opener, url, data=None) -> tuple[int, str]:
    try:
        with opener.open(url, data=data, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_limits_hold_across_two_gunicorn_processes(tmp_path):
    """Two gunicorn processes serve one site on the embedded default (the
    database cache): the API throttle and the admin's failed log-ins count
    across both, whichever process answers."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HUB_", "DJANGO_", "PYTEST", "DATABASE_"))
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "hub.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "ELASTICSEARCH_URL": "http://127.0.0.1:9",
        "HUB_API_RATE_ANON": "4/m",
        "HUB_PAGE_CACHE_DIR": str(tmp_path / "pages"),
        "HUB_MATCH_CACHE_DIR": str(tmp_path / "matches"),
        "DJANGO_SUPERUSER_PASSWORD": "right-pw",
        "DEBUG": "0",
    }
    manage = [sys.executable, "manage.py"]
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["createsuperuser", "--noinput", "--username", "root", "--email", "r@x.org"],
    ):
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True, timeout=400)
    ports = [_free_port(), _free_port()]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "hub.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for port in ports
    ]
    try:
        deadline = time.monotonic() + 120
        for port in ports:
            _wait_for(port, deadline)
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        plain = urllib.request.build_opener()
        api = [
            _status(plain, f"{bases[i % 2]}/api/v1/members/no-such-member")[0]
            for i in range(8)
        ]
        assert api.count(404) == 4 and api[-1] == 429, api

        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = _status(browser, f"{bases[0]}/admin/login/")[1]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]

        def attempt(i, password):
            data = urllib.parse.urlencode(
                {
                    "csrfmiddlewaretoken": token,
                    "username": "root",
                    "password": password,
                }
            ).encode()
            return _status(browser, f"{bases[i % 2]}/admin/login/", data)

        for i in range(12):
            attempt(i, "wrong-pw")
        _code, body = attempt(12, "right-pw")
        assert "Too many failed log-in attempts" in body
        assert not any(c.name == "sessionid" for c in jar)
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)
