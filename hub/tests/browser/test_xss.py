"""In a real browser, a script payload stored in every user text field never
runs: no dialog opens and the payload's global flag is never set, on the
pages that show those fields (and the `page` fixture fails on any CSP
violation or script error)."""

from hub.tests.browser.conftest import log_in, url, user_create, wait_htmx
from hub.tests.worlds import xss_world_build
from search.services import index_refresh


def test_xss_payload_never_executes(page, demo_site):
    user = user_create("xss-owner@example.org")
    member, project = xss_world_build(user=user)
    index_refresh()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    def visit(path):
        response = page.goto(path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        assert page.evaluate("() => window.__xss") is None, path
        assert not dialogs, f"a dialog opened on {path}: {dialogs}"

    visit(url("members:detail", slug=member.slug))
    assert page.get_by_text("Description <script>", exact=False).count() >= 1
    visit(url("projects:detail", slug=project.slug))
    visit(url("members:list") + "?q=Xss")
    visit(url("projects:list") + "?q=Xss")
    visit(url("search") + "?q=Xss")

    # Live search: htmx swaps the results in; the payload stays inert.
    visit(url("members:list"))
    page.locator("input[name=q]").first.fill("Xss Coop")
    page.locator("input[name=q]").first.press("Enter")
    page.wait_for_load_state("networkidle")
    wait_htmx(page)
    assert page.evaluate("() => window.__xss") is None
    assert not dialogs

    log_in(page, "xss-owner@example.org")
    visit(url("dashboard:home"))
    visit(url("members:edit", slug=member.slug))
    visit(url("projects:edit", slug=project.slug))
