"""Featured experiments on the home page: the editors' choice, then the newest."""

import pytest

from hub.models import HomePageFeaturedExperiment
from projects.models import ProjectStatus
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def feature(home, *projects):
    home.featured_experiments = [
        HomePageFeaturedExperiment(project=project) for project in projects
    ]
    home.save_revision().publish()
    home.refresh_from_db()


def test_editors_choice_comes_first_in_their_order_and_newest_fill_the_rest(tree):
    """Chosen experiments keep the editors' order; the newest published one not
    chosen fills the third place, even though newer experiments exist."""
    older = ProjectFactory(title="Repair cafés in Schaerbeek")
    oldest_chosen = ProjectFactory(title="Shared heat pumps")
    newest = ProjectFactory(title="Newest experiment")
    feature(tree.home, oldest_chosen, older)

    featured = tree.home.get_featured_projects()

    assert [p.title for p in featured] == [
        "Shared heat pumps",
        "Repair cafés in Schaerbeek",
        newest.title,
    ]


def test_unpublished_choices_are_skipped_and_their_place_filled(tree):
    """A chosen draft or archived experiment is never shown; newest fill in."""
    draft = ProjectFactory(title="Draft idea", status=ProjectStatus.DRAFT)
    archived = ProjectFactory(title="Archived one", status=ProjectStatus.ARCHIVED)
    published = ProjectFactory(title="Published one")
    feature(tree.home, draft, archived, published)

    titles = [p.title for p in tree.home.get_featured_projects()]

    assert titles == ["Published one"]


def test_at_most_three_are_shown_even_when_editors_choose_more(tree):
    """Six chosen experiments: the first three in the editors' order."""
    chosen = [ProjectFactory(title=f"Chosen {n}") for n in range(6)]
    feature(tree.home, *reversed(chosen))

    titles = [p.title for p in tree.home.get_featured_projects()]

    assert titles == ["Chosen 5", "Chosen 4", "Chosen 3"]


def test_home_page_renders_the_chosen_experiments_in_order(client, tree):
    """The home page lists the chosen experiment before a newer one."""
    chosen = ProjectFactory(title="Chosen by the editors")
    ProjectFactory(title="A newer experiment")
    feature(tree.home, chosen)

    html = client.get(tree.home.url).text

    assert html.index("Chosen by the editors") < html.index("A newer experiment")
