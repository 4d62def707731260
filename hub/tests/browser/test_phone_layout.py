"""Phones and the front door, in Chromium: no sideways scrolling on the main
pages at 360 and 390 px in three languages, a compact header whose menu works
with and without JavaScript, the account links, the search filter panel, and
Back/Forward restoring the whole search form."""

import re

from django.utils import translation
from django.utils.translation import gettext

from wagtail.models import Page

import pytest

from hub.models import EventIndexPage, FormPage, NewsIndexPage
from hub.tests.browser.conftest import (
    log_in,
    page_new,
    url,
    user_create,
    wait_htmx,
)
from members.models import Member
from projects.models import Project

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def context_sized(browser, live_server, viewport: dict, **options):
    """A fresh browser profile of the given screen size."""
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, locale="en-GB", **options
    )
    context.set_default_timeout(15_000)
    return context


def overflow(page) -> int:
    """How far the page scrolls sideways (0: not at all)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - window.innerWidth"
    )


def ax_expanded(page, name: str):
    """The `expanded` state Chromium gives assistive technology for the
    control called `name` (a <summary> is a disclosure button to them)."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    for node in nodes:
        if node.get("name", {}).get("value") == name and not node.get("ignored"):
            for prop in node.get("properties", []):
                if prop["name"] == "expanded":
                    return prop["value"]["value"]
    return None


def _live_in(model, lang: str) -> Page:
    return model.objects.live().filter(locale__language_code=lang).first()


def main_journey_paths(lang: str) -> dict[str, str]:
    member = Member.objects.published().order_by("pk").first()
    project = Project.objects.published().order_by("pk").first()
    return {
        "home": f"/{lang}/",
        "member search": url("members:list", lang) + "?q=logement",
        "experiment search": url("projects:list", lang),
        "profile": url("members:detail", lang, slug=member.slug),
        "experiment": url("projects:detail", lang, slug=project.slug),
        "sign-in": url("account_login", lang),
        "sign-up": url("account_signup", lang),
        "news": _live_in(NewsIndexPage, lang).url,
        "events": _live_in(EventIndexPage, lang).url,
        "contact": _live_in(FormPage, lang).url,
    }


def test_no_main_page_scrolls_sideways_on_phones(demo_site, browser, live_server):
    """At 360 and 390 px, in English, French and Dutch, none of the main
    journeys' pages is wider than the screen, with the header menu closed or
    open; the closed header stays under 100 px high."""
    wide = []
    for width in (360, 390):
        context = context_sized(
            browser, live_server, viewport={"width": width, "height": 800}
        )
        page = page_new(context)
        for lang in ("en", "fr", "nl"):
            for name, path in main_journey_paths(lang).items():
                page.goto(path)
                assert page.locator("html").get_attribute("lang") == lang, path
                if overflow(page) > 0:
                    wide.append(f"{width}px {lang} {name} ({path}): {overflow(page)}")
                header = page.locator(".site-header").bounding_box()["height"]
                assert header < 100, f"{width}px {lang} {name}: header {header}px"
            page.locator("#site-menu > summary").click()
            assert page.locator("#site-menu .site-search button").is_visible()
            if overflow(page) > 0:
                wide.append(f"{width}px {lang} open menu: {overflow(page)}")
        assert not page.errors, page.errors
        context.close()
    assert not wide, "Pages that scroll sideways:\n" + "\n".join(wide)


@pytest.fixture
def phone(browser, live_server):
    context = context_sized(browser, live_server, viewport=PHONE)
    page = page_new(context)
    yield page
    context.close()
    assert not page.errors, page.errors


def test_phone_menu_opens_closes_and_holds_everything(network, phone):
    """On a phone the navigation, search, account links and languages sit
    behind one Menu button: Enter opens it, Escape closes it and gives the
    focus back to the button; the screen reader hears it expanded."""
    page = phone
    page.goto(url("members:list", "fr"))
    menu = page.locator("#site-menu")
    toggle = menu.locator("> summary")
    assert toggle.is_visible()
    for hidden in (".site-nav a", ".site-search input", ".account-nav a"):
        assert not menu.locator(hidden).first.is_visible(), hidden
    assert ax_expanded(page, "Menu") is False
    toggle.focus()
    page.keyboard.press("Enter")
    assert menu.evaluate("d => d.open")
    assert ax_expanded(page, "Menu") is True
    for shown in (".site-nav a", ".site-search input", "#language-switcher button"):
        assert menu.locator(shown).first.is_visible(), shown
    with translation.override("fr"):
        sign_in = gettext("Sign in")
    assert menu.get_by_role("link", name=sign_in, exact=True).is_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    assert not menu.evaluate("d => d.open")
    assert toggle.evaluate("el => el === document.activeElement")

    # Languages are buttons named in their own language.
    toggle.click()
    menu.locator("#language-switcher button[value=nl]").click()
    page.wait_for_url(re.compile(r"/nl/members/"))
    assert page.locator("html").get_attribute("lang") == "nl"


def test_phone_menu_works_without_javascript(network, browser, live_server):
    """With JavaScript off the Menu button still opens the menu (a native
    disclosure) and the language buttons still post the choice."""
    context = context_sized(
        browser, live_server, viewport=PHONE, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(url("projects:list", "en"))
    menu = page.locator("#site-menu")
    assert not menu.locator(".site-nav a").first.is_visible()
    menu.locator("> summary").click()
    assert menu.locator(".site-nav a").first.is_visible()
    menu.locator("#language-switcher button[value=fr]").click()
    page.wait_for_url(re.compile(r"/fr/projects/"))
    context.close()


def test_header_account_links_follow_the_session(network, page):
    """On a desktop the header shows Sign in and Sign up to a visitor, and
    Dashboard and Sign out once signed in; Sign out signs out."""
    page.goto(url("projects:list"))
    header = page.locator(".site-header")
    assert header.get_by_role("link", name="Sign in").is_visible()
    assert header.get_by_role("link", name="Sign up").is_visible()
    assert header.locator("#site-menu > summary").is_hidden()
    user_create("member@hub.example.org")
    log_in(page, "member@hub.example.org")
    page.goto(url("members:list"))
    header.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(re.compile(r"/en/dashboard/"))
    header.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert header.get_by_role("link", name="Sign in").is_visible()


def test_member_results_come_first_on_a_phone_and_filters_fold(network, phone):
    """At 390 × 844 the first result starts on the first screen; the filters
    wait behind a "Filters" button, stay open while ticking values (htmx swaps
    the results) and count the ticked ones."""
    page = phone
    page.goto(url("members:list") + "?q=logement")
    first = page.locator(".result").first.bounding_box()
    assert first["y"] < PHONE["height"], first
    kind = page.locator("#search-body input[name=kind]").first
    assert not kind.is_visible()
    toggle = page.locator("#search-filters > summary")
    assert toggle.inner_text().strip() == "Filters"
    toggle.click()
    # Groups are folded on phones; opening one shows its values.
    page.locator("#facet-kind > summary").click()
    kind.check()
    page.wait_for_url(re.compile(r"kind="))
    wait_htmx(page)
    assert page.locator("#search-filters").evaluate("d => d.open")
    assert page.locator("#search-filters > summary").inner_text() == "Filters (1)"
    assert page.locator("#search-body input[name=kind]:checked").is_visible()
    status = page.locator("#search-status")
    assert re.search(r"\d+ members?", status.inner_text())


def test_filters_are_a_sidebar_on_a_desktop(network, page):
    """From 50rem the facets are an open sidebar beside the results."""
    page.goto(url("members:list"))
    assert page.locator("#search-filters > summary").is_hidden()
    facets = page.locator("#search-filters").bounding_box()
    results = page.locator(".search-results").bounding_box()
    assert facets["x"] + facets["width"] <= results["x"]
    assert abs(facets["y"] - results["y"]) < 50
    assert page.locator("#search-body input[name=kind]").first.is_visible()


def test_back_and_forward_restore_the_whole_search_form(network, page):
    """Search, filter, search again, then Back: the query box, the ticked
    facets and the sort show the previous search, as do the results; Forward
    brings the newer search back."""
    page.goto(url("members:list"))
    box = page.locator("#search-q")
    box.fill("logement")
    box.press("Enter")
    page.wait_for_url(re.compile(r"q=logement"))
    wait_htmx(page)
    kind = page.locator("#search-body input[name=kind]").first
    kind_value = kind.get_attribute("value")
    kind.check()
    page.wait_for_url(re.compile(rf"kind={kind_value}"))
    wait_htmx(page)
    page.locator("#search-sort").select_option("newest")
    page.wait_for_url(re.compile(r"sort=newest"))
    wait_htmx(page)
    box.fill("énergie")
    box.press("Enter")
    page.wait_for_url(re.compile(r"q=%C3%A9nergie|q=énergie"))
    wait_htmx(page)
    newer_count = page.locator("#results-heading").inner_text()

    def kind_checked() -> bool:
        return page.locator(
            f"#search-body input[name=kind][value={kind_value}]"
        ).is_checked()

    page.go_back()
    page.wait_for_url(re.compile(r"q=logement.*sort=newest|sort=newest.*q=logement"))
    assert box.input_value() == "logement"
    assert kind_checked()
    assert page.locator("#search-sort").input_value() == "newest"
    page.go_back()
    page.wait_for_url(lambda u: "q=logement" in u and "sort=relevance" in u)
    assert box.input_value() == "logement"
    assert kind_checked()
    assert page.locator("#search-sort").input_value() == "relevance"
    page.go_back()
    page.wait_for_url(lambda u: "q=logement" in u and "kind=" not in u)
    assert box.input_value() == "logement"
    assert not kind_checked()
    page.go_forward()
    page.go_forward()
    page.go_forward()
    page.wait_for_url(re.compile(r"nergie"))
    assert box.input_value() == "énergie"
    assert kind_checked()
    assert page.locator("#results-heading").inner_text() == newer_count
