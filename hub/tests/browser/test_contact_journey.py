"""Find someone, then contact them: from the member search to the contact
form through the profile's "Get in touch" block, on a desktop and a phone
width, in Chromium against the live server and the real Elasticsearch node."""

import re

import pytest

from hub.tests.browser.conftest import (
    PASSWORD,
    context_new,
    page_new,
    url,
    user_create,
    wait_htmx,
)
from hub.tests.browser.test_accessibility import axe_blocking, axe_page  # noqa: F401
from members.models import (
    ContactRequest,
    ContactStatus,
    Member,
    MemberManager,
    MemberStatus,
)
from members.tests.factories import MemberFactory

pytestmark = pytest.mark.browser

WIDTHS = [1366, 360]


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def sized_page(request, browser, live_server):
    context = context_new(browser, live_server)
    page = page_new(context)
    page.set_viewport_size({"width": request.param, "height": 800})
    yield page
    context.close()
    assert not page.errors, f"Errors in the browser console: {page.errors}"


def receiver_of_the_demo() -> Member:
    """A published demo member that accepts contact requests."""
    return (
        Member.objects.published()
        .filter(open_to_collaboration=True)
        .exclude(name="")
        .order_by("pk")
        .first()
    )


def find_and_open(page, member: Member) -> None:
    """Type the member's name in the member search and open its profile from
    the results."""
    page.goto(url("members:list"))
    page.locator("#search-q").fill(member.name)
    page.locator("#search-q").press("Enter")
    page.wait_for_url(re.compile(r"[?&]q="))
    wait_htmx(page)
    link = page.locator(".result__title a").filter(
        has_text=re.compile(rf"^{re.escape(member.name)}$")
    )
    assert link.count() >= 1, page.locator("main").inner_text()[:2000]
    link.first.click()
    page.wait_for_url(re.compile(rf"/members/{member.slug}/$"))
    assert page.locator("h1").first.inner_text() == member.name


def test_visitor_finds_a_member_and_reaches_the_contact_form_through_sign_in(
    network, sized_page
):
    """An anonymous visitor searches, opens a profile, reads that signing in
    is needed, signs in from the "Get in touch" block and lands on the contact
    form of that member, then sends the request."""
    page = sized_page
    receiver = receiver_of_the_demo()
    sender = (
        Member.objects.published()
        .filter(open_to_collaboration=True)
        .exclude(pk=receiver.pk)
        .order_by("pk")
        .first()
    )
    user = user_create("finder@hub.example.org")
    MemberManager.objects.create(member=sender, user=user)

    find_and_open(page, receiver)
    block = page.locator("#get-in-touch")
    block.scroll_into_view_if_needed()
    assert block.is_visible()
    assert "Sign in or create an account to contact" in block.inner_text()
    sign_in = block.get_by_role("link", name=f"Sign in to contact {receiver.name}")
    box = sign_in.bounding_box()
    assert (
        box and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    ), "the button must fit the screen"
    sign_in.click()
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]"
    ).click()
    page.wait_for_url(re.compile(rf"/contacts/new/{receiver.slug}/$"))
    assert page.locator("h1").inner_text() == f"Contact {receiver.name}"

    page.locator("textarea[name=message]").fill(
        "Bonjour, nous aimerions tester avec vous un atelier de réparation partagé."
    )
    page.locator("main form [type=submit]").last.click()
    page.wait_for_url(re.compile(r"/contacts/\d+/$"))
    request = ContactRequest.objects.get(sender=sender, receiver=receiver)
    assert request.status == ContactStatus.PENDING and request.sent_by == user

    # Back on the profile, the block says a request is waiting, not "send".
    page.goto(url("members:detail", slug=receiver.slug))
    block = page.locator("#get-in-touch")
    assert "already asked" in block.inner_text()
    assert block.locator("a[href*='/contacts/new/']").count() == 0


def test_member_with_a_pending_profile_is_told_before_clicking(network, sized_page):
    """A member whose profile still waits for review finds a profile and reads,
    on the profile, that a published profile is needed: no contact button."""
    page = sized_page
    receiver = receiver_of_the_demo()
    user = user_create("newcomer@hub.example.org")
    pending = MemberFactory(name="Jeune pousse en attente", status=MemberStatus.PENDING)
    MemberManager.objects.create(member=pending, user=user)

    page.goto(url("account_login"))
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]"
    ).click()
    page.wait_for_load_state()
    assert "/accounts/login" not in page.url

    find_and_open(page, receiver)
    block = page.locator("#get-in-touch")
    block.scroll_into_view_if_needed()
    assert block.is_visible()
    assert "Your profile is waiting for review by an editor" in block.inner_text()
    assert block.locator("a[href*='/contacts/new/']").count() == 0
    assert page.locator("main a[href*='/contacts/new/']").count() == 0


def test_profile_form_adds_lines_and_is_accessible(network, axe_page):  # noqa: F811
    """The sectioned profile form: "Add another line" (a deferred script, no
    inline one) adds offer lines that are saved; the form, a profile's "Get
    in touch" block and the contact form have no serious axe violation."""
    page = axe_page
    receiver = receiver_of_the_demo()
    user = user_create("creator@hub.example.org")
    page.goto(url("members:detail", slug=receiver.slug))
    assert page.locator("#get-in-touch").count() == 1
    found = {"profile": axe_blocking(page)}

    page.goto(url("account_login"))
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]"
    ).click()
    page.wait_for_load_state()
    page.goto(url("members:create"))
    found["profile form"] = axe_blocking(page)
    offers = page.locator("[data-formset=offers]")
    add = offers.get_by_role("button", name="Add another line")
    assert add.is_visible()
    add.click()
    assert page.locator("input[name=offers-TOTAL_FORMS]").input_value() == "2"
    assert page.locator("input[name=offers-1-text]").evaluate(
        "el => el === document.activeElement"
    )
    page.locator("input[name=name]").fill("Atelier des lignes")
    page.locator("select[name=kind]").select_option("entrepreneur")
    page.locator("input[name=offers-0-text]").fill("Prêt d'outils")
    page.locator("input[name=offers-1-text]").fill("Salle de réunion")
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state()
    member = Member.objects.get(name="Atelier des lignes")
    assert sorted(member.offers.values_list("text", flat=True)) == [
        "Prêt d'outils",
        "Salle de réunion",
    ]

    MemberManager.objects.create(
        member=Member.objects.published().exclude(pk=receiver.pk).first(), user=user
    )
    page.goto(url("contacts:new", receiver_slug=receiver.slug))
    found["contact form"] = axe_blocking(page)
    blocking = {name: v for name, v in found.items() if v}
    assert not blocking, f"axe-core: {blocking}"
