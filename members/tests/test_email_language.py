"""Every e-mail to a person is written in their account's language, whatever
the language of the page that triggered it, in the hub's name and look."""

import re
from datetime import timedelta
from io import StringIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

import pytest
from allauth.account.models import EmailAddress

from members.accounts import (
    account_language,
    account_language_set,
    address_languages,
)
from members.models import AccountSettings, MemberManager, Offer
from members.services.contact import contact_request_answer, contact_request_create
from members.services.profiles import member_manager_invite
from members.tests.factories import MemberFactory
from projects.models import PartnerRole, ProjectStatus
from projects.services import partner_add
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_language_afterwards():
    """Requests to /fr/ or /nl/ pages and sign-ins leave their language active
    in the thread: later tests start from the site's default again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


PASSWORD = "Brussel-2026-zonnig"
MESSAGE = "We would like to try a shared repair café in Anderlecht with you."


def person(name: str, language: str | None = None, *, verified: bool = False):
    user = get_user_model().objects.create_user(
        username=name, email=f"{name}@mail.example.org", password=PASSWORD
    )
    if verified:
        EmailAddress.objects.create(
            user=user, email=user.email, verified=True, primary=True
        )
    if language:
        account_language_set(user=user, language=language)
    return user


def managed(user, **fields):
    member = MemberFactory(**fields)
    MemberManager.objects.create(member=member, user=user)
    return member


def html_part(message) -> str:
    (html, mimetype), *_rest = message.alternatives
    assert mimetype == "text/html"
    return html


def test_account_language_falls_back_to_the_site_default(settings):
    """Without a stored choice a person is written to in LANGUAGE_CODE; no
    settings row is created just by asking."""
    user = person("nochoice")
    assert account_language(user) == settings.LANGUAGE_CODE
    assert not AccountSettings.objects.filter(user=user).exists()
    account_language_set(user=user, language="nl")
    assert account_language(user) == "nl"
    assert account_language_set(user=user, language="de") is None
    assert account_language(user) == "nl"


def test_address_languages_follow_the_account_of_each_address():
    """Addresses of accounts get their language; unknown ones the default."""
    person("amelie", "fr")
    person("joost", "nl", verified=True)
    found = address_languages(
        ["Amelie@mail.example.org", "joost@mail.example.org", "x@elsewhere.org"]
    )
    assert found == {
        "Amelie@mail.example.org": "fr",
        "joost@mail.example.org": "nl",
        "x@elsewhere.org": "en",
    }


def test_contact_request_from_an_english_page_reaches_a_french_member_in_french():
    """The receiver's manager chose French: subject, text and links are French
    although the sender wrote from the English site."""
    sender = managed(person("sam", "en"), name="Atelier Sam")
    amelie = person("amelie", "fr")
    receiver = managed(amelie, name="Habitat & Co <Forest>")
    with translation.override("en"):
        contact_request = contact_request_create(
            user=sender.managers.get().user,
            sender=sender,
            receiver=receiver,
            message=MESSAGE,
        )
    (message,) = [m for m in mail.outbox if m.to == [amelie.email]]
    assert "Atelier Sam souhaite prendre contact" in message.subject
    assert "Son message :" in message.body
    assert f"/fr/contacts/{contact_request.pk}/" in message.body
    assert "/en/" not in message.body
    html = html_part(message)
    assert 'lang="fr"' in html
    assert f'href="http://testserver/fr/contacts/{contact_request.pk}/"' in html


def test_contact_answer_reaches_each_side_in_its_own_language():
    """Acceptance mails: the Dutch sender reads Dutch, the French receiver
    French, each with links in their language."""
    joost = person("joost", "nl")
    amelie = person("amelie", "fr")
    sender = managed(joost, name="Buurtwerk Joost")
    receiver = managed(amelie, name="Habitat Amélie")
    contact_request = contact_request_create(
        user=joost, sender=sender, receiver=receiver, message=MESSAGE
    )
    mail.outbox.clear()
    contact_request_answer(user=amelie, contact_request=contact_request, accept=True)
    to_joost = next(m for m in mail.outbox if m.to == [joost.email])
    to_amelie = next(m for m in mail.outbox if m.to == [amelie.email])
    assert "Habitat Amélie heeft uw contactaanvraag aanvaard" in to_joost.subject
    assert f"/nl/contacts/{contact_request.pk}/" in to_joost.body
    assert f"/fr/contacts/{contact_request.pk}/" in to_amelie.body


def test_subjects_are_not_html_escaped_but_the_html_part_is():
    """A name with & and < reads as typed in the subject and the plain text,
    and is escaped in the HTML alternative."""
    sender = managed(person("sam"), name="Bike & Co <Brussels>")
    bob = person("bob")
    receiver = managed(bob, name="Habitat Bob")
    contact_request_create(
        user=sender.managers.get().user,
        sender=sender,
        receiver=receiver,
        message=MESSAGE,
    )
    (message,) = mail.outbox
    assert "Bike & Co <Brussels> would like to get in touch" in message.subject
    assert "&amp;" not in message.subject + message.body
    assert "&lt;" not in message.subject + message.body
    assert "Bike &amp; Co &lt;Brussels&gt;" in html_part(message)


def test_hub_emails_carry_the_site_name_not_a_domain_greeting(settings):
    """Subjects start with the Wagtail site name; the signature names the hub
    and links to its home page in the reader's language."""
    sender = managed(person("sam"), name="Atelier Sam")
    amelie = person("amelie", "fr")
    contact_request_create(
        user=sender.managers.get().user,
        sender=sender,
        receiver=managed(amelie, name="Habitat Amélie"),
        message=MESSAGE,
    )
    (message,) = mail.outbox
    assert message.subject.startswith(f"[{settings.WAGTAIL_SITE_NAME}] ")
    assert settings.WAGTAIL_SITE_NAME in message.body
    assert "http://testserver/fr/" in message.body
    assert "Hello from" not in message.body


def test_expiry_reminder_is_written_in_each_managers_language():
    """A reminder about the same profile goes out once in French and once in
    Dutch, each with the edit link in that language."""
    amelie = person("amelie", "fr")
    joost = person("joost", "nl")
    member = managed(amelie, name="Repair Together")
    MemberManager.objects.create(member=member, user=joost)
    Offer.objects.create(
        member=member,
        text="Atelier bois",
        expires_on=timezone.localdate() + timedelta(days=3),
    )
    call_command("members_remind_expiring", stdout=StringIO())
    by_address = {m.to[0]: m for m in mail.outbox}
    edit = reverse("members:edit", kwargs={"slug": member.slug})[len("/en") :]
    french, dutch = by_address[amelie.email], by_address[joost.email]
    assert "Des offres ou des besoins de Repair Together" in french.subject
    assert "Aanbod of noden van Repair Together" in dutch.subject
    assert f"/fr{edit}" in french.body and f"/nl{edit}" in dutch.body


def test_partner_confirmation_is_written_in_the_partners_language():
    """The partner's manager, who chose Dutch, is asked in Dutch, with the
    confirmation link under /nl/, although the project was edited in English."""
    owner_user = person("olivia", "en")
    owner = managed(owner_user, name="Olivia Lab")
    project = ProjectFactory(owner=owner, status=ProjectStatus.PUBLISHED)
    joost = person("joost", "nl")
    partner = managed(joost, name="Buurtwerk Joost")
    with translation.override("en"):
        partnership = partner_add(
            project=project, member=partner, role=PartnerRole.PARTNER, user=owner_user
        )
    (message,) = mail.outbox
    assert message.to == [joost.email]
    confirm = reverse("projects:partnership_confirm", args=[partnership.pk])
    assert "/nl" + confirm[len("/en") :] in message.body
    assert 'lang="nl"' in html_part(message)
    assert "&#x27;" not in message.subject and "&quot;" not in message.subject


def test_new_manager_is_told_in_their_language():
    """Inviting a manager e-mails them, in their language, with the name of
    whoever invited them (not a username) and a link in their language."""
    olivia = person("olivia", "en")
    olivia.first_name, olivia.last_name = "Olivia", "Peeters"
    olivia.save()
    member = managed(olivia, name="Olivia Lab")
    MemberManager.objects.filter(member=member).update(role="owner")
    amelie = person("amelie", "fr", verified=True)
    member_manager_invite(member=member, user=olivia, email=amelie.email)
    (message,) = mail.outbox
    assert message.to == [amelie.email]
    assert "Olivia Peeters" in message.body
    assert 'lang="fr"' in html_part(message)
    assert "/fr/members/invitations/" in message.body


def test_dutch_users_password_reset_email_is_dutch(client):
    """Asked from the English page, the reset e-mail of a Dutch-speaking user
    is in Dutch, its link opens the Dutch page, and the link works."""
    user = person("joost", "nl", verified=True)
    client.post("/en/accounts/password/reset/", {"email": user.email})
    (message,) = mail.outbox
    with translation.override("nl"):
        dutch_subject = gettext("Reset your password")
    assert message.subject.endswith(dutch_subject)
    assert 'lang="nl"' in html_part(message)
    link = re.search(r"http://testserver(/\S+)", message.body).group(1)
    assert link.startswith("/nl/accounts/password/reset/key/")
    assert "Hello from" not in message.body and "127.0.0.1" not in message.body
    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert b'name="password1"' in response.content


def test_signup_confirmation_is_branded_and_in_the_chosen_language(client):
    """The confirmation e-mail of a sign-up on the French page has a French
    link, the hub's name and an HTML alternative."""
    client.post(
        "/fr/accounts/signup/",
        {"email": "lea@mail.example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    (message,) = mail.outbox
    assert "/fr/accounts/confirm-email/" in message.body
    html = html_part(message)
    assert 'lang="fr"' in html and "/fr/accounts/confirm-email/" in html
    assert "Hello from" not in message.body
