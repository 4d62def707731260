"""Screenshots of the main pages, at desktop and mobile widths, in EN/FR/NL.

    python bench/screenshots.py        (or: make screenshots)

Loads the demo content into a throwaway database and index prefix (see
`_setup.py`), serves it with Django's live-server thread, and drives Debian's
Chromium with Playwright to save PNGs under docs/screenshots/. A manager
account of one demo experiment shows the suggested partners and the
dashboard.
"""

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _setup import ROOT, bench_environment  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("HUB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
]
# The widths people were checked at: a laptop and the narrowest common phone.
WIDTHS = {"desktop": (1366, 900), "mobile": (360, 780)}
LANGUAGES = ("en", "fr", "nl")
EMAIL = "manager@hub.example.org"
PASSWORD = "screenshots-Pa55word"  # noqa: S105 - a throwaway local account


def demo_prepare() -> dict:
    """The demo network, indexed, and a manager for one of its experiments."""
    from django.contrib.auth import get_user_model

    from allauth.account.models import EmailAddress

    from hub.demo.loader import demo_load
    from hub.models import NewsPage
    from members.models import Member, MemberManager
    from projects.models import PartnerRole, Project
    from search.documents import DOCUMENTS
    from search.services import index_rebuild

    demo_load(with_admin=False)
    project = (
        Project.objects.published()
        .filter(needs__isnull=False, partnerships__role=PartnerRole.COORDINATOR)
        .order_by("pk")
        .first()
    )
    # Imported experiments have no owner: their coordinator becomes it.
    project.owner = project.partnerships.get(role=PartnerRole.COORDINATOR).member
    project.save()
    user = get_user_model().objects.create_user(
        username="manager", email=EMAIL, password=PASSWORD
    )
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    MemberManager.objects.create(member=project.owner, user=user)
    for document in DOCUMENTS:
        index_rebuild(document=document)
    member = (
        Member.objects.published()
        .filter(is_organisation=True)
        .exclude(pk=project.owner_id)
        .order_by("pk")
        .first()
    )
    news = NewsPage.objects.live().order_by("-date").first()
    return {"project": project, "member": member, "news": news}


def shots(data: dict) -> list[tuple[str, str, bool, bool]]:
    """(file stem, path, logged in, full page) for every screenshot."""
    from django.urls import reverse
    from django.utils import translation

    def url(name, lang, **kwargs):
        with translation.override(lang):
            return reverse(name, kwargs=kwargs or None)

    def home(lang):
        with translation.override(lang):
            return reverse("wagtail_serve", args=[""])

    project, member, news = data["project"], data["member"], data["news"]
    search = "?q=logement"
    items = []
    for lang in LANGUAGES:
        items += [
            (f"home-{lang}", home(lang), False, False),
            (
                f"members-search-{lang}",
                url("members:list", lang) + search,
                False,
                False,
            ),
            (
                f"profile-{lang}",
                url("members:detail", lang, slug=member.slug),
                False,
                True,
            ),
            (
                f"project-{lang}",
                url("projects:detail", lang, slug=project.slug),
                False,
                True,
            ),
            (f"sign-in-{lang}", url("account_login", lang), False, False),
        ]
    items.append(("sign-up-en", url("account_signup", "en"), False, False))
    if news is not None:
        items.append(("news-en", news.url, False, False))
    items += [
        (
            f"project-suggestions-{lang}",
            url("projects:detail", lang, slug=project.slug) + "#suggested-partners",
            True,
            False,
        )
        for lang in ("en", "nl")
    ]
    items += [
        ("dashboard-en", url("dashboard:home", "en"), True, False),
        (
            "contact-form-en",
            url("contacts:new", "en", receiver_slug=member.slug),
            True,
            True,
        ),
        ("account-settings-fr", url("dashboard:account_settings", "fr"), True, False),
    ]
    return items


def main():
    started = time.monotonic()
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop, see tests
    os.environ.setdefault("HUB_EMBEDDINGS", "true")
    bench_environment("screenshots")
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    from playwright.sync_api import sync_playwright

    data = demo_prepare()
    server = LiveServerThread("localhost", StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base_url = f"http://localhost:{server.port}"
    OUT.mkdir(parents=True, exist_ok=True)
    saved = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
            for width_name, (width, height) in WIDTHS.items():
                context = browser.new_context(
                    base_url=base_url,
                    viewport={"width": width, "height": height},
                    is_mobile=width_name == "mobile",
                    has_touch=width_name == "mobile",
                )
                page = context.new_page()
                logged_in = False
                for stem, path, private, full_page in shots(data):
                    if private and not logged_in:
                        page.goto("/en/accounts/login/")
                        page.locator("input[name=login]").fill(EMAIL)
                        page.locator("input[name=password]").fill(PASSWORD)
                        page.locator("input[name=password]").press("Enter")
                        page.wait_for_load_state()
                        logged_in = True
                    page.goto(path)
                    page.wait_for_load_state("networkidle")
                    target = OUT / f"{stem}-{width_name}.png"
                    page.screenshot(path=target, full_page=full_page)
                    saved.append(target)
                context.close()
            browser.close()
    finally:
        server.terminate()
    for path in saved:
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KiB")
    print(f"{len(saved)} screenshots in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
