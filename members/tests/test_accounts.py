"""Accounts: sign-up with e-mail verification, log-in, password reset, e-mail change."""

import re

from django.contrib.auth import get_user_model
from django.core import mail

import pytest

pytestmark = pytest.mark.django_db

PASSWORD = "Brussel-2026-zonnig"


def _link(message) -> str:
    return re.search(r"https?://testserver(/\S+)", message.body).group(1)


def test_signup_requires_email_verification_then_logs_in(client):
    """A new account cannot log in until the link e-mailed to it is followed."""
    response = client.post(
        "/en/accounts/signup/",
        {"email": "nadia@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "nadia@example.org" in mail.outbox[0].to
    assert client.get("/en/dashboard/").status_code == 302  # not logged in yet

    confirm_url = _link(mail.outbox[0])
    assert client.post(confirm_url).status_code == 302
    assert client.get("/en/dashboard/").status_code == 200

    client.logout()
    response = client.post(
        "/en/accounts/login/", {"login": "nadia@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/en/dashboard/").status_code == 200


def test_unverified_account_cannot_log_in(client):
    """Log-in with an unverified address sends a new verification mail instead."""
    client.post(
        "/en/accounts/signup/",
        {"email": "tom@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    client.logout()
    mail.outbox.clear()
    client.post(
        "/en/accounts/login/", {"login": "tom@example.org", "password": PASSWORD}
    )
    assert client.get("/en/dashboard/").status_code == 302


def test_password_reset_by_email(client):
    """The reset link sets a new password that then logs in."""
    user = get_user_model().objects.create_user(
        username="ines", email="ines@example.org", password=PASSWORD
    )
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )
    client.post("/en/accounts/password/reset/", {"email": "ines@example.org"})
    assert len(mail.outbox) == 1
    reset_url = _link(mail.outbox[0])
    response = client.get(reset_url, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else reset_url
    new = "Nieuw-Wachtwoord-2027"
    client.post(form_url, {"password1": new, "password2": new})
    user.refresh_from_db()
    assert user.check_password(new)


def test_email_change_needs_verification_of_the_new_address(client):
    """A new address is added unverified and a confirmation is sent to it."""
    user = get_user_model().objects.create_user(
        username="jo", email="jo@example.org", password=PASSWORD
    )
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )
    client.force_login(user)
    client.post(
        "/en/accounts/email/", {"email": "jo.new@example.org", "action_add": ""}
    )
    assert EmailAddress.objects.filter(
        email="jo.new@example.org", verified=False
    ).exists()
    assert any("jo.new@example.org" in m.to for m in mail.outbox)
