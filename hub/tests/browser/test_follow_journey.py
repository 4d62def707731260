"""Issue 19 in a real browser, follows and calls: "Follow" on a profile and
on an experiment swaps in place (htmx), the dashboard lists both, a new need
of the experiment lights the bell; the call index and a call page name the
fitting members; axe finds nothing serious on the new pages and the
preferences table."""

from wagtail.models import Site

from hub.tests.browser.conftest import log_in, url, user_create, wait_htmx
from hub.tests.browser.test_accessibility import axe_blocking, axe_page  # noqa: F401
from hub.tests.factories import CallIndexPageFactory, CallPageFactory
from members.follows import follow_updates_send
from members.models import Follow, Member
from projects.models import Project, ProjectNeed
from search.services import index_refresh


def test_follow_buttons_dashboard_bell_and_call_pages(
    browser,
    live_server,
    network,
    axe_page,  # noqa: F811
):
    user = user_create("yann@people.example.org")
    member = Member.objects.published().order_by("pk").first()
    project = Project.objects.published().order_by("pk").first()
    page = axe_page
    log_in(page, "yann@people.example.org")

    page.goto(member.get_absolute_url())
    page.get_by_role("button", name="Follow").click()
    wait_htmx(page)
    assert page.get_by_role("button", name="Stop following").is_visible()
    assert Follow.objects.filter(user=user, member=member).exists()
    assert axe_blocking(page) == []

    page.goto(project.get_absolute_url())
    page.get_by_role("button", name="Follow").click()
    wait_htmx(page)
    assert page.get_by_role("button", name="Stop following").is_visible()
    assert Follow.objects.filter(user=user, project=project).exists()

    page.goto(url("dashboard:home"))
    following = page.locator("section.dashboard-follows")
    assert member.name in following.inner_text()
    assert project.title in following.inner_text()
    assert axe_blocking(page) == []
    page.goto(url("alerts:follows"))
    assert axe_blocking(page) == []
    page.goto(url("alerts:list"))
    assert page.locator("table.preferences-table input[name=site]").count() == 4
    assert axe_blocking(page) == []

    ProjectNeed.objects.create(project=project, text="a volunteer translator")
    assert follow_updates_send() == 1
    page.goto(url("alerts:notifications"))
    assert project.title in page.content()
    assert axe_blocking(page) == []

    home = Site.objects.get(is_default_site=True).root_page
    index = CallIndexPageFactory(parent=home)
    call = CallPageFactory(
        parent=index,
        title="Neighbourhood fund",
        intro=member.description[:200] or member.name,
        keywords=", ".join(project.keywords[:2]) or project.title,
    )
    index_refresh()
    page.goto(index.url)
    assert "Neighbourhood fund" in page.content()
    assert axe_blocking(page) == []
    page.goto(call.url)
    assert page.locator("#fitting-members").is_visible()
    fits = page.locator("section[aria-labelledby=fitting-members] li")
    assert fits.count() >= 1
    assert member.name in fits.all_inner_texts()[0] or fits.count() > 1
    assert axe_blocking(page) == []
