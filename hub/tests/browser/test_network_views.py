"""The network views in Chromium: the map of Brussels, the profile graph and
the editors' network health page, on the demo network, in every language."""

import re

import pytest

from hub.tests.browser import validator
from hub.tests.browser.conftest import context_new, log_in, page_new, url, user_create
from hub.tests.browser.test_accessibility import (  # noqa: F401 (a fixture)
    axe_blocking,
    axe_page,
    tab_to,
)
from hub.tests.browser.test_html_validity import (  # noqa: F401 (a fixture)
    html_fetch,
    nu_checker,
)
from members.models import Member
from search.graph import collaboration_graph, graph_reset

pytestmark = pytest.mark.browser


def _heading_count(page) -> int:
    text = page.locator("#results-heading").inner_text()
    return int(re.search(r"\d+", text.replace("\u202f", "")).group(0))


def _busiest_tile(page) -> tuple[str, int]:
    tiles = page.locator("a[data-commune]")
    counts = [
        (
            tiles.nth(i).get_attribute("data-commune"),
            int(tiles.nth(i).get_attribute("data-count")),
        )
        for i in range(tiles.count())
    ]
    assert len(counts) == 19
    return max(counts, key=lambda item: item[1])


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_commune_click_filters_results_and_url(page, network, lang):
    """A click on a commune narrows the search to it, in the address too; the
    map's count is the list's count."""
    page.goto(url("members_map", lang))
    commune, count = _busiest_tile(page)
    assert count > 0
    page.locator(f'a[data-commune="{commune}"]').click()
    page.wait_for_url(re.compile(rf"commune={commune}"))
    assert f"/{lang}/members/map/" in page.url
    assert _heading_count(page) == count
    assert page.locator(f'a[data-commune="{commune}"].is-selected').count() == 1
    # The list view of the same search agrees.
    page.locator("[data-map-list-link]").click()
    page.wait_for_url(re.compile(rf"/{lang}/members/\?.*commune={commune}"))
    assert _heading_count(page) == count
    assert page.locator(".result-list > li").count() == min(count, 20)
    # And its switch leads back to the map with the same filter.
    page.locator("[data-view-map]").click()
    page.wait_for_url(re.compile(rf"/{lang}/members/map/\?.*commune={commune}"))


def test_map_counts_agree_with_list_for_every_commune(page, network):
    page.goto(url("projects_map"))
    tiles = page.locator("a[data-commune]")
    counts = {
        tiles.nth(i).get_attribute("data-commune"): int(
            tiles.nth(i).get_attribute("data-count")
        )
        for i in range(tiles.count())
    }
    for commune, count in counts.items():
        if count:
            page.goto(url("projects:list") + f"?commune={commune}")
            assert _heading_count(page) == count, commune


def test_map_by_keyboard(page, network):
    """The tiles are links in the tab order, with a visible focus; Enter
    follows them."""
    page.goto(url("members_map"))
    commune, _count = _busiest_tile(page)
    tab_to(page, f'a[data-commune="{commune}"]', limit=120)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"commune={commune}"))


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_profile_graph_links_to_neighbours(page, network, lang):
    """The graph on a profile links to its experiments and partners; a click
    on a partner opens that partner's profile."""
    graph_reset()
    graph = collaboration_graph()
    busiest = max(graph.projects_of, key=lambda m: len(graph.neighbours(m)))
    member = Member.objects.get(pk=busiest)
    neighbours = Member.objects.filter(pk__in=list(graph.neighbours(busiest)))
    page.goto(url("members:detail", lang, slug=member.slug))
    nodes = page.locator("[data-member-graph] a[data-node=member]:not([aria-current])")
    hrefs = {nodes.nth(i).get_attribute("href") for i in range(nodes.count())}
    expected = {url("members:detail", lang, slug=m.slug) for m in neighbours}
    assert hrefs and hrefs <= expected
    assert page.locator("[data-member-graph] a[data-node=project]").count() >= 1
    target = sorted(hrefs)[0]
    page.locator(f'[data-member-graph] a[href="{target}"]').click()
    page.wait_for_url(re.compile(re.escape(target) + "$"))


def test_network_views_have_no_serious_axe_violations(axe_page, network, live_server):  # noqa: F811
    """axe-core: 0 serious and 0 critical on both maps, a profile with its
    graph and the editors' network page."""
    graph_reset()
    graph = collaboration_graph()
    busiest = max(graph.projects_of, key=lambda m: len(graph.neighbours(m)))
    slug = Member.objects.get(pk=busiest).slug
    pages = [
        url("members_map"),
        url("members_map", "fr") + "?commune=bruxelles",
        url("projects_map", "nl"),
        url("members:detail", slug=slug),
    ]
    problems = {}
    for path in pages:
        axe_page.goto(path)
        found = axe_blocking(axe_page)
        if found:
            problems[path] = found
    user_create("editor@example.org", is_staff=True, is_superuser=True)
    log_in(axe_page, "editor@example.org")
    axe_page.goto("/admin/network/")
    assert axe_page.locator("[data-network=matrix]").count() == 1
    found = axe_blocking(axe_page)
    if found:
        problems["/admin/network/"] = found
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_network_health_page_and_csv(browser, live_server, network):
    user_create("editor2@example.org", is_staff=True, is_superuser=True)
    context = context_new(browser, live_server)
    page = page_new(context)
    log_in(page, "editor2@example.org")
    page.goto("/admin/network/")
    assert page.locator("#matrix-heading").count() == 1
    with page.expect_download() as download:
        page.locator('a[href="/admin/network/matrix.csv"]').click()
    with open(download.value.path(), encoding="utf-8") as f:
        text = f.read()
    assert text.startswith("# computed ")
    context.close()


def test_network_pages_are_valid_html(nu_checker, network, live_server, tmp_path):  # noqa: F811
    """Both maps and a profile with its graph: the Nu HTML Checker reports no
    error."""
    graph_reset()
    graph = collaboration_graph()
    busiest = max(graph.projects_of, key=lambda m: len(graph.neighbours(m)))
    paths = {
        "members-map": url("members_map") + "?commune=bruxelles",
        "projects-map": url("projects_map", "fr"),
        "profile": url("members:detail", slug=Member.objects.get(pk=busiest).slug),
    }
    pages = {}
    for name, path in paths.items():
        saved = tmp_path / f"{name}.html"
        saved.write_bytes(html_fetch(live_server.url + path))
        pages[str(saved)] = path
    errors = validator.errors(validator.check(list(pages)))
    assert not errors, "\n".join(
        f"{pages.get(m.path, m.path)} line {m.line}: {m.message} "
        f"{' '.join(m.extract.split())}"
        for m in errors
    )
