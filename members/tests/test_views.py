"""Member pages: search from Elasticsearch, profiles from the database."""

import pytest

from members.models import MemberStatus
from members.tests.factories import MemberFactory
from search.services import index_refresh

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_search_lists_results_from_the_index(client, search_index):
    """/members/?q= shows matching members and not the others."""
    housing = MemberFactory(
        name="Habitat Solidaire", description="logement communautaire"
    )
    MemberFactory(name="Fietsatelier Noord", description="fietsherstelling")
    index_refresh()
    response = client.get("/en/members/", {"q": "logement"})
    assert response.status_code == 200
    assert housing.name in response.text
    assert "Fietsatelier Noord" not in response.text


def test_member_search_says_when_search_is_down(client, settings):
    """With Elasticsearch unreachable the page still renders, with a notice."""
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    response = client.get("/en/members/", {"q": "logement"})
    assert response.status_code == 200
    assert "temporarily unavailable" in response.text


@pytest.mark.django_db
def test_profile_shows_published_member_only(client):
    """A suspended member's profile is not found."""
    member = MemberFactory(name="Atelier Couture Marolles")
    assert client.get(member.get_absolute_url()).status_code == 200
    member.status = MemberStatus.SUSPENDED
    member.save()
    assert client.get(member.get_absolute_url()).status_code == 404
