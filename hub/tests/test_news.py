"""News: listing order, pagination, tag filter and the news page."""

import datetime

import pytest

from hub.tests.factories import NewsPageFactory


@pytest.fixture
def many_news(tree):
    """Twelve more news items, one a day before the tree's news of today."""
    today = tree.news.date
    return [
        NewsPageFactory(
            parent=tree.news_index,
            title=f"Older news {day}",
            slug=f"older-news-{day}",
            date=today - datetime.timedelta(days=day),
            tags=["housing"] if day % 2 else [],
        )
        for day in range(1, 13)
    ]


def listed_titles(response):
    return [page.title for page in response.context["news_pages"]]


def test_news_listing_is_newest_first_ten_a_page(client, tree, many_news):
    """Page 1 lists the ten newest items, page 2 the remaining three."""
    response = client.get(tree.news_index.url)
    assert response.status_code == 200
    assert listed_titles(response) == [tree.news.title] + [
        f"Older news {day}" for day in range(1, 10)
    ]
    assert 'aria-label="Pagination"' in response.text
    assert "Page 1 of 2" in response.text

    response = client.get(tree.news_index.url, {"page": 2})
    assert listed_titles(response) == [f"Older news {day}" for day in (10, 11, 12)]


@pytest.mark.parametrize(("page", "expected"), [("abc", 1), ("0", 2), ("99", 2)])
def test_invalid_page_number_is_handled(client, tree, many_news, page, expected):
    """A bad ?page= shows the first page; one past the end shows the last."""
    response = client.get(tree.news_index.url, {"page": page})
    assert response.status_code == 200
    assert response.context["news_pages"].number == expected


def test_tag_filter(client, tree, many_news):
    """?tag= lists only the news with that tag, by slug or by name."""
    response = client.get(tree.news_index.url, {"tag": "housing"})
    titles = listed_titles(response)
    assert titles == [f"Older news {day}" for day in (1, 3, 5, 7, 9, 11)]
    assert response.context["current_tag"].name == "housing"
    assert "6 news items tagged “housing”" in response.text

    response = client.get(tree.news_index.url, {"tag": "energy"})
    assert listed_titles(response) == [tree.news.title]


def test_unknown_tag_lists_nothing(client, tree):
    """A tag nobody uses gives an empty list and a way back to all news."""
    response = client.get(tree.news_index.url, {"tag": "nothing-here"})
    assert response.status_code == 200
    assert listed_titles(response) == []
    assert "See all news" in response.text


def test_pagination_links_keep_the_tag(client, tree):
    """Page links keep the other query parameters, such as the tag."""
    for day in range(1, 12):
        NewsPageFactory(
            parent=tree.news_index,
            slug=f"energy-{day}",
            date=tree.news.date - datetime.timedelta(days=day),
            tags=["energy"],
        )
    response = client.get(tree.news_index.url, {"tag": "energy"})
    assert response.context["news_pages"].paginator.count == 12
    assert 'href="?tag=energy&amp;page=2"' in response.text


def test_draft_news_is_not_listed(client, tree):
    """Unpublished news stays out of the listing."""
    draft = NewsPageFactory(parent=tree.news_index, title="Secret draft", live=False)
    response = client.get(tree.news_index.url)
    assert draft.title not in listed_titles(response)


def test_news_page_links_its_tags_to_the_filtered_listing(client, tree):
    """A news page shows its date and its tags, each linking to the listing."""
    response = client.get(tree.news.url)
    assert response.status_code == 200
    assert f'<time datetime="{tree.news.date:%Y-%m-%d}">' in response.text
    assert 'href="/en/news/?tag=energy"' in response.text
    assert 'href="/en/news/?tag=call"' in response.text
