"""The home page's live lists and the page summaries."""

import datetime

from django.utils import timezone

from hub.tests.factories import EventPageFactory, NewsPageFactory
from projects.models import ProjectStatus
from projects.tests.factories import ProjectFactory


def test_home_page_shows_the_latest_three_news(client, tree):
    """The home page lists the three newest news items, newest first."""
    for day in range(1, 4):
        NewsPageFactory(
            parent=tree.news_index,
            title=f"Earlier {day}",
            date=tree.news.date - datetime.timedelta(days=day),
        )
    response = client.get(tree.home.url)
    assert [news.title for news in response.context["latest_news"]] == [
        tree.news.title,
        "Earlier 1",
        "Earlier 2",
    ]
    assert "Earlier 3" not in response.text
    assert 'href="/en/news/"' in response.text


def test_home_page_shows_upcoming_events(client, tree):
    """Upcoming events appear on the home page; past ones do not."""
    start = timezone.now() - datetime.timedelta(days=3)
    EventPageFactory(
        parent=tree.event_index,
        title="Last week's workshop",
        start=start,
        end=start + datetime.timedelta(hours=1),
    )
    response = client.get(tree.home.url)
    assert list(response.context["upcoming_events"]) == [tree.event]
    assert "Last week's workshop" not in response.text


def test_home_page_features_the_latest_published_experiments(client, tree):
    """Featured experiments: the three newest published projects, live.

    Saving a project only queues its search update (the outbox drains after
    commit, which a non-transactional test never reaches), so no
    Elasticsearch node is needed.
    """
    now = timezone.now()
    projects = [
        ProjectFactory(
            title=f"Experiment {n}", created_at=now - datetime.timedelta(days=n)
        )
        for n in range(4)
    ]
    ProjectFactory(title="Draft experiment", status=ProjectStatus.DRAFT)

    response = client.get(tree.home.url)
    featured = list(response.context["featured_projects"])
    assert featured == projects[:3]
    html = response.text
    assert f'<a href="{projects[0].get_absolute_url()}">Experiment 0</a>' in html
    assert "Experiment 3" not in html
    assert "Draft experiment" not in html


def test_home_page_without_experiments_says_so(client, tree):
    """With no published experiment, the home page says so."""
    response = client.get(tree.home.url)
    assert "No experiment is published yet." in response.text


def test_summary_prefers_search_description(tree):
    """Listings and meta tags use the search description, else the intro."""
    assert tree.standard.get_summary() == "Who we are and how the hub works."
    assert tree.news.get_summary() == tree.news.intro
    assert tree.form.get_summary() == "Write to the editorial team."
    assert tree.home.get_summary() == tree.home.hero_text
