"""Query counts of the editorial pages: fixed, whatever the number of items."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from hub.tests.factories import EventPageFactory, NewsPageFactory

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> int:
    """Queries of a second GET of `url` (the first fills per-process caches)."""
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def add_items(tree, n: int) -> None:
    for i in range(n):
        NewsPageFactory(
            parent=tree.news_index, image=tree.image, tags=[f"tag-{i}", "energy"]
        )
        EventPageFactory(parent=tree.event_index)


# About half of each page's queries are the language switcher's (a locale, site
# and translated page per language) and the site/page routing Wagtail does.
@pytest.mark.parametrize(
    ("page", "most"),
    [("home", 27), ("news_index", 28), ("news", 26), ("event_index", 26)],
)
def test_editorial_page_queries_do_not_grow_with_its_items(
    client, tree, page, most, django_assert_max_num_queries
):
    """Home, news index, a news article and the event index run as many queries
    with 9 news items and events (with images and tags) as with 1, and stay
    under a fixed bound."""
    url = getattr(tree, page).url
    add_items(tree, 1)
    few = queries_for(client, url)
    add_items(tree, 8)
    assert queries_for(client, url) == few
    with django_assert_max_num_queries(most):
        client.get(url)
