"""Browser test wiring: Debian's Chromium driven by Playwright against the
pytest-django live server, with the real Elasticsearch node.

Playwright's sync API keeps an event loop running in the test thread, and
Django refuses ORM calls from a thread with a running loop; the tests below
call the ORM between browser steps on purpose, hence DJANGO_ALLOW_ASYNC_UNSAFE
while the browser is up. The browser tests are moved to the end of the session
so that every other test still runs with Django's guard on.
"""

import os
import re
from pathlib import Path

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from wagtail.models import Site

import pytest

from hub.demo.loader import demo_load, network_load, taxonomy_load
from hub.tests.factories import HomePageFactory, site_root_ensure

IN_CI = bool(os.environ.get("CI"))
CHROMIUM = os.environ.get("HUB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
]
ROOT = Path(__file__).resolve().parents[3]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "browser-test-Pa55word"


def pytest_collection_modifyitems(config, items):
    """Browser tests last (pytest-django has already ordered by database use)."""
    here = Path(__file__).parent
    in_browser = [here in Path(str(item.path)).parents for item in items]
    items[:] = [i for i, b in zip(items, in_browser, strict=True) if not b] + [
        i for i, b in zip(items, in_browser, strict=True) if b
    ]


def _unavailable(reason: str):
    """Outside CI a missing browser skips; in CI it fails (no skipped tests)."""
    if IN_CI:
        pytest.fail(f"Browser tests are required in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session; never a downloaded browser."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"playwright is not installed: {exc}")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def context_new(browser, live_server, **options):
    """A fresh browser profile (cookies, storage), 1280 px wide by default."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        **options,
    )
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def context(browser, live_server):
    context = context_new(browser, live_server)
    yield context
    context.close()


def page_new(context):
    """A page that records uncaught script errors, and the site's own
    Content-Security-Policy violations (the Wagtail admin's are Wagtail's)."""
    page = context.new_page()
    page.errors = []

    def on_console(message):
        if (
            message.type == "error"
            and "Content Security Policy" in message.text
            and "/admin/" not in page.url
        ):
            page.errors.append(f"{page.url}: {message.text}")

    page.on("pageerror", lambda exc: page.errors.append(f"{page.url}: {exc}"))
    page.on("console", on_console)
    return page


@pytest.fixture
def page(context):
    page = page_new(context)
    yield page
    assert not page.errors, f"Errors in the browser console: {page.errors}"


def url(name: str, lang: str = "en", **kwargs) -> str:
    """The path of a named URL in a language (language-prefixed once i18n
    patterns are on)."""
    with translation.override(lang):
        return reverse(name, kwargs=kwargs or None)


def wait_htmx(page) -> None:
    """Wait until htmx has no request in flight."""
    page.wait_for_function(
        "() => window.htmx && !document.querySelector('.htmx-request')"
    )


def indices_build() -> None:
    from search.documents import DOCUMENTS
    from search.services import index_rebuild

    for document in DOCUMENTS:
        index_rebuild(document=document)


@pytest.fixture
def network(transactional_db, search_index, settings):
    """The demo members and experiments, indexed in a private Elasticsearch
    prefix, under a bare home page (the editorial demo costs seconds).
    Embeddings stay off: they are tested elsewhere and cost seconds here."""
    settings.HUB_EMBEDDINGS = False
    root = site_root_ensure()
    for child in root.get_children():  # Wagtail's welcome page, if any
        child.delete()
    home = HomePageFactory(parent=root)
    Site.objects.create(
        hostname="localhost", port=80, root_page=home, is_default_site=True
    )
    taxonomy_load()
    network_load()
    indices_build()


@pytest.fixture
def demo_site(transactional_db, search_index, settings):
    """The whole demo: editorial pages, news and events too."""
    settings.HUB_EMBEDDINGS = False
    site_root_ensure()
    demo_load(with_admin=False)
    indices_build()


def user_create(email: str, *, verified: bool = True, **extra):
    from allauth.account.models import EmailAddress

    User = get_user_model()
    username = re.sub(r"[^a-z0-9]", "", email.split("@")[0].lower())
    user = User.objects.create_user(
        username=username, email=email, password=PASSWORD, **extra
    )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


def log_in(page, email: str, lang: str = "en") -> None:
    page.goto(url("account_login", lang))
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]"
    ).click()
    page.wait_for_load_state()
    assert "/accounts/login" not in page.url, page.content()[:2000]
