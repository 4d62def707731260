"""Contact requests: a double opt-in between members, rate-limited, with
contact data revealed only after the receiver accepts."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

import pytest

from members.models import ContactRequest, ContactStatus, MemberManager, MemberStatus
from members.services.contact import (
    contact_request_answer,
    contact_request_create,
    contact_request_mark_collaboration,
    contact_request_withdraw,
    contact_requests_for,
)
from members.tests.factories import MemberFactory
from projects.models import ProjectStatus
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

MESSAGE = "Bonjour, we would like to test a shared repair café with you."
SENDER_EMAIL = "hidden-sender@atelier.example.org"
SENDER_PHONE = "+32 2 111 11 11"
RECEIVER_EMAIL = "hidden-receiver@habitat.example.org"
RECEIVER_PHONE = "+32 2 222 22 22"


def make_user(name):
    return get_user_model().objects.create_user(
        username=name, email=f"{name}@accounts.example.org", password="x"
    )


def managed_member(user, **fields):
    member = MemberFactory(**fields)
    MemberManager.objects.create(member=member, user=user)
    return member


@pytest.fixture
def alice():
    """Manages the sending member."""
    return make_user("alice")


@pytest.fixture
def bob():
    """Manages the receiving member."""
    return make_user("bob")


@pytest.fixture
def outsider():
    """Manages a member that has nothing to do with the request."""
    user = make_user("outsider")
    managed_member(user, name="Unrelated Network")
    return user


@pytest.fixture
def sender(alice):
    return managed_member(
        alice, name="Atelier Alice", email=SENDER_EMAIL, phone=SENDER_PHONE
    )


@pytest.fixture
def receiver(bob):
    return managed_member(
        bob, name="Habitat Bob", email=RECEIVER_EMAIL, phone=RECEIVER_PHONE
    )


@pytest.fixture
def pending(alice, sender, receiver):
    contact_request = contact_request_create(
        user=alice, sender=sender, receiver=receiver, message=MESSAGE
    )
    mail.outbox.clear()
    return contact_request


def all_mail_text():
    return "\n".join(
        f"{message.subject}\n{message.body}\n{message.to}" for message in mail.outbox
    )


# Double opt-in


def test_receiver_contact_data_hidden_until_accepted_then_shown(
    client, alice, bob, sender, receiver
):
    """Before acceptance no page or e-mail the sender gets shows the receiver's
    e-mail or phone; after acceptance the sender's request page shows both, and
    the receiver's page shows the sender's."""
    client.force_login(alice)
    form_page = client.get(f"/en/contacts/new/{receiver.slug}/")
    assert form_page.status_code == 200
    response = client.post(
        f"/en/contacts/new/{receiver.slug}/", {"sender": sender.pk, "message": MESSAGE}
    )
    contact_request = ContactRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/contacts/{contact_request.pk}/"

    pages = [
        form_page,
        client.get(f"/en/contacts/{contact_request.pk}/"),
        client.get("/en/contacts/"),
        client.get(receiver.get_absolute_url()),
    ]
    for page in pages:
        assert RECEIVER_EMAIL not in page.text
        assert RECEIVER_PHONE not in page.text
    assert RECEIVER_EMAIL not in "".join(
        message.body + message.subject
        for message in mail.outbox
        if RECEIVER_EMAIL not in message.to
    )

    client.force_login(bob)
    bob_page = client.get(f"/en/contacts/{contact_request.pk}/")
    assert SENDER_EMAIL not in bob_page.text and SENDER_PHONE not in bob_page.text
    assert MESSAGE in bob_page.text
    assert client.post(f"/en/contacts/{contact_request.pk}/accept/").status_code == 302

    bob_page = client.get(f"/en/contacts/{contact_request.pk}/")
    assert SENDER_EMAIL in bob_page.text and SENDER_PHONE in bob_page.text
    client.force_login(alice)
    alice_page = client.get(f"/en/contacts/{contact_request.pk}/")
    assert RECEIVER_EMAIL in alice_page.text and RECEIVER_PHONE in alice_page.text


def test_acceptance_emails_each_side_the_others_contact_data(bob, pending):
    """On acceptance the sender's managers get the receiver's e-mail and phone,
    and the receiver's managers get the sender's; nobody gets their own."""
    contact_request_answer(
        user=bob, contact_request=pending, accept=True, reply="Avec plaisir !"
    )
    pending.refresh_from_db()
    assert pending.status == ContactStatus.ACCEPTED
    assert pending.answered_at is not None
    assert pending.reply == "Avec plaisir !"

    to_alice = [m for m in mail.outbox if m.to == ["alice@accounts.example.org"]]
    to_bob = [m for m in mail.outbox if m.to == ["bob@accounts.example.org"]]
    assert len(to_alice) == 1 and len(to_bob) == 1 and len(mail.outbox) == 2
    assert RECEIVER_EMAIL in to_alice[0].body and RECEIVER_PHONE in to_alice[0].body
    assert "Avec plaisir !" in to_alice[0].body
    assert SENDER_EMAIL not in to_alice[0].body
    assert SENDER_EMAIL in to_bob[0].body and SENDER_PHONE in to_bob[0].body
    assert RECEIVER_EMAIL not in to_bob[0].body


def test_member_without_contact_email_is_reached_through_its_accounts(alice, bob):
    """Without a contact e-mail on the profile, acceptance reveals the sending
    account's e-mail to the receiver and the owner's e-mail to the sender."""
    sender = managed_member(alice, name="No Mail Sender")
    receiver = managed_member(bob, name="No Mail Receiver")
    contact_request = contact_request_create(
        user=alice, sender=sender, receiver=receiver, message=MESSAGE
    )
    mail.outbox.clear()
    contact_request_answer(user=bob, contact_request=contact_request, accept=True)
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "bob@accounts.example.org" in bodies["alice@accounts.example.org"]
    assert "alice@accounts.example.org" in bodies["bob@accounts.example.org"]


def test_decline_sends_polite_notice_without_contact_data(bob, pending):
    """A declined request tells the sender's managers, with the reply but no
    contact data, and the request page still hides the receiver's data."""
    contact_request_answer(
        user=bob, contact_request=pending, accept=False, reply="Pas pour l'instant."
    )
    pending.refresh_from_db()
    assert pending.status == ContactStatus.DECLINED
    assert [message.to for message in mail.outbox] == [["alice@accounts.example.org"]]
    body = mail.outbox[0].body
    assert "Pas pour l'instant." in body
    assert RECEIVER_EMAIL not in body and RECEIVER_PHONE not in body
    assert "bob@accounts.example.org" not in body


def test_declined_request_page_hides_contact_data(client, alice, bob, pending):
    """After a refusal the sender's page shows the reply, not the contact data."""
    contact_request_answer(
        user=bob, contact_request=pending, accept=False, reply="Merci, mais non."
    )
    client.force_login(alice)
    page = client.get(f"/en/contacts/{pending.pk}/")
    assert "Merci, mais non." in page.text
    assert RECEIVER_EMAIL not in page.text and RECEIVER_PHONE not in page.text


# Notification of the receiver


def test_notification_goes_to_receiver_managers_and_contact_email(
    alice, bob, sender, receiver
):
    """Every manager of the receiver and its contact e-mail get one message
    each, with the sender's name, message and a link, but no sender contact
    data; the sender's side gets nothing."""
    second = make_user("carla")
    MemberManager.objects.create(member=receiver, user=second)
    contact_request = contact_request_create(
        user=alice, sender=sender, receiver=receiver, message=MESSAGE
    )
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert all(len(message.to) == 1 for message in mail.outbox)
    assert recipients == sorted(
        ["bob@accounts.example.org", "carla@accounts.example.org", RECEIVER_EMAIL]
    )
    for message in mail.outbox:
        assert sender.name in message.subject + message.body
        assert MESSAGE in message.body
        assert f"/contacts/{contact_request.pk}/" in message.body
        for private in (SENDER_EMAIL, SENDER_PHONE, "alice@accounts.example.org"):
            assert private not in message.body + message.subject
            assert private not in message.from_email
            assert private not in message.reply_to


def test_notification_mentions_the_project(alice, sender, receiver):
    """A request about an experiment names it in the notification."""
    project = ProjectFactory(title="Réparer ensemble", owner=receiver)
    contact_request_create(
        user=alice, sender=sender, receiver=receiver, message=MESSAGE, project=project
    )
    assert "Réparer ensemble" in mail.outbox[0].body


# Refusals when creating


def test_user_must_manage_the_sender(outsider, sender, receiver):
    """Someone who does not manage the sending member cannot send for it."""
    with pytest.raises(PermissionDenied):
        contact_request_create(
            user=outsider, sender=sender, receiver=receiver, message=MESSAGE
        )
    assert not ContactRequest.objects.exists()


def test_self_contact_refused(alice, sender):
    """A member cannot send a contact request to itself."""
    with pytest.raises(ValidationError, match="itself"):
        contact_request_create(
            user=alice, sender=sender, receiver=sender, message=MESSAGE
        )


def test_receiver_not_open_to_collaboration_refused(alice, sender, receiver):
    """A member that is not open to collaboration cannot be contacted."""
    receiver.open_to_collaboration = False
    receiver.save()
    with pytest.raises(ValidationError, match="does not accept"):
        contact_request_create(
            user=alice, sender=sender, receiver=receiver, message=MESSAGE
        )
    assert not mail.outbox


def test_unpublished_receiver_refused(alice, sender, receiver):
    """A suspended member cannot be contacted."""
    receiver.status = MemberStatus.SUSPENDED
    receiver.save()
    with pytest.raises(ValidationError):
        contact_request_create(
            user=alice, sender=sender, receiver=receiver, message=MESSAGE
        )


@pytest.mark.parametrize("message", ["Too short", "x" * 2001, "   " + "a" * 5])
def test_message_length_bounds(alice, sender, receiver, message):
    """The message has 10 to 2000 characters, surrounding spaces not counted."""
    with pytest.raises(ValidationError) as error:
        contact_request_create(
            user=alice, sender=sender, receiver=receiver, message=message
        )
    assert "message" in error.value.message_dict


def test_project_must_belong_to_either_side(alice, sender, receiver):
    """The experiment must be a published one of the sender or the receiver."""
    stranger = ProjectFactory(owner=MemberFactory())
    draft = ProjectFactory(owner=receiver, status=ProjectStatus.DRAFT)
    for project in (stranger, draft):
        with pytest.raises(ValidationError) as error:
            contact_request_create(
                user=alice,
                sender=sender,
                receiver=receiver,
                message=MESSAGE,
                project=project,
            )
        assert "project" in error.value.message_dict


def test_duplicate_pending_request_refused_in_both_directions(
    alice, bob, sender, receiver, pending
):
    """While a request is pending, neither side can open a second one; once it
    is answered a new request is allowed."""
    with pytest.raises(ValidationError, match="already waiting"):
        contact_request_create(
            user=alice, sender=sender, receiver=receiver, message=MESSAGE
        )
    with pytest.raises(ValidationError, match="already waiting"):
        contact_request_create(
            user=bob, sender=receiver, receiver=sender, message=MESSAGE
        )
    contact_request_answer(user=bob, contact_request=pending, accept=False)
    contact_request_create(
        user=alice, sender=sender, receiver=receiver, message=MESSAGE
    )
    assert ContactRequest.objects.count() == 2


RATE_LIMIT_MESSAGE = (
    "You have sent too many contact requests today; try again tomorrow."
)


def test_rate_limit_per_sender_member(alice, sender):
    """A member sends at most 10 requests in 24 hours, even through several
    accounts; older requests do not count."""
    old = ContactRequest.objects.create(
        sender=sender, receiver=MemberFactory(), sent_by=alice, message=MESSAGE
    )
    ContactRequest.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    other_account = make_user("dirk")
    MemberManager.objects.create(member=sender, user=other_account)
    for n in range(10):
        contact_request_create(
            user=alice if n % 2 else other_account,
            sender=sender,
            receiver=MemberFactory(),
            message=MESSAGE,
        )
    with pytest.raises(ValidationError) as error:
        contact_request_create(
            user=alice, sender=sender, receiver=MemberFactory(), message=MESSAGE
        )
    assert error.value.messages == [RATE_LIMIT_MESSAGE]
    assert ContactRequest.objects.count() == 11


def test_rate_limit_per_user(alice, sender):
    """An account sends at most 10 requests in 24 hours, across its members."""
    second = managed_member(alice, name="Second Profile")
    for n in range(10):
        contact_request_create(
            user=alice,
            sender=sender if n < 5 else second,
            receiver=MemberFactory(),
            message=MESSAGE,
        )
    with pytest.raises(ValidationError, match="too many contact requests today"):
        contact_request_create(
            user=alice, sender=second, receiver=MemberFactory(), message=MESSAGE
        )


def test_rate_limit_shown_on_the_form(client, alice, sender):
    """The form shows the rate-limit error instead of sending."""
    for _ in range(10):
        contact_request_create(
            user=alice, sender=sender, receiver=MemberFactory(), message=MESSAGE
        )
    receiver = MemberFactory()
    client.force_login(alice)
    response = client.post(
        f"/en/contacts/new/{receiver.slug}/", {"sender": sender.pk, "message": MESSAGE}
    )
    assert response.status_code == 200
    assert "too many contact requests today" in response.text
    assert not ContactRequest.objects.filter(receiver=receiver).exists()


# Request form


def test_form_offers_my_members_and_related_projects(client, alice, sender, receiver):
    """With several members the form asks which one sends; projects of either
    side are offered and ?project= preselects one."""
    second = managed_member(alice, name="Second Profile")
    mine = ProjectFactory(title="Mon expérience", owner=second)
    theirs = ProjectFactory(title="Leur expérience", owner=receiver)
    ProjectFactory(title="Expérience étrangère", owner=MemberFactory())
    client.force_login(alice)
    response = client.get(f"/en/contacts/new/{receiver.slug}/?project={theirs.slug}")
    assert response.status_code == 200
    assert '<select name="sender"' in response.text
    assert '<label for="id_message">' in response.text
    assert "Mon expérience" in response.text and "Leur expérience" in response.text
    assert "Expérience étrangère" not in response.text
    assert f'value="{theirs.pk}" selected' in response.text

    response = client.post(
        f"/en/contacts/new/{receiver.slug}/",
        {"sender": second.pk, "project": mine.pk, "message": MESSAGE},
    )
    assert response.status_code == 302
    created = ContactRequest.objects.get()
    assert (created.sender, created.project, created.sent_by) == (second, mine, alice)


def test_form_shows_field_errors(client, alice, sender, receiver):
    """A too-short message is refused with an error next to the field."""
    client.force_login(alice)
    response = client.post(
        f"/en/contacts/new/{receiver.slug}/", {"sender": sender.pk, "message": "Hi"}
    )
    assert response.status_code == 200
    assert 'id="id_message_error"' in response.text
    assert not ContactRequest.objects.exists()


def test_form_without_managed_member_links_to_dashboard(client, receiver):
    """A user who manages no member is told so and sent to the dashboard."""
    user = make_user("newcomer")
    client.force_login(user)
    response = client.get(f"/en/contacts/new/{receiver.slug}/")
    assert response.status_code == 200
    assert 'href="/en/dashboard/"' in response.text
    assert '<form class="form"' not in response.text
    client.post(f"/en/contacts/new/{receiver.slug}/", {"message": MESSAGE})
    assert not ContactRequest.objects.exists()


def test_form_for_own_member_offers_no_sender(client, alice, sender):
    """Managing only the receiver itself means there is nobody to send from."""
    client.force_login(alice)
    response = client.get(f"/en/contacts/new/{sender.slug}/")
    assert 'href="/en/dashboard/"' in response.text


def test_form_for_closed_receiver_says_so(client, alice, sender, receiver):
    """A member not open to collaboration shows a notice and no form; a forged
    POST creates nothing."""
    receiver.open_to_collaboration = False
    receiver.save()
    client.force_login(alice)
    response = client.get(f"/en/contacts/new/{receiver.slug}/")
    assert "not accepting contact requests" in response.text
    client.post(
        f"/en/contacts/new/{receiver.slug}/", {"sender": sender.pk, "message": MESSAGE}
    )
    assert not ContactRequest.objects.exists()


def test_form_requires_login_and_published_receiver(client, alice, receiver):
    """Anonymous visitors go to the login page; unknown or suspended members
    are not found."""
    response = client.get(f"/en/contacts/new/{receiver.slug}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(alice)
    assert client.get("/en/contacts/new/nobody-here/").status_code == 404
    receiver.status = MemberStatus.SUSPENDED
    receiver.save()
    assert client.get(f"/en/contacts/new/{receiver.slug}/").status_code == 404


# Permissions of the actions

ACTIONS = ["accept", "decline", "withdraw", "collaboration"]


@pytest.mark.parametrize("action", ACTIONS)
def test_action_requires_login(client, pending, action):
    """Anonymous POSTs are sent to the login page and change nothing."""
    response = client.post(f"/en/contacts/{pending.pk}/{action}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    pending.refresh_from_db()
    assert pending.status == ContactStatus.PENDING


@pytest.mark.parametrize("action", ACTIONS)
def test_action_by_unrelated_user_is_not_found(client, outsider, pending, action):
    """A user managing an unrelated member gets 404, as if the request did not
    exist."""
    client.force_login(outsider)
    assert client.post(f"/en/contacts/{pending.pk}/{action}/").status_code == 404
    pending.refresh_from_db()
    assert pending.status == ContactStatus.PENDING


@pytest.mark.parametrize("action", ACTIONS)
def test_action_is_post_only(client, bob, pending, action):
    """GET on an action is refused."""
    client.force_login(bob)
    assert client.get(f"/en/contacts/{pending.pk}/{action}/").status_code == 405


@pytest.mark.parametrize("action", ACTIONS)
def test_action_needs_csrf_token(bob, pending, action):
    """Actions are CSRF protected."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    assert client.post(f"/en/contacts/{pending.pk}/{action}/").status_code == 403


def test_detail_and_list_of_unrelated_user(client, outsider, pending):
    """The detail page is 404 for non-parties and the list does not show it."""
    client.force_login(outsider)
    assert client.get(f"/en/contacts/{pending.pk}/").status_code == 404
    assert "Atelier Alice" not in client.get("/en/contacts/").text


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_sender_manager_cannot_answer(client, alice, pending, action):
    """The sender's manager cannot accept or decline its own request."""
    client.force_login(alice)
    assert client.post(f"/en/contacts/{pending.pk}/{action}/").status_code == 403
    pending.refresh_from_db()
    assert pending.status == ContactStatus.PENDING
    with pytest.raises(PermissionDenied):
        contact_request_answer(user=alice, contact_request=pending, accept=True)


def test_receiver_manager_can_accept(client, bob, pending):
    """The receiver's manager accepts with a reply and is redirected back with a
    message."""
    client.force_login(bob)
    response = client.post(
        f"/en/contacts/{pending.pk}/accept/", {"reply": "Volontiers."}, follow=True
    )
    assert response.redirect_chain == [(f"/en/contacts/{pending.pk}/", 302)]
    assert "You accepted the request" in response.text
    pending.refresh_from_db()
    assert pending.status == ContactStatus.ACCEPTED and pending.reply == "Volontiers."


def test_receiver_manager_can_decline(client, bob, pending):
    """The receiver's manager declines; the request is closed."""
    client.force_login(bob)
    client.post(f"/en/contacts/{pending.pk}/decline/")
    pending.refresh_from_db()
    assert pending.status == ContactStatus.DECLINED


def test_answered_request_cannot_be_answered_again(client, bob, pending):
    """A second answer is refused with an error message."""
    contact_request_answer(user=bob, contact_request=pending, accept=False)
    client.force_login(bob)
    response = client.post(f"/en/contacts/{pending.pk}/accept/", follow=True)
    assert "no longer waiting for an answer" in response.text
    pending.refresh_from_db()
    assert pending.status == ContactStatus.DECLINED


# Withdrawal and collaboration


def test_sender_manager_withdraws_pending_request(client, alice, bob, pending):
    """The sender withdraws a pending request; it can then not be accepted, and
    the receiver cannot withdraw it."""
    client.force_login(bob)
    assert client.post(f"/en/contacts/{pending.pk}/withdraw/").status_code == 403
    client.force_login(alice)
    response = client.post(f"/en/contacts/{pending.pk}/withdraw/", follow=True)
    assert "Your request was withdrawn." in response.text
    pending.refresh_from_db()
    assert pending.status == ContactStatus.WITHDRAWN
    with pytest.raises(ValidationError):
        contact_request_answer(user=bob, contact_request=pending, accept=True)
    with pytest.raises(ValidationError):
        contact_request_withdraw(user=alice, contact_request=pending)


def test_collaboration_marked_by_either_side_once_accepted(alice, bob, pending):
    """Marking a collaboration needs an accepted request; then both sides can."""
    with pytest.raises(ValidationError):
        contact_request_mark_collaboration(user=alice, contact_request=pending)
    contact_request_answer(user=bob, contact_request=pending, accept=True)
    contact_request_mark_collaboration(user=alice, contact_request=pending)
    contact_request_mark_collaboration(user=bob, contact_request=pending)
    pending.refresh_from_db()
    assert pending.led_to_collaboration is True


def test_collaboration_view(client, bob, pending):
    """The receiver marks the collaboration from the request page."""
    contact_request_answer(user=bob, contact_request=pending, accept=True)
    client.force_login(bob)
    response = client.post(f"/en/contacts/{pending.pk}/collaboration/", follow=True)
    assert "recorded as a collaboration" in response.text
    pending.refresh_from_db()
    assert pending.led_to_collaboration is True


def test_collaboration_refused_by_outsider(outsider, bob, pending):
    """Someone not party to the request cannot mark it."""
    contact_request_answer(user=bob, contact_request=pending, accept=True)
    with pytest.raises(PermissionDenied):
        contact_request_mark_collaboration(user=outsider, contact_request=pending)


# Listing


def test_contact_requests_for_lists_incoming_and_outgoing_newest_first(
    alice, bob, sender, receiver
):
    """Each side sees the request in the right list, newest first."""
    first = contact_request_create(
        user=alice, sender=sender, receiver=receiver, message=MESSAGE
    )
    ContactRequest.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    contact_request_answer(user=bob, contact_request=first, accept=False)
    second = contact_request_create(
        user=alice, sender=sender, receiver=receiver, message=MESSAGE
    )
    alice_lists = contact_requests_for(user=alice)
    assert list(alice_lists.outgoing) == [second, first]
    assert list(alice_lists.incoming) == []
    assert list(contact_requests_for(user=bob).incoming) == [second, first]


def test_list_page(client, alice, bob, pending):
    """The list page shows the request with its status to both sides."""
    for user in (alice, bob):
        client.force_login(user)
        response = client.get("/en/contacts/")
        assert response.status_code == 200
        assert f'href="/en/contacts/{pending.pk}/"' in response.text
        assert "Waiting for an answer" in response.text


def test_list_page_without_member_links_to_dashboard(client):
    """A user without a member is told how to create one."""
    client.force_login(make_user("newcomer"))
    response = client.get("/en/contacts/")
    assert 'href="/en/dashboard/"' in response.text


def test_detail_shows_history(client, alice, bob, pending):
    """The request page shows when it was sent, answered and the reply."""
    contact_request_answer(
        user=bob, contact_request=pending, accept=True, reply="Rendez-vous mardi."
    )
    client.force_login(alice)
    response = client.get(f"/en/contacts/{pending.pk}/")
    assert MESSAGE in response.text
    assert "Accepted by Habitat Bob" in response.text
    assert "Rendez-vous mardi." in response.text
