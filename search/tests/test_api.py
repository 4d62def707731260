"""The public JSON API under /api/v1/."""

import json

import pytest

from members.tests.factories import MemberFactory
from projects.tests.factories import ProjectPartnerFactory
from search.services import index_refresh

pytestmark = pytest.mark.django_db(transaction=True)

SECRETS = ("api-secret@example.org", "+32 2 555 77 77")


def _member():
    return MemberFactory(
        name="Maison Verte",
        description="potagers partagés",
        email=SECRETS[0],
        phone=SECRETS[1],
        skills=["compost"],
        visibility={"skills": "members"},
    )


def test_search_with_facets_and_no_private_data(client, search_index, settings):
    """GET /api/v1/members returns hits and facets, never e-mail or phone."""
    settings.HUB_EMBEDDINGS = False
    member = _member()
    index_refresh()
    response = client.get("/api/v1/members", {"q": "potagers", "kind": "entrepreneur"})
    assert response.status_code == 200
    data = response.json()
    assert data["total"] == 1 and data["results"][0]["slug"] == member.slug
    assert {f["name"] for f in data["facets"]} >= {"kind", "sector", "commune"}
    raw = json.dumps(data)
    assert all(secret not in raw for secret in SECRETS)
    assert "compost" not in raw  # a members-only section


def test_member_and_project_detail_are_public_records(client, settings):
    """Detail endpoints give the public view; unknown slugs are 404."""
    member = _member()
    partnership = ProjectPartnerFactory(member=member)
    data = client.get(f"/api/v1/members/{member.slug}").json()
    assert data["name"] == "Maison Verte"
    raw = json.dumps(data)
    assert all(secret not in raw for secret in SECRETS) and "compost" not in raw
    project = client.get(f"/api/v1/projects/{partnership.project.slug}").json()
    assert project["partners"][0]["role"] == "partner"
    assert client.get("/api/v1/members/nobody").status_code == 404


def test_search_outage_is_a_503_with_a_json_error(client, settings):
    """With Elasticsearch unreachable the API answers 503, not 500."""
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    response = client.get("/api/v1/projects", {"q": "energie"})
    assert response.status_code == 503
    assert "unavailable" in response.json()["detail"]


def test_openapi_schema_lists_the_endpoints(client):
    """The OpenAPI document describes every endpoint."""
    schema = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/members",
        "/api/v1/projects",
        "/api/v1/members/{slug}",
        "/api/v1/projects/{slug}",
    ):
        assert path in schema["paths"]
