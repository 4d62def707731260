"""Experiment pages."""

import pytest

from projects.tests.factories import ProjectPartnerFactory
from search.services import index_refresh

pytestmark = pytest.mark.django_db(transaction=True)


def test_project_search_finds_by_partner_name(client, search_index):
    """/projects/?q= matches the names of an experiment's partners."""
    partnership = ProjectPartnerFactory(member__name="Brusselse Voedselraad")
    index_refresh()
    response = client.get("/en/projects/", {"q": "Voedselraad"})
    assert response.status_code == 200
    assert partnership.project.title in response.text


def test_project_page_lists_partners(client):
    """The public page of an experiment names its partners and their roles."""
    partnership = ProjectPartnerFactory(member__name="Maison de quartier Bockstael")
    response = client.get(partnership.project.get_absolute_url())
    assert response.status_code == 200
    assert "Maison de quartier Bockstael" in response.text
    assert "Partner" in response.text
