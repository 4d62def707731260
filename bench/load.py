"""Load test: 50 concurrent users against gunicorn and the real node, then a
check that no edit was lost.

    python bench/load.py                      # 50 users, 5 minutes (make bench-load)
    python bench/load.py --duration 60        # a quick run
    python bench/load.py --users 20 --editors 5

The server is `bench/_serve.py`'s `HubServer` (gunicorn with production
settings on loopback, the demo network in a throwaway SQLite database, its own
index prefix on the local `bench` node). Locust runs headless in this process:
visitors browse pages, search (site, members, experiments, the API) and ask
for matches; editors log in through the real log-in form and edit their own
profile through the real edit form, many times. Afterwards every editor's last
successful edit is read back from the database AND from the index. Exit status
1 on any 5xx, any lost edit or any failed request.
"""

from __future__ import annotations

# Locust patches the standard library with gevent: import it before the rest.
from locust import HttpUser, between, events, task  # isort: skip
from locust.env import Environment  # isort: skip

import argparse
import json
import random
import sys
import time
import urllib.request
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import gevent

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _serve import HubServer  # noqa: E402

PASSWORD = "load-test-Pa55word"
QUERIES = [
    "logement",
    "woning",
    "housing",
    "énergie",
    "fietsen",
    "alimentation durable",
    "impact evaluation",
    "coopérative",
    "économie sociale",
    "jeunes",
    "repair",
    "circuit court",
]
FIVE_XX: Counter = Counter()
EDITS: dict[str, str] = {}  # member slug -> last description the server accepted
SAVES: Counter = Counter()
STOPPING = False
# member slug -> every description sent, in order (a save whose response was
# lost may still have committed: it counts as a newer state, not a loss).
ATTEMPTS: dict[str, list[str]] = {}


class FormParser(HTMLParser):
    """The fields of the form posting to `action`, as a browser would send them."""

    def __init__(self, action: str):
        super().__init__()
        self.action = action
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._textarea: str | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_form = a.get("method", "").lower() == "post" and (
                a.get("action") in ("", None, self.action)
            )
            return
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self.fields.append((name, a.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""
        elif tag == "select" and name:
            self._select, self._options = name, []
            self._multiple = "multiple" in a
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text))
            self._textarea = None
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected]
            if not chosen and self._options and not self._multiple:
                chosen = [self._options[0][0]]
            self.fields.extend((self._select, v) for v in chosen)
            self._select = None


def _checked(response, name, ok=(200,)):
    """Mark 5xx and unexpected statuses as failures (counted separately)."""
    if response.status_code == 0 and STOPPING:
        # Cut off by the end of the run, not refused by the server.
        response.success()
    elif response.status_code >= 500:
        FIVE_XX[name] += 1
        response.failure(f"{response.status_code}")
    elif response.status_code == 0:
        # No HTTP answer at all: name the client-side error (reset, timeout…).
        response.failure(f"no response: {type(response.error).__name__}")
    elif response.status_code not in ok:
        response.failure(f"unexpected {response.status_code}")
    else:
        response.success()


class Base(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.5)
    slugs: dict = {}

    def get(self, url, name, ok=(200,), **kwargs):
        with self.client.get(url, name=name, catch_response=True, **kwargs) as r:
            _checked(r, name, ok)
            return r


class Visitor(Base):
    """Anonymous: pages, search pages, live search, the API and matches."""

    weight = 4

    @task(4)
    def browse(self):
        page = random.choice(["/en/", "/fr/", "/nl/", "/en/projects/", "/en/members/"])
        self.get(page, "page")

    @task(3)
    def profile(self):
        self.get(f"/en/members/{random.choice(self.slugs['members'])}/", "profile")

    @task(2)
    def experiment(self):
        self.get(f"/en/projects/{random.choice(self.slugs['projects'])}/", "experiment")

    @task(5)
    def search(self):
        q = random.choice(QUERIES)
        where = random.choice(["/en/members/", "/en/projects/", "/en/search/"])
        headers = {"HX-Request": "true"} if random.random() < 0.5 else {}
        self.get(where, "search", params={"q": q}, headers=headers)

    @task(2)
    def api_search(self):
        self.get(
            random.choice(["/api/v1/members", "/api/v1/projects"]),
            "api search",
            params={"q": random.choice(QUERIES), "size": 10},
        )

    @task(2)
    def matches(self):
        if random.random() < 0.5:
            slug = random.choice(self.slugs["projects"])
            self.get(f"/api/v1/projects/{slug}/matches", "matchmaking")
        else:
            slug = random.choice(self.slugs["members"])
            self.get(f"/api/v1/members/{slug}/matches", "matchmaking")


class Editor(Base):
    """Logged in: edits its own profile through the real form, repeatedly."""

    weight = 1
    accounts: list = []

    def on_start(self):
        self.account = self.accounts.pop()
        login = self.get("/en/accounts/login/", "login page")
        token = self.client.cookies.get("csrftoken", "")
        with self.client.post(
            "/en/accounts/login/",
            {
                "login": self.account["email"],
                "password": PASSWORD,
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": login.url},
            name="log in",
            catch_response=True,
            allow_redirects=False,
        ) as r:
            _checked(r, "log in", ok=(302,))
        self.seq = 0

    @task(3)
    def edit_profile(self):
        slug = self.account["slug"]
        url = f"/en/members/{slug}/edit/"
        form = self.get(url, "edit form")
        if form.status_code != 200:
            return
        parser = FormParser(url)
        parser.feed(form.text)
        self.seq += 1
        description = f"Load edit {slug} #{self.seq} at {time.time():.3f}"
        data = [(k, v) for k, v in parser.fields if k != "description"]
        data.append(("description", description))
        ATTEMPTS.setdefault(slug, []).append(description)
        with self.client.post(
            url,
            data,
            headers={"Referer": self.host + url},
            name="edit save",
            catch_response=True,
            allow_redirects=False,
        ) as r:
            _checked(r, "edit save", ok=(302,))
            if r.status_code == 302:
                EDITS[slug] = description
                SAVES["ok"] += 1

    @task(2)
    def dashboard(self):
        self.get("/en/dashboard/", "dashboard")

    @task(1)
    def suggestions(self):
        self.get(f"/api/v1/members/{self.account['slug']}/matches", "matchmaking")


ACCOUNTS_SCRIPT = """
import json
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from members.models import ManagerRole, Member, MemberManager
User = get_user_model()
out = []
members = list(Member.objects.published().order_by("pk")[:{n}])
for i, member in enumerate(members):
    email = f"load{{i}}@load.example.org"
    user = User.objects.create_user(f"load{{i}}", email, "{password}")
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    MemberManager.objects.create(member=member, user=user, role=ManagerRole.OWNER)
    out.append({{"email": email, "slug": member.slug}})
print(json.dumps(out))
"""

DESCRIPTIONS_SCRIPT = """
import json
from members.models import Member
print(json.dumps({{m.slug: [m.pk, m.description] for m in
    Member.objects.filter(slug__in={slugs!r})}}))
"""


def _last_json(output: str):
    """The JSON line a shell script printed last (anything before is logging)."""
    return json.loads(output.strip().splitlines()[-1])


def _es(server, path, body=None):
    request = urllib.request.Request(
        server.env["ELASTICSEARCH_URL"] + path,
        data=json.dumps(body).encode() if body else None,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def lost_edits(server) -> tuple[int, int]:
    """(profiles whose last acknowledged edit is missing from the database,
    profiles whose indexed description differs from the database's)."""
    slugs = sorted(EDITS)
    if not slugs:
        return 0, 0
    rows = _last_json(
        server.manage("shell", "-c", DESCRIPTIONS_SCRIPT.format(slugs=slugs))
    )
    alias = f"{server.index_prefix}-members"
    _es(server, f"/{alias}/_refresh", {})
    docs = _es(
        server,
        f"/{alias}/_mget",
        {"ids": [str(rows[s][0]) for s in slugs if s in rows]},
    )["docs"]
    indexed = {d["_id"]: d.get("_source", {}).get("description") for d in docs}
    in_db = in_index = 0
    for slug in slugs:
        if slug not in rows:
            continue
        pk, stored = rows[slug]
        tried = ATTEMPTS[slug]
        # The acknowledged edit or a later one (never an older one).
        if stored in tried[tried.index(EDITS[slug]) :]:
            in_db += 1
        if indexed.get(str(pk)) == stored:
            in_index += 1
    return len(slugs) - in_db, len(slugs) - in_index


def percentile_table(stats, duration: float) -> str:
    header = (
        f"{'endpoint':<16}{'requests':>9}{'fails':>7}{'5xx':>6}{'req/s':>8}"
        f"{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}"
    )
    lines = [header, "-" * len(header)]
    entries = sorted(stats.entries.values(), key=lambda e: -e.num_requests)
    for entry in [*entries, stats.total]:
        name = "TOTAL" if entry is stats.total else entry.name
        lines.append(
            f"{name:<16}{entry.num_requests:>9}{entry.num_failures:>7}"
            f"{(sum(FIVE_XX.values()) if name == 'TOTAL' else FIVE_XX[name]):>6}"
            f"{entry.num_requests / duration:>8.1f}"
            f"{entry.get_response_time_percentile(0.5):>8.0f}"
            f"{entry.get_response_time_percentile(0.95):>8.0f}"
            f"{entry.get_response_time_percentile(0.99):>8.0f}"
            f"{entry.max_response_time or 0:>8.0f}"
        )
    return "\n".join(lines) + "\n(times in ms)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=300, help="seconds")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--editors", type=int, default=10)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    random.seed(args.seed)

    # Plain HTTP on loopback: cookies must not be marked Secure, or the load
    # generator could not log in.
    insecure_cookies = {"SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0"}
    with HubServer(demo=True, extra_env=insecure_cookies) as server:
        accounts = _last_json(
            server.manage(
                "shell",
                "-c",
                ACCOUNTS_SCRIPT.format(n=args.editors, password=PASSWORD),
            )
        )
        members = json.loads(
            urllib.request.urlopen(f"{server.url}/api/v1/members?size=100").read()
        )["results"]
        projects = json.loads(
            urllib.request.urlopen(f"{server.url}/api/v1/projects?size=100").read()
        )["results"]
        Base.slugs = {
            "members": [m["slug"] for m in members],
            "projects": [p["slug"] for p in projects],
        }
        Editor.accounts = list(accounts)
        Editor.fixed_count = len(accounts)
        print(
            f"[load] {args.users} users ({len(accounts)} editors) for "
            f"{args.duration:.0f}s on {server.url}; {len(members)} members and "
            f"{len(projects)} experiments searchable",
            flush=True,
        )
        env = Environment(user_classes=[Visitor, Editor], events=events)
        env.host = server.url
        for cls in (Visitor, Editor):
            cls.host = server.url
        runner = env.create_local_runner()
        started = time.monotonic()
        runner.start(args.users, spawn_rate=args.spawn_rate)

        def stop():
            global STOPPING
            STOPPING = True
            runner.quit()

        gevent.spawn_later(args.duration, stop)
        runner.greenlet.join()
        elapsed = time.monotonic() - started

        lost_db, lost_index_before_sync = lost_edits(server)
        server.manage("search_sync", "--all")
        _, lost_index = lost_edits(server)
        errors = sum(1 for line in server.read_access_log()[0] if line.status >= 500)

    stats = env.stats
    print()
    print(percentile_table(stats, elapsed))
    for error in stats.errors.values():
        print(f"failure: {error.name}: {error.error} ×{error.occurrences}")
    print()
    print(f"requests served       {stats.total.num_requests}")
    print(f"failed requests       {stats.total.num_failures}")
    print(f"5xx (client / server) {sum(FIVE_XX.values())} / {errors}")
    print(f"edits saved           {SAVES['ok']} on {len(EDITS)} profiles")
    print(f"edits lost (database) {lost_db}")
    print(
        f"edits lost (index)    {lost_index} "
        f"({lost_index_before_sync} still in the outbox before search_sync)"
    )
    bad = stats.total.num_failures or FIVE_XX or errors or lost_db or lost_index
    return 1 if bad or not EDITS else 0


if __name__ == "__main__":
    sys.exit(main())
