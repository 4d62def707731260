"""Accounts: sign-up with e-mail verification, log-in, password reset, e-mail change."""

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import translation

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_language_afterwards():
    """Requests to /fr/ or /nl/ pages and sign-ins leave their language active
    in the thread: later tests start from the site's default again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


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


# A person's language -------------------------------------------------------


def _verified_user(name: str, language: str | None = None):
    from allauth.account.models import EmailAddress

    from members.accounts import account_language_set

    user = get_user_model().objects.create_user(
        username=name, email=f"{name}@example.org", password=PASSWORD
    )
    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )
    if language:
        account_language_set(user=user, language=language)
    return user


def test_signup_form_offers_the_language_of_the_page(client):
    """The sign-up form has a language select preset to the page's language,
    and the choice is stored on the new account."""
    from members.accounts import account_language

    html = client.get("/nl/accounts/signup/").content.decode()
    assert re.search(r'<select name="language"[^>]*id="id_language"', html)
    assert re.search(r'<option value="nl"[^>]*selected', html)

    client.post(
        "/nl/accounts/signup/",
        {"email": "an@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    client.post(
        "/nl/accounts/signup/",
        {
            "email": "marie@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "language": "fr",
        },
    )
    users = get_user_model().objects
    assert account_language(users.get(email="an@example.org")) == "nl"
    assert account_language(users.get(email="marie@example.org")) == "fr"


def test_login_switches_the_site_to_the_accounts_language(client, settings):
    """Signing in on the English page with a French account leads to the
    French address of the next page and remembers French in the cookie."""
    _verified_user("marie", "fr")
    response = client.post(
        "/en/accounts/login/?next=/en/projects/",
        {"login": "marie@example.org", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/fr/projects/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"

    client.logout()
    response = client.post(
        "/en/accounts/login/", {"login": "marie@example.org", "password": PASSWORD}
    )
    assert response["Location"] == "/fr/dashboard/"


def test_login_without_a_stored_language_keeps_the_page_language(client):
    """An account that never chose a language stays in the page's language."""
    _verified_user("pat")
    response = client.post(
        "/nl/accounts/login/", {"login": "pat@example.org", "password": PASSWORD}
    )
    assert response["Location"] == "/nl/dashboard/"


def test_login_message_names_the_email_not_a_generated_username(client):
    """The welcome message shows the e-mail address (or the person's name)."""
    user = _verified_user("x7f3kq")
    response = client.post(
        "/en/accounts/login/",
        {"login": user.email, "password": PASSWORD},
        follow=True,
    )
    html = response.content.decode()
    assert "signed in as x7f3kq@example.org" in html
    assert "as x7f3kq." not in html and "Successfully" not in html


def test_account_settings_change_the_language(client, settings):
    """The account settings page (linked from the dashboard) stores a new
    language and reopens itself in it; it links to e-mail and password."""
    from members.accounts import account_language

    user = _verified_user("jan", "en")
    client.force_login(user)
    dashboard = client.get("/en/dashboard/").content.decode()
    assert 'href="/en/dashboard/account/"' in dashboard

    page = client.get("/en/dashboard/account/").content.decode()
    assert 'href="/en/accounts/email/"' in page
    assert 'href="/en/accounts/password/change/"' in page
    assert "<title>Account settings ·" in page

    response = client.post("/en/dashboard/account/", {"language": "nl"})
    assert response.status_code == 302
    assert response["Location"] == "/nl/dashboard/account/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"
    user.refresh_from_db()
    assert account_language(user) == "nl"

    response = client.post("/en/dashboard/account/", {"language": "xx"})
    assert response.status_code == 200
    assert account_language(user) == "nl"


def test_account_settings_need_a_signed_in_person(client):
    """Visitors are sent to the sign-in page."""
    response = client.get("/en/dashboard/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")


def test_language_switcher_stores_the_choice_of_a_signed_in_person(client):
    """The switcher's POST sets the account's language; for a visitor it only
    switches the site."""
    from members.accounts import account_language

    client.post("/i18n/setlang/", {"language": "fr", "next": "/fr/"})
    user = _verified_user("lies", "en")
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": "nl", "next": "/nl/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert account_language(user) == "nl"
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert account_language(user) == "nl"


# Account pages ----------------------------------------------------------------


@pytest.mark.parametrize(
    "path, heading",
    [
        ("/en/accounts/login/", "Sign in"),
        ("/en/accounts/signup/", "Sign up"),
        ("/en/accounts/password/reset/", "Reset your password"),
        ("/en/accounts/password/reset/done/", "Check your e-mail"),
    ],
)
def test_account_pages_title_equals_heading(client, path, heading):
    """Each account page's tab title starts with its heading, in the hub's
    layout."""
    html = client.get(path).content.decode()
    assert f"<title>{heading} ·" in html
    assert f"<h1>{heading}</h1>" in html
    assert 'class="site-footer' in html


def test_sign_in_and_sign_up_link_to_each_other(client):
    """Sign in offers Sign up and the reverse."""
    login = client.get("/en/accounts/login/").content.decode()
    signup = client.get("/en/accounts/signup/").content.decode()
    assert re.search(r'href="/en/accounts/signup/[^"]*">Sign up</a>', login)
    assert re.search(r'href="/en/accounts/login/[^"]*">Sign in</a>', signup)


def test_signup_errors_sit_next_to_their_field_and_help_is_valid_html(client):
    """A mismatched second password is reported in that field's block (and in
    the summary); the password rules are not a list inside a paragraph."""
    response = client.post(
        "/en/accounts/signup/",
        {
            "email": "new@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD + "x",
        },
    )
    html = response.content.decode()
    assert 'id="id_password2_error"' in html
    assert html.index('id="id_password2_error"') < html.index('id="id_password2"')
    assert html.index('for="id_password2"') < html.index('id="id_password2_error"')
    assert 'class="error-summary"' in html
    assert not re.search(r"<p[^>]*>\s*<ul", html)
