"""What the load benchmark's users do, shared by bench/load.py (Locust against
gunicorn) and bench/load_profile.py (the same mix replayed in one process
under a profiler): the search words, the users' tasks and their weights, the
editors' accounts and the parser that fills the edit form as a browser would.
"""

import json
import random
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent

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
# Tasks and their weights (bench/load.py's Visitor and Editor, 4 : 1).
VISITOR_TASKS = {
    "browse": 4,
    "profile": 3,
    "experiment": 2,
    "search": 5,
    "api_search": 2,
    "matches": 2,
}
EDITOR_TASKS = {"edit_profile": 3, "dashboard": 2, "suggestions": 1}
BROWSE_PAGES = ["/en/", "/fr/", "/nl/", "/en/projects/", "/en/members/"]
SEARCH_PAGES = ["/en/members/", "/en/projects/", "/en/search/"]


class QueryMix:
    """Where the next search's words come from (see the module docstring)."""

    def __init__(self, kind: str = "uniform", seed: int = 8):
        self.kind = kind
        self.random = random.Random(seed)
        labelled = [
            json.loads(line)["q"]
            for line in (HERE / "search_quality_queries.jsonl").read_text().splitlines()
            if line.strip()
        ]
        self.ranked = list(dict.fromkeys([*QUERIES, *labelled]))
        self.weights = [1 / rank for rank in range(1, len(self.ranked) + 1)]
        self.words = sorted({w for q in labelled for w in q.split() if len(w) > 3})

    def next(self) -> str:
        if self.kind == "uniform":
            return self.random.choice(QUERIES)
        if self.random.random() < 0.2:
            return " ".join(self.random.sample(self.words, 2))
        return self.random.choices(self.ranked, self.weights)[0]


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
