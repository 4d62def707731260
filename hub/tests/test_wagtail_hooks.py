"""Admin registration: taxonomies as snippets, site settings, form submissions."""

from hub.taxonomy import Sector


def test_editors_manage_sectors_as_snippets(admin_client, db):
    """Sectors are listed and searchable under Snippets in all three languages."""
    Sector.objects.create(
        slug="housing", name_en="Housing", name_fr="Logement", name_nl="Wonen"
    )
    response = admin_client.get("/admin/snippets/hub/sector/", {"q": "Logement"})
    assert response.status_code == 200
    assert "Housing" in response.text
    assert admin_client.get("/admin/snippets/hub/discipline/").status_code == 200


def test_site_settings_are_editable(admin_client, tree):
    """The site settings (navigation, footer, privacy page) open in the admin."""
    response = admin_client.get(f"/admin/settings/hub/sitesettings/{tree.site.pk}/")
    assert response.status_code == 200
    assert "Navigation" in response.text
    assert "privacy_page" in response.text


def test_form_submissions_are_listed_in_the_admin(admin_client, tree, client):
    """Stored submissions appear in Wagtail's form submissions list."""
    client.post(
        tree.form.url,
        {
            "name": "Jan Peeters",
            "e_mail": "jan@vzw.example.be",
            "message": "Hallo!",
            "consent": "on",
        },
    )
    response = admin_client.get(f"/admin/forms/submissions/{tree.form.pk}/")
    assert response.status_code == 200
    assert "jan@vzw.example.be" in response.text
