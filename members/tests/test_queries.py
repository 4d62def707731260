"""Query counts of the member pages: fixed, whatever the number of related rows."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest

from hub.taxonomy import Discipline, Sector
from members.models import Offer, Seek
from members.tests.factories import MemberFactory
from projects.models import ProjectStatus
from projects.tests.factories import ProjectFactory, ProjectPartnerFactory
from search.services import index_rebuild

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> int:
    """Queries of a second GET of `url` (the first fills per-process caches)."""
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def member_with(n: int):
    """A published member with n projects, offers, seeks, sectors, disciplines."""
    member = MemberFactory()
    for i in range(n):
        names = {"name_en": f"T {i}", "name_fr": f"T {i}", "name_nl": f"T {i}"}
        sector = Sector.objects.create(slug=f"s-{member.pk}-{i}", **names)
        discipline = Discipline.objects.create(slug=f"d-{member.pk}-{i}", **names)
        member.sectors.add(sector)
        member.disciplines.add(discipline)
        Offer.objects.create(member=member, text=f"Offer {i}")
        Seek.objects.create(member=member, text=f"Seek {i}")
        project = ProjectFactory(status=ProjectStatus.PUBLISHED)
        ProjectPartnerFactory(project=project, member=member, confirmed=True)
        ProjectPartnerFactory(project=project, confirmed=True)
    return member


def test_profile_page_queries_do_not_grow_with_its_projects(
    client, django_assert_max_num_queries
):
    """A profile with 8 projects, offers, seeks and sectors runs as many queries
    as one with 1 (no N+1), and at most 12."""
    small, large = member_with(1), member_with(8)
    assert queries_for(client, large.get_absolute_url()) == queries_for(
        client, small.get_absolute_url()
    )
    with django_assert_max_num_queries(12):
        client.get(large.get_absolute_url())


@pytest.mark.elasticsearch
def test_member_search_page_queries_do_not_grow_with_its_results(
    client, search_index, django_assert_max_num_queries
):
    """The member list and a faceted member search render from the index: the
    query count is the same for 2 and for 12 members, and at most 5."""
    url = reverse("members:list")
    search = f"{url}?q=coop%C3%A9rative&kind=entrepreneur"
    for _ in range(2):
        member_with(1)
    index_rebuild(document="member")
    few = queries_for(client, url), queries_for(client, search)
    for _ in range(10):
        member_with(1)
    index_rebuild(document="member")
    assert (queries_for(client, url), queries_for(client, search)) == few
    with django_assert_max_num_queries(5):
        response = client.get(search)
    assert response.status_code == 200
    assert response.content.count(b"Coop\xc3\xa9rative test") >= 12
