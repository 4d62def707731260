"""Query counts of the experiment pages: fixed, whatever the number of partners."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest

from projects.models import ProjectNeed, ProjectStatus
from projects.tests.factories import ProjectFactory, ProjectPartnerFactory
from search.services import index_rebuild

pytestmark = [pytest.mark.django_db, pytest.mark.elasticsearch]


def queries_for(client, url: str) -> int:
    """Queries of a second GET of `url` (the first fills per-process caches)."""
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def project_with(n: int):
    """A published experiment with n confirmed partners and n open needs."""
    project = ProjectFactory(status=ProjectStatus.PUBLISHED)
    for i in range(n):
        ProjectPartnerFactory(project=project, confirmed=True)
        ProjectNeed.objects.create(project=project, text=f"Need {i}")
    return project


def test_project_page_queries_do_not_grow_with_its_partners(
    client, search_index, django_assert_max_num_queries
):
    """An experiment page with 8 partners and needs (and its similar
    experiments from the index) runs as many queries as one with 1, at most 15."""
    small, large = project_with(1), project_with(8)
    for _ in range(4):
        project_with(2)
    index_rebuild(document="project")
    index_rebuild(document="member")
    assert queries_for(client, large.get_absolute_url()) == queries_for(
        client, small.get_absolute_url()
    )
    with django_assert_max_num_queries(15):
        client.get(large.get_absolute_url())


def test_project_list_queries_do_not_grow_with_its_results(
    client, search_index, django_assert_max_num_queries
):
    """The experiment list and a search render from the index: the same query
    count for 2 and for 12 experiments, and at most 5."""
    url = reverse("projects:list")
    search = f"{url}?q=heat+pumps"
    for _ in range(2):
        project_with(2)
    index_rebuild(document="project")
    few = queries_for(client, url), queries_for(client, search)
    for _ in range(10):
        project_with(2)
    index_rebuild(document="project")
    assert (queries_for(client, url), queries_for(client, search)) == few
    with django_assert_max_num_queries(5):
        response = client.get(search)
    assert response.content.count(b"Experiment ") >= 12
