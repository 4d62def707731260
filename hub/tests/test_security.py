"""Web security: CSRF, escaping, rich text, uploads, headers, deploy checks and
rate limits."""

import io
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from wagtail.admin.rich_text import DraftailRichTextArea
from wagtail.documents.forms import get_document_form
from wagtail.documents.models import Document
from wagtail.images.forms import get_image_form
from wagtail.images.models import Image

import pytest
from PIL import Image as PILImage

from hub.tests.test_access import (  # noqa: F401
    CASES,
    WorldView,
    _url,
    access_world,  # noqa: F401 - fixture
)
from hub.tests.worlds import xss_world_build
from search.services import index_refresh, outbox_drain

ROOT = Path(__file__).resolve().parents[2]


class TagCollector(HTMLParser):
    """Every start tag with its attributes, and the text of inline scripts."""

    def __init__(self):
        super().__init__()
        self.tags = []
        self.inline_scripts = []
        self._in_script = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "script" and "src" not in attrs:
            self._in_script = attrs
            self.inline_scripts.append(attrs)

    def handle_endtag(self, tag):
        self._in_script = None


def tags_of(html: str) -> TagCollector:
    parser = TagCollector()
    parser.feed(html)
    return parser


def assert_no_active_content(html: str, where: str):
    """No inline script (JSON data blocks aside), no event-handler attribute,
    no javascript: link, no inline style."""
    parsed = tags_of(html)
    for attrs in parsed.inline_scripts:
        assert attrs.get("type") in ("application/json", "application/ld+json"), (
            f"inline script on {where}: {attrs}"
        )
    for tag, attrs in parsed.tags:
        handlers = [name for name in attrs if name.startswith("on")]
        assert not handlers, f"<{tag} {handlers}> on {where}"
        assert "style" not in attrs, f"inline style on <{tag}> on {where}"
        for name in ("href", "src", "action"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith("javascript:"), f"{name}={value} on {where}"
        if tag == "style":
            raise AssertionError(f"<style> element on {where}")


# -- headers -------------------------------------------------------------------


def test_public_pages_send_the_security_headers(client, db):
    """CSP without unsafe-inline, frame denial twice over, nosniff, a strict
    referrer policy and a permissions policy."""
    with translation.override("en"):
        response = client.get(reverse("account_login"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part
    )
    assert directives["default-src"] == "'self'"
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_admin_gets_the_relaxed_policy_but_is_still_not_framable(client, db):
    """Wagtail's admin may run inline scripts; only its own origin frames it
    (page previews)."""
    response = client.get(reverse("wagtailadmin_login"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "'unsafe-inline'" in csp
    assert "frame-ancestors 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"


def test_public_html_has_no_inline_script_style_or_handler(
    db,
    client,
    access_world,  # noqa: F811
):
    """Every public page renders under the strict CSP: nothing inline that the
    policy would block, for visitors and for a logged-in manager."""
    w = access_world
    for role in ("anonymous", "member"):
        if role == "member":
            client.force_login(w.users["member"])
        for case, (args, method, expected) in CASES.items():
            name = case.split("#")[0]
            if method != "get" or expected[role] != 200 or name.startswith("api-v1"):
                continue
            with translation.override("en"):
                url = _url(name, args, w)
            response = client.get(url)
            if "html" not in response.get("Content-Type", ""):
                continue
            assert_no_active_content(response.content.decode(), f"{url} as {role}")


def test_production_settings_pass_check_deploy_and_send_hsts(tmp_path):
    """`manage.py check --deploy` reports nothing with production settings,
    and a response over HTTPS carries HSTS."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hub.settings.production",
        "SECRET_KEY": "x" * 20 + "-production-like-secret-key-" + "y" * 30,
        "ALLOWED_HOSTS": "hub.example.org",
        "ELASTICSEARCH_URL": "http://127.0.0.1:9",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "no issues" in check.stdout
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/api/v1/openapi.json', secure=True,"
        " HTTP_HOST='hub.example.org')\n"
        "print(r.status_code, r['Strict-Transport-Security'])\n"
        "r = Client().get('/api/v1/openapi.json', HTTP_HOST='hub.example.org')\n"
        "print(r.status_code, r['Location'])\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    secure, plain = run.stdout.splitlines()
    assert secure.startswith("200 max-age=31536000; includeSubDomains")
    assert plain == "301 https://hub.example.org/api/v1/openapi.json"


# -- CSRF ----------------------------------------------------------------------


# POST endpoints that take no cookie as credential, so a forged cross-site
# POST gains nothing: one-click unsubscribe (RFC 8058: mail clients POST
# without a session), authorised by the signed token in its address.
CSRF_EXEMPT = {"alerts:unsubscribe"}


def test_every_post_endpoint_refuses_a_post_without_csrf_token(
    db,
    access_world,  # noqa: F811
):
    """With CSRF checks on, a POST without token gets 403 on every URL of the
    access table (API endpoints excepted: they read no cookies and change
    nothing), whoever sends it; every POST form rendered carries the token."""
    w = access_world
    checked = 0
    for role in ("anonymous", "member", "superuser"):
        client = Client(enforce_csrf_checks=True)
        if role != "anonymous":
            client.force_login(w.users[role])
        for case, (args, _method, expected) in sorted(CASES.items()):
            name = case.split("#")[0]
            if name.startswith("api-v1"):
                continue
            if name in CSRF_EXEMPT:
                # Still refused without its credential: a forged token.
                if case.endswith("#forged"):
                    url = _url(name, args, w)
                    assert client.post(url).status_code == 400, url
                continue
            with translation.override("en"):
                url = _url(name, args, w)
            response = client.post(url, {"anything": "1"})
            assert response.status_code == 403, f"POST {url} as {role}"
            checked += 1
            if expected[role] == 200:
                page = client.get(url)
                if "html" not in page.get("Content-Type", ""):
                    continue
                for tag, attrs in tags_of(page.content.decode()).tags:
                    if tag == "form" and attrs.get("method", "").lower() == "post":
                        assert "csrfmiddlewaretoken" in page.content.decode(), url
    assert checked > 150


def test_api_post_endpoint_is_csrf_exempt_but_changes_nothing(client, db):
    """The one API POST (draft matchmaking) works without a cookie or token
    and writes nothing."""
    from members.models import Member
    from projects.models import Project

    before = (Member.objects.count(), Project.objects.count())
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("api-v1:draft_matches"), {}, content_type="application/json"
    )
    assert response.status_code in (200, 422, 503)
    assert (Member.objects.count(), Project.objects.count()) == before


# -- escaping ------------------------------------------------------------------


def test_every_user_text_field_is_rendered_escaped(db, client, search_index, settings):
    """The payload stored in every text field of a member and an experiment
    comes out escaped on the profile, the experiment, the search results (lists,
    site search, highlights) and the manager's dashboard."""
    settings.HUB_EMBEDDINGS = False
    user = get_user_model().objects.create_user("xss", "xss@example.org", "pw")
    member, project = xss_world_build(user=user)
    # Explicitly: inside another module fixture's transaction on_commit waits.
    outbox_drain(include_deferred=True)
    index_refresh()
    with translation.override("en"):
        member_url, project_url = member.get_absolute_url(), project.get_absolute_url()
        urls = [
            (member_url, "Description &lt;script&gt;"),
            (project_url, "Summary &lt;script&gt;"),
            (reverse("members:list") + "?q=Xss", member_url),
            (reverse("members:list") + "?q=Description", member_url),
            (reverse("projects:list") + "?q=Xss", project_url),
            (reverse("projects:list") + "?q=Summary", project_url),
            (reverse("search") + "?q=Xss", member_url),
            (reverse("dashboard:home"), "Xss Coop &lt;script&gt;"),
            (reverse("members:edit", args=[member.slug]), "Headline &lt;script&gt;"),
            (reverse("projects:edit", args=[project.slug]), "Summary &lt;script&gt;"),
        ]
    client.force_login(user)
    for url, marker in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert marker in html, f"the payload's record is not on {url}"
        assert "<script>window.__xss" not in html, url
        assert "<img src=x" not in html, url
        assert_no_active_content(html, url)
    profile = client.get(member_url).content.decode()
    for field in ("Headline", "Description", "skill", "City", "Offer", "Seek"):
        assert f"{field} &lt;script&gt;" in profile, field


def test_rich_text_from_the_editor_is_sanitised():
    """Wagtail's editor stores rich text through its whitelist: scripts, event
    handlers and javascript: links do not survive."""
    converter = DraftailRichTextArea().converter
    payload = (
        '<p>Hello <a href="javascript:alert(1)">link</a></p>'
        '<img src="x" onerror="alert(1)"/><script>alert(1)</script>'
        '<p onclick="alert(1)" style="color:red">text</p>'
    )
    stored = converter.to_database_format(converter.from_database_format(payload))
    assert "Hello" in stored and "text" in stored
    for forbidden in ("<script", "onerror", "onclick", "javascript:", "style="):
        assert forbidden not in stored


# -- uploads -------------------------------------------------------------------


def _png() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _image_form(name, content, content_type):
    form_class = get_image_form(Image)
    return form_class(
        data={"title": name, "description": f"Alt text of {name}", "collection": 1},
        files={"file": SimpleUploadedFile(name, content, content_type)},
    )


def test_image_uploads_are_checked_for_type_and_size(db, settings):
    """A PNG is accepted; an SVG (scripts), a renamed text file and an image
    over the size limit are refused."""
    assert _image_form("ok.png", PNG, "image/png").is_valid()
    form = _image_form("evil.svg", SVG, "image/svg+xml")
    assert not form.is_valid() and "file" in form.errors
    form = _image_form("fake.png", b"not an image at all", "image/png")
    assert not form.is_valid() and "file" in form.errors
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10
    form = _image_form("big.png", PNG, "image/png")
    assert not form.is_valid() and "file" in form.errors


def _document_form(name, content):
    form_class = get_document_form(Document)
    return form_class(
        data={"title": name, "collection": 1},
        files={"file": SimpleUploadedFile(name, content)},
    )


def test_document_uploads_are_checked_for_type_and_size(db, settings):
    """A PDF is accepted; HTML, SVG and executables are refused, and so is a
    file over the size limit."""
    assert _document_form("report.pdf", b"%PDF-1.4 minimal").is_valid()
    for name in ("page.html", "image.svg", "tool.exe", "script.js"):
        form = _document_form(name, b"<script>alert(1)</script>")
        assert not form.is_valid() and "file" in form.errors, name
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 10
    form = _document_form("report.pdf", b"%PDF-1.4 more than ten bytes")
    assert not form.is_valid() and "file" in form.errors


def test_documents_are_served_with_a_blocking_policy(settings):
    """Wagtail serves documents with `default-src 'none'` unless told not to."""
    assert getattr(settings, "WAGTAILDOCS_BLOCK_EMBEDDED_CONTENT", True) is True
    assert "svg" not in settings.WAGTAILDOCS_EXTENSIONS
    assert "html" not in settings.WAGTAILDOCS_EXTENSIONS
    assert "svg" not in settings.WAGTAILIMAGES_EXTENSIONS


# -- rate limits ---------------------------------------------------------------


@pytest.fixture
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_login_failures_are_rate_limited(client, db, fresh_cache):
    """After five wrong passwords for one account, the sixth attempt is
    refused, even with the right password."""
    get_user_model().objects.create_user("victim", "victim@example.org", "right-pw")
    with translation.override("en"):
        url = reverse("account_login")
    for _ in range(5):
        response = client.post(
            url, {"login": "victim@example.org", "password": "wrong"}
        )
        assert response.status_code == 200
        assert "Too many failed login attempts" not in response.text
    # Now even the right password is refused, with a clear message.
    response = client.post(url, {"login": "victim@example.org", "password": "right-pw"})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.text
    assert "_auth_user_id" not in client.session


def test_signups_are_rate_limited(client, db, settings, fresh_cache):
    """Sign-ups per IP are capped (ACCOUNT_RATE_LIMITS['signup'])."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}
    with translation.override("en"):
        url = reverse("account_signup")
    statuses = []
    for i in range(3):
        statuses.append(
            client.post(
                url,
                {
                    "email": f"new{i}@example.org",
                    "password1": "a-long-Pa55phrase",
                    "password2": "a-long-Pa55phrase",
                },
            ).status_code
        )
        client.logout()
    assert statuses[:2] == [302, 302]
    assert statuses[2] == 429


def test_api_is_throttled(client, db, settings, fresh_cache):
    """With a rate of 3 a minute the fourth call gets 429; the test settings'
    high rates keep ordinary tests clear of it."""
    settings.HUB_API_RATE_ANON = "3/m"
    url = reverse("api-v1:member_detail", args=["nobody"])
    statuses = [client.get(url).status_code for _ in range(4)]
    assert 429 not in statuses[:3]
    assert statuses[3] == 429
    settings.HUB_API_RATE_ANON = "100000/m"
    assert client.get(url).status_code != 429
