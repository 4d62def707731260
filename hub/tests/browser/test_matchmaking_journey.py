"""Matchmaking at an event, end to end in Chromium (issue 21): an editor
opens registration in the Wagtail admin; two members register with what the
form pre-fills from their profiles; one finds the other among the suggested
meetings with the engine's reason and asks for a meeting; the other accepts;
both agendas show the same slot and table, and so does the iCal file. axe-core
checks the new pages; with HUB_SCREENSHOTS=1 the participant's agenda and the
editors' grid are saved under docs/screenshots/."""

import datetime
import os
import re

from django.utils import timezone

import icalendar
import pytest

from events.models import MatchmakingEvent, Meeting, MeetingStatus, Participant, Table
from events.tests.factories import editors_group
from hub.tests.browser.conftest import (
    PASSWORD,
    ROOT,
    context_new,
    page_new,
    url,
    user_create,
)
from hub.tests.browser.test_accessibility import axe_blocking, axe_page  # noqa: F401
from hub.tests.factories import (
    EventIndexPageFactory,
    EventPageFactory,
    HomePageFactory,
    site_root_ensure,
)
from members.models import MemberManager, Offer, Seek
from members.tests.factories import MemberFactory
from search.graph import graph_reset
from search.services import index_refresh

pytestmark = pytest.mark.browser

SHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture
def event_site(transactional_db, search_index, settings):
    from wagtail.models import Site

    settings.HUB_EMBEDDINGS = False
    graph_reset()
    root = site_root_ensure()
    for child in root.get_children():
        child.delete()
    home = HomePageFactory(parent=root)
    Site.objects.create(
        hostname="localhost", port=80, root_page=home, is_default_site=True
    )
    index = EventIndexPageFactory(parent=home, title="Events", slug="events")
    start = (timezone.now() + datetime.timedelta(days=10)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    page = EventPageFactory(
        parent=index,
        title="Housing partnering day",
        slug="housing-partnering-day",
        start=start,
        end=start + datetime.timedelta(hours=6),
    )
    # Set up, registration not open yet: the editor opens it.
    event = MatchmakingEvent.objects.create(
        page=page,
        registration_opens=timezone.now() + datetime.timedelta(days=3),
        registration_closes=start,
        capacity=40,
        meetings_start=start + datetime.timedelta(hours=1),
        meetings_end=start + datetime.timedelta(hours=3),
        slot_minutes=20,
        breaks=f"{timezone.localtime(start).hour + 2:02d}:00-"
        f"{timezone.localtime(start).hour + 2:02d}:20",
    )
    for n in (1, 2, 3):
        Table.objects.create(event=event, label=f"Table {n}", sort_order=n)
    editor = user_create("editor@hub.example.org", is_staff=True)
    editor.groups.add(editors_group())
    people = {}
    for key, name, offer, seek in (
        ("seeker", "Paniers Bio", "livraison à vélo", "évaluation d'impact social"),
        ("evaluator", "Impact Lab", "évaluation d'impact social", "terrain d'essai"),
    ):
        user = user_create(f"{key}@hub.example.org")
        member = MemberFactory(name=name, description="")
        Offer.objects.create(member=member, text=offer)
        Seek.objects.create(member=member, text=seek)
        MemberManager.objects.create(member=member, user=user)
        people[key] = (user, member)
    index_refresh()
    yield {"event": event, "page": page, "editor": editor, **people}
    graph_reset()


def _log_in(page, email):
    page.goto(url("account_login"))
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]"
    ).click()
    page.wait_for_load_state()
    assert "/accounts/login" not in page.url


def _register(page, event_page, expected_offer):
    page.goto(event_page.url)
    page.get_by_role("link", name="Register for the meetings").first.click()
    page.wait_for_url(re.compile(r"/meet/\d+/register/"))
    assert expected_offer in page.locator("#id_offer").input_value()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/meet/\d+/suggestions/"))


def _agenda_row(page, event):
    page.goto(url("events:agenda", pk=event.pk))
    row = page.locator("tr.agenda__meeting")
    assert row.count() == 1, page.locator("main").inner_text()[:2000]
    return (
        row.locator("time").first.get_attribute("datetime"),
        row.locator(".agenda__table").inner_text().strip(),
    )


def _shot(page, name):
    if os.environ.get("HUB_SCREENSHOTS") == "1":
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_two_members_meet_through_the_matchmaking(
    event_site,
    browser,
    live_server,
    axe_page,  # noqa: F811
):
    event, event_page = event_site["event"], event_site["page"]
    found = {}

    # The editor opens registration in the Wagtail admin.
    admin = page_new(context_new(browser, live_server))
    admin.goto("/admin/login/")
    admin.locator("input[name=username]").fill("editor@hub.example.org")
    admin.locator("input[name=password]").fill(PASSWORD)
    admin.locator("button[type=submit]").click()
    admin.wait_for_url(re.compile(r"/admin/$"))
    admin.goto(f"/admin/snippets/events/matchmakingevent/edit/{event.pk}/")
    opens = timezone.localtime(timezone.now() - datetime.timedelta(hours=1))
    admin.locator("#id_registration_opens").fill(opens.strftime("%Y-%m-%d %H:%M"))
    admin.wait_for_load_state("networkidle")
    admin.locator("footer button[type=submit]").first.click()
    admin.wait_for_url(re.compile(r"/admin/snippets/events/matchmakingevent/$"))
    event.refresh_from_db()
    assert event.registration_is_open
    assert event.slots.count() == 5  # 9 slots of 20 minutes, less the break

    # Both members register from the event page; the form is pre-filled.
    seeker_user, seeker = event_site["seeker"]
    evaluator_user, evaluator = event_site["evaluator"]
    other = context_new(browser, live_server)
    try:
        them = page_new(other)
        _log_in(them, evaluator_user.email)
        _register(them, event_page, "évaluation d'impact social")
        me = axe_page
        _log_in(me, seeker_user.email)
        _register(me, event_page, "livraison à vélo")
        assert Participant.objects.filter(event=event).count() == 2

        # The seeker finds the evaluator among the suggestions, with a reason.
        me.goto(url("events:suggestions", pk=event.pk))
        found["suggestions"] = axe_blocking(me)
        card = me.locator("li.suggestion").filter(has_text="Impact Lab")
        assert card.count() == 1, me.locator("main").inner_text()[:2000]
        reasons = card.locator("ul.reasons li").all_inner_texts()
        assert any("évaluation d'impact social" in r for r in reasons), reasons
        card.locator("summary").click()
        card.locator("textarea").fill("Could you evaluate our deliveries?")
        card.get_by_role("button", name="Request a meeting").click()
        me.wait_for_url(re.compile(r"/meet/\d+/agenda/"))

        # The evaluator accepts from the agenda.
        them.goto(url("events:agenda", pk=event.pk))
        assert "Could you evaluate our deliveries?" in them.content()
        them.get_by_role("button", name="Accept the meeting with Paniers Bio").click()
        them.wait_for_load_state()
        meeting = Meeting.objects.get()
        assert meeting.status == MeetingStatus.ACCEPTED

        # Same slot and table on both agendas, and in the iCal file.
        mine, theirs = _agenda_row(me, event), _agenda_row(them, event)
        assert mine == theirs
        assert mine[1] == meeting.table.label
        assert datetime.datetime.fromisoformat(mine[0]) == meeting.slot.start
        found["agenda"] = axe_blocking(me)
        _shot(me, "matchmaking-agenda-en-desktop")
        ical = me.request.get(url("events:agenda_ical", pk=event.pk))
        assert ical.ok
        (item,) = icalendar.Calendar.from_ical(ical.body()).walk("VEVENT")
        assert item.decoded("dtstart") == meeting.slot.start
        assert meeting.table.label in str(item["location"])
        assert "Impact Lab" in str(item["summary"])

        me.goto(url("events:participants", pk=event.pk))
        found["participants"] = axe_blocking(me)
        me.goto(url("events:register", pk=event.pk))
        found["registration"] = axe_blocking(me)
    finally:
        other.close()

    # The editors' grid shows the meeting at its slot and table.
    admin.goto(f"/admin/matchmaking/{event.pk}/")
    grid = admin.locator("table[data-grid]")
    assert "Paniers Bio – Impact Lab" in grid.inner_text()
    assert admin.locator("dd[data-figure=accepted]").inner_text() == "1"
    _shot(admin, "matchmaking-grid-en-desktop")
    admin.context.close()

    blocking = {name: v for name, v in found.items() if v}
    assert not blocking, f"axe-core: {blocking}"
