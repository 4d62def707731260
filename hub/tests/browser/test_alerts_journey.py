"""Issue 19 in a real browser: save a search with "Alert me", an editor
publishes a matching member, the bell counts the alert, the e-mail is in the
outbox and its unsubscribe link works in a browser that never logged in; axe
finds nothing serious on the new pages."""

from django.core import mail

from hub.tests.browser.conftest import context_new, log_in, page_new, url, user_create
from hub.tests.browser.test_accessibility import axe_blocking, axe_page  # noqa: F401
from members.models import MemberStatus, MessagePreference
from members.notifications import saved_searches_alert
from members.tests.factories import MemberFactory
from search.services import index_refresh


def test_alert_me_bell_mail_and_unsubscribe(
    browser,
    live_server,
    network,
    axe_page,  # noqa: F811
):
    user_create("zoe@people.example.org")
    page = axe_page
    log_in(page, "zoe@people.example.org")
    page.goto(url("members:list") + "?q=brasserie")
    page.get_by_role("button", name="Alert me").click()
    page.wait_for_load_state()
    assert "/alerts/" in page.url
    assert page.locator("input[name=name]").input_value() == "Members: brasserie"
    assert axe_blocking(page) == []

    member = MemberFactory(
        name="Brasserie du Canal",
        description="brasserie coopérative",
        status=MemberStatus.PENDING,
    )
    member.status = MemberStatus.PUBLISHED  # the editor's approval
    member.save()
    index_refresh()
    assert saved_searches_alert(frequency="daily") == 1

    page.goto(url("members:list"))
    bell = page.locator("#notification-bell")
    assert "1" in bell.inner_text()
    bell.click()
    page.wait_for_load_state()
    assert "brasserie" in page.content().lower()
    assert axe_blocking(page) == []

    (message,) = mail.outbox
    assert "Brasserie du Canal" in message.body
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    stranger = context_new(browser, live_server, bypass_csp=True)
    try:
        other = page_new(stranger)
        other.goto(path)
        assert axe_blocking(other) == []
        other.get_by_role("button", name="Unsubscribe").click()
        other.wait_for_load_state()
        assert "no longer receive" in other.content()
        assert not other.errors
    finally:
        stranger.close()
    assert MessagePreference.objects.get(kind="alert").email is False
