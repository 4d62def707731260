"""The site search page at /search/ (Wagtail's database search backend)."""

from hub.tests.factories import StandardPageFactory


def test_search_finds_a_page_by_a_word_in_its_body(client, tree):
    """A word that only appears in a StreamField body finds the page."""
    response = client.get("/en/search/", {"q": "zanzibarian"})
    assert response.status_code == 200
    results = list(response.context["page_results"])
    assert [page.pk for page in results] == [tree.standard.pk]
    html = response.text
    assert f'<a href="{tree.standard.url}">About the network</a>' in html
    # The snippet is the page's search description.
    assert "Who we are and how the hub works." in html


def test_search_shows_the_intro_when_there_is_no_description(client, tree):
    """Without a search description, the result shows the page's intro."""
    response = client.get("/en/search/", {"q": "Matchmaking"})
    assert tree.event.pk in [page.pk for page in response.context["page_results"]]
    assert "Short pitches and one-to-one meetings" in response.text


def test_search_finds_news_by_title(client, tree):
    """News pages are found by words of their title."""
    response = client.get("/en/search/", {"q": "poverty"})
    assert tree.news.pk in [page.pk for page in response.context["page_results"]]


def test_search_ignores_unpublished_pages(client, tree):
    """Draft pages never appear in the results."""
    StandardPageFactory(
        parent=tree.home,
        title="Hidden draft",
        intro="A quokkalicious secret.",
        live=False,
    )
    response = client.get("/en/search/", {"q": "quokkalicious"})
    assert list(response.context["page_results"]) == []
    assert "No page matches this search" in response.text


def test_empty_query_shows_only_the_form(client, tree):
    """Without a query there are no results, just the search form."""
    response = client.get("/en/search/")
    assert response.status_code == 200
    assert response.context["page_results"] is None
    assert 'id="search-q"' in response.text


def test_search_results_are_paginated(client, tree):
    """Results come ten a page, and page links keep the query."""
    for n in range(12):
        StandardPageFactory(
            parent=tree.home, title=f"Wombat page {n}", intro="About wombats."
        )
    response = client.get("/en/search/", {"q": "wombats"})
    page_results = response.context["page_results"]
    assert page_results.paginator.count == 12
    assert len(page_results) == 10
    assert 'href="?q=wombats&amp;page=2"' in response.text

    response = client.get("/en/search/", {"q": "wombats", "page": "2"})
    assert len(response.context["page_results"]) == 2

    response = client.get("/en/search/", {"q": "wombats", "page": "nope"})
    assert response.context["page_results"].number == 1
