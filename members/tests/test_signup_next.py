"""Signing up from "Get in touch" comes back to the contact form once the
e-mail address is confirmed, in the same browser session."""

import re

from django.core import mail

import pytest

from members.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_sign_up_then_confirm_returns_to_the_contact_form(client):
    receiver = MemberFactory(name="Habitat Bob")
    contact_url = f"/en/contacts/new/{receiver.slug}/"
    response = client.post(
        f"/en/accounts/signup/?next={contact_url}",
        {
            "email": "newcomer@example.org",
            "password1": "A-long-pass-phrase-2026",
            "password2": "A-long-pass-phrase-2026",
            "language": "en",
            "next": contact_url,
        },
    )
    assert response.status_code == 302
    link = re.search(
        r"https?://[^\s\"<>]+/accounts/confirm-email/[^\s\"<>]+", mail.outbox[-1].body
    )
    path = re.sub(r"^https?://[^/]+", "", link.group(0))
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"].endswith(contact_url)
