"""Accessibility in the browser: axe-core on the main pages in each language,
and keyboard-only use of search and forms."""

import os
import re

from django.urls import reverse
from django.utils import translation

import pytest

from hub.tests.browser.conftest import (
    AXE_JS,
    IN_CI,
    PASSWORD,
    context_new,
    page_new,
    url,
    user_create,
    wait_htmx,
)
from members.models import ContactRequest, Member, MemberManager
from projects.models import PartnerRole, Project

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


@pytest.fixture
def axe_page(browser, live_server):
    """A page that axe-core can be injected into.

    The site's Content-Security-Policy allows no inline script without the
    request's nonce, and `add_script_tag` injects one: this context alone
    bypasses the policy (the journeys keep it on).
    """
    if not AXE_JS.exists():
        reason = f"{AXE_JS} is missing: run `make install` (npm ci)"
        if IN_CI:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    context = context_new(browser, live_server, bypass_csp=True)
    page = page_new(context)
    yield page
    context.close()
    assert not [e for e in page.errors if "Content Security Policy" not in e]


def axe_blocking(page) -> list[str]:
    """Serious and critical axe-core violations on the current page, one line
    per rule with the first offending elements."""
    page.add_script_tag(path=os.fspath(AXE_JS))
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    assert result["testEngine"]["name"] == "axe-core" and result["passes"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} → "
        + "; ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def log_in_by_keyboard(page, email: str, lang: str = "en") -> None:
    """Fill and submit the log-in form with the keyboard only."""
    page.goto(url("account_login", lang))
    tab_to(page, "input[name=login]")
    page.keyboard.type(email)
    tab_to(page, "input[name=password]")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: "/accounts/login" not in u)


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until `selector` has the focus, and check the focus shows."""
    target = page.locator(selector).first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            assert focus_visible(page), f"no visible focus on {selector}"
            return
    raise AssertionError(f"{selector} never got the focus after {limit} Tabs")


def focus_visible(page) -> bool:
    """The focused element is drawn with an outline or a ring."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          const outline = style.outlineStyle !== 'none'
            && parseFloat(style.outlineWidth) > 0;
          return el.matches(':focus-visible')
            && (outline || style.boxShadow !== 'none');
        }"""
    )


@pytest.fixture
def manager(demo_site):
    """An account that manages a demo member owning a published experiment."""
    project = (
        Project.objects.published()
        .filter(needs__isnull=False, partnerships__role=PartnerRole.COORDINATOR)
        .order_by("pk")
        .first()
    )
    # Imported experiments have no owner: their coordinator becomes it.
    project.owner = project.partnerships.get(role=PartnerRole.COORDINATOR).member
    project.save()
    user = user_create("manager@hub.example.org")
    MemberManager.objects.create(member=project.owner, user=user)
    return user, project


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_main_pages_have_no_serious_axe_violation(manager, axe_page, lang):
    """Home, members search with results, a profile, the sign-up page, and,
    logged in, a project with its suggestions, its proposed team and the
    dashboard: no serious or critical axe-core violation, and the page says
    which language it is in."""
    user, project = manager
    member = Member.objects.published().exclude(pk=project.owner_id).first()
    with translation.override(lang):
        home = reverse("wagtail_serve", args=[""])
    public = {
        "home": home,
        "sign-up": url("account_signup", lang),
        "search": url("members:list", lang) + "?q=logement",
        "profile": url("members:detail", lang, slug=member.slug),
    }
    private = {
        "project": url("projects:detail", lang, slug=project.slug),
        "team": url("projects:team", lang, slug=project.slug),
        "dashboard": url("dashboard:home", lang),
    }
    found = {}
    page = axe_page
    for name, path in public.items():
        page.goto(path)
        found[name] = axe_blocking(page)
        assert page.locator("html").get_attribute("lang") == lang, name
        if name == "search":
            assert page.locator(".result").count() > 0
    log_in_by_keyboard(page, user.email, lang)
    for name, path in private.items():
        page.goto(path)
        assert "/accounts/login" not in page.url
        found[name] = axe_blocking(page)
        assert page.locator("html").get_attribute("lang") == lang, name
        if name == "project":
            # The managers' suggestions panel is part of what is checked.
            assert page.locator("#suggested-partners").count() == 1
        if name == "team":
            # The proposed team, with a Contact link for each member.
            assert page.locator("#team-panel li.suggestion").count() > 0
    blocking = {name: v for name, v in found.items() if v}
    assert not blocking, f"axe-core ({lang}): {blocking}"


def test_search_works_with_the_keyboard_only(network, page):
    """Tab reaches the query box, typing searches, Tab reaches a facet, Space
    ticks it, the results update and the focus stays on the facet, visibly."""
    page.goto(url("members:list"))
    tab_to(page, "#search-q")
    page.keyboard.type("logement")
    page.wait_for_url(re.compile(r"q=logement"))
    # Let the debounced autocomplete and search triggers settle first: a swap
    # in the middle of the Tabs moves the starting point.
    page.wait_for_timeout(500)
    wait_htmx(page)
    before = page.locator("#results-heading").inner_text()
    tab_to(page, "#search-body input[name=kind]", limit=120)
    facet_id = page.evaluate("() => document.activeElement.id")
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"kind="))
    wait_htmx(page)
    assert page.locator(f"#{facet_id}").is_checked()
    assert page.locator("#results-heading").inner_text() != before
    assert page.evaluate("() => document.activeElement.id") == facet_id
    assert focus_visible(page)


def test_contact_form_works_with_the_keyboard_only(network, page):
    """Log in and send a contact request with the keyboard only."""
    sender, receiver = Member.objects.published().filter(open_to_collaboration=True)[:2]
    user = user_create("sender@hub.example.org")
    MemberManager.objects.create(member=sender, user=user)
    log_in_by_keyboard(page, user.email)
    page.goto(url("contacts:new", receiver_slug=receiver.slug))
    tab_to(page, "textarea[name=message]")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Bonjour, we would like to talk about a shared experiment.")
    tab_to(page, "main form [type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/contacts/\d+/$"))
    request = ContactRequest.objects.get(sender=sender, receiver=receiver)
    assert request.message.startswith("Bonjour, we would like")
