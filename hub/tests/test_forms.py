"""The contact form page: required fields, consent, honeypot, storage, e-mail."""

from django.core import mail

from wagtail.contrib.forms.models import FormSubmission
from wagtail.test.utils.form_data import querydict_from_html

import pytest

from hub.models.forms import CONSENT_FIELD, HONEYPOT_FIELD


def valid_data(**overrides):
    data = {
        "name": "Amina El Idrissi",
        "e_mail": "amina@coop.example.be",
        "organisation": "Coopérative Potager Commun",
        "message": "We look for a research partner.",
        CONSENT_FIELD: "on",
        HONEYPOT_FIELD: "",
    }
    data.update(overrides)
    return data


def test_form_marks_required_fields(client, tree):
    """Required fields carry a visible "(required)" marker and `required`."""
    response = client.get(tree.form.url)
    html = response.text
    assert response.status_code == 200
    assert 'name="name" maxlength="255" required id="id_name"' in html
    assert 'name="organisation" maxlength="255" id="id_organisation"' in html
    assert html.count('<span class="required-marker">(required)</span>') == 5
    label_start = html.index('<label for="id_name">')
    assert "(required)" in html[label_start : html.index("</label>", label_start)]


def test_consent_box_links_to_privacy_policy(client, tree):
    """The consent checkbox is required and links to the privacy page."""
    response = client.get(tree.form.url)
    html = response.text
    assert f'name="{CONSENT_FIELD}" required' in html
    assert f'href="{tree.privacy.url}">privacy policy</a>' in html


def test_honeypot_is_hidden_from_people(client, tree):
    """The honeypot is out of sight, the accessibility tree and the tab order."""
    html = client.get(tree.form.url).text
    start = html.index('<div class="hp-field" aria-hidden="true">')
    honeypot = html[start : html.index("</div>", start)]
    assert f'name="{HONEYPOT_FIELD}"' in honeypot
    assert 'tabindex="-1"' in honeypot
    assert 'autocomplete="off"' in honeypot


def test_submission_is_stored_and_emailed(client, tree):
    """A valid submission is stored and e-mailed to the page's to_address."""
    response = client.post(tree.form.url, valid_data())
    assert response.status_code == 200
    assert "hub/form_page_landing.html" in [t.name for t in response.templates]
    assert "your message has reached the editorial team" in response.text

    submission = FormSubmission.objects.get(page=tree.form)
    assert submission.form_data == {
        "name": "Amina El Idrissi",
        "e_mail": "amina@coop.example.be",
        "organisation": "Coopérative Potager Commun",
        "message": "We look for a research partner.",
    }

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["editors@hub.example.org"]
    assert message.from_email == "hub@hub.example.org"
    assert message.subject == "Contact form"
    assert message.reply_to == ["amina@coop.example.be"]
    assert "Message: We look for a research partner." in message.body
    assert CONSENT_FIELD not in message.body.lower()


def test_honeypot_blocks_submission_silently(client, tree):
    """A filled honeypot shows the thank-you page but stores and sends nothing."""
    response = client.post(
        tree.form.url, valid_data(**{HONEYPOT_FIELD: "https://spam.example"})
    )
    assert response.status_code == 200
    assert "hub/form_page_landing.html" in [t.name for t in response.templates]
    assert not FormSubmission.objects.exists()
    assert mail.outbox == []


def test_consent_is_required(client, tree):
    """Without consent the form comes back with an error; nothing is kept."""
    data = valid_data()
    del data[CONSENT_FIELD]
    response = client.post(tree.form.url, data)
    assert response.status_code == 200
    assert "hub/form_page.html" in [t.name for t in response.templates]
    assert "Please accept the privacy policy" in response.text
    assert 'aria-invalid="true"' in response.text
    assert not FormSubmission.objects.exists()
    assert mail.outbox == []


def test_missing_required_field_is_reported(client, tree):
    """An empty required field is listed in the error summary and not stored."""
    response = client.post(tree.form.url, valid_data(message=""))
    assert 'class="error-summary"' in response.text
    assert 'href="#id_message"' in response.text
    assert not FormSubmission.objects.exists()


def test_no_email_without_to_address(client, tree):
    """Without a to_address the submission is only stored."""
    tree.form.to_address = ""
    tree.form.save()
    client.post(tree.form.url, valid_data())
    assert FormSubmission.objects.filter(page=tree.form).count() == 1
    assert mail.outbox == []


@pytest.mark.parametrize("label", ["Website", "Consent"])
def test_form_fields_cannot_take_reserved_names(admin_client, tree, label):
    """Editors cannot add a field that would collide with honeypot or consent."""
    edit_url = f"/admin/pages/{tree.form.pk}/edit/"
    data = querydict_from_html(
        admin_client.get(edit_url).content.decode(), form_id="page-edit-form"
    )
    index = int(data["form_fields-TOTAL_FORMS"])
    data["form_fields-TOTAL_FORMS"] = str(index + 1)
    prefix = f"form_fields-{index}-"
    data.update(
        {
            f"{prefix}label": label,
            f"{prefix}field_type": "singleline",
            f"{prefix}required": "",
            f"{prefix}ORDER": str(index + 1),
            f"{prefix}id": "",
        }
    )
    response = admin_client.post(edit_url, data)
    assert response.status_code == 200
    assert "The form already has a field with this name" in response.text
    assert not tree.form.form_fields.filter(label=label).exists()


def test_editor_can_save_the_form_page(admin_client, tree):
    """The unchanged edit form of the contact page saves (control case)."""
    edit_url = f"/admin/pages/{tree.form.pk}/edit/"
    data = querydict_from_html(
        admin_client.get(edit_url).content.decode(), form_id="page-edit-form"
    )
    response = admin_client.post(edit_url, data)
    assert response.status_code == 302
