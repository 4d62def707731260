""" "Get in touch" on public profiles and experiment pages: every visitor is
told, before clicking, how to contact the member behind the page, and the
contact form offers the right experiments."""

from django.contrib.auth import get_user_model

import pytest

from members.models import ContactRequest, MemberManager, MemberStatus
from members.tests.factories import MemberFactory
from projects.models import ProjectStatus
from projects.tests.factories import ProjectFactory, ProjectPartnerFactory

pytestmark = pytest.mark.django_db

MESSAGE = "Bonjour, we would like to test a shared repair café with you."


def make_user(name):
    return get_user_model().objects.create_user(
        username=name, email=f"{name}@accounts.example.org", password="x"
    )


def managed_member(user, **fields):
    member = MemberFactory(**fields)
    MemberManager.objects.create(member=member, user=user)
    return member


@pytest.fixture
def receiver():
    owner = make_user("receiver-owner")
    return managed_member(owner, name="Habitat Bob", email="bob@habitat.example.org")


@pytest.fixture
def experiment(receiver):
    return ProjectFactory(title="Toits verts partagés", owner=receiver)


@pytest.fixture
def alice():
    return make_user("alice")


def block(response) -> str:
    """The "Get in touch" section of a page ('' when there is none)."""
    html = response.content.decode()
    if 'id="get-in-touch"' not in html:
        return ""
    start = html.index('<section class="get-in-touch"')
    return html[start : html.index("</section>", start)]


# Profile pages


def test_anonymous_visitor_is_sent_to_sign_in_and_back_to_the_form(client, receiver):
    """An anonymous visitor reads why to sign in and gets sign-in and sign-up
    links that come back to the contact form."""
    html = block(client.get(receiver.get_absolute_url()))
    assert "Sign in or create an account to contact Habitat Bob" in html
    assert f'href="/en/accounts/login/?next=/en/contacts/new/{receiver.slug}/"' in html
    assert f'href="/en/accounts/signup/?next=/en/contacts/new/{receiver.slug}/"' in html


def test_user_without_member_is_asked_to_create_a_profile(client, receiver):
    """A signed-in user who manages no member is told a profile is needed and
    linked to the profile form, with no dead-end contact button."""
    client.force_login(make_user("newcomer"))
    html = block(client.get(receiver.get_absolute_url()))
    assert "you need a member profile" in html
    assert 'href="/en/members/new/"' in html
    assert "/contacts/new/" not in html


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (MemberStatus.PENDING, "Your profile is waiting for review by an editor"),
        (MemberStatus.SUSPENDED, "Your profile is suspended"),
    ],
)
def test_member_with_unpublished_profile_is_told_before_clicking(
    client, alice, receiver, status, text
):
    """A member whose only profile is pending or suspended reads why it cannot
    write yet, on the profile itself: no button leads to a dead end."""
    managed_member(alice, name="Atelier Alice", status=status)
    client.force_login(alice)
    html = block(client.get(receiver.get_absolute_url()))
    assert text in html
    assert "/contacts/new/" not in html
    # The form says the same if reached anyway, and offers no form.
    response = client.get(f"/en/contacts/new/{receiver.slug}/")
    assert text in response.text
    assert '<form class="form"' not in response.text


def test_member_with_published_profile_gets_the_button(client, alice, receiver):
    """A member with a published profile gets a "Contact …" button to the
    form; nothing private of the receiver is on the page."""
    managed_member(alice, name="Atelier Alice")
    client.force_login(alice)
    response = client.get(receiver.get_absolute_url())
    html = block(response)
    assert f'href="/en/contacts/new/{receiver.slug}/"' in html
    assert "Contact Habitat Bob" in html
    assert "several profiles" not in html
    assert "bob@habitat.example.org" not in response.text


def test_member_with_several_profiles_is_told_it_will_choose(client, alice, receiver):
    """Managing several published profiles, the user is told the form asks
    which one writes, and the form does ask."""
    managed_member(alice, name="Atelier Alice")
    managed_member(alice, name="Alice en personne", is_organisation=False)
    client.force_login(alice)
    assert "you will choose which one writes" in block(
        client.get(receiver.get_absolute_url())
    )
    assert (
        '<select name="sender"' in client.get(f"/en/contacts/new/{receiver.slug}/").text
    )


def test_own_profile_shows_no_contact_button(client, receiver):
    """The member's own managers see where requests arrive, not a button to
    contact themselves."""
    client.force_login(receiver.managers.get().user)
    html = block(client.get(receiver.get_absolute_url()))
    assert "This is your profile" in html
    assert 'href="/en/contacts/"' in html
    assert "/contacts/new/" not in html


def test_receiver_closed_to_collaboration_says_so(client, alice, receiver):
    """A member not open to collaboration shows a notice instead of a button."""
    managed_member(alice, name="Atelier Alice")
    receiver.open_to_collaboration = False
    receiver.save()
    client.force_login(alice)
    html = block(client.get(receiver.get_absolute_url()))
    assert "is not accepting contact requests" in html
    assert "/contacts/new/" not in html


def test_request_already_waiting_is_shown_instead_of_the_button(
    client, alice, receiver
):
    """A request waiting for an answer is linked, and no second one is
    offered; a request the receiver sent is to be answered."""
    sender = managed_member(alice, name="Atelier Alice")
    waiting = ContactRequest.objects.create(
        sender=sender, receiver=receiver, sent_by=alice, message=MESSAGE
    )
    client.force_login(alice)
    html = block(client.get(receiver.get_absolute_url()))
    assert "You have already asked Habitat Bob" in html
    assert f'href="/en/contacts/{waiting.pk}/"' in html
    assert "/contacts/new/" not in html

    waiting.delete()
    asked = ContactRequest.objects.create(
        sender=receiver, receiver=sender, message=MESSAGE
    )
    html = block(client.get(receiver.get_absolute_url()))
    assert "waiting for your answer" in html
    assert f'href="/en/contacts/{asked.pk}/"' in html


def test_unpublished_profile_preview_has_no_block(client, receiver):
    """A pending profile previewed by its manager offers no contact at all."""
    receiver.status = MemberStatus.PENDING
    receiver.save()
    client.force_login(receiver.managers.get().user)
    response = client.get(receiver.get_absolute_url())
    assert response.status_code == 200
    assert block(response) == ""


# Experiment pages


def test_experiment_page_contacts_its_owner_about_it(client, alice, experiment):
    """On a published experiment, the button contacts its owner about that
    experiment; anonymous visitors sign in first and come back there."""
    url = f"/en/contacts/new/{experiment.owner.slug}/?project={experiment.slug}"
    html = block(client.get(experiment.get_absolute_url()))
    assert "Sign in or create an account to contact Habitat Bob" in html
    assert "next=/en/contacts/new/" in html and f"project%3D{experiment.slug}" in html

    managed_member(alice, name="Atelier Alice")
    client.force_login(alice)
    html = block(client.get(experiment.get_absolute_url()))
    assert f'href="{url}"' in html
    assert "Contact Habitat Bob about this experiment" in html


def test_experiment_without_owner_contacts_its_coordinator(client, alice, receiver):
    """Imported experiments have no owner: their published coordinator is the
    one to contact."""
    imported = ProjectFactory(title="Expérience importée", owner=None)
    ProjectPartnerFactory(project=imported, member=receiver, role="coordinator")
    ProjectPartnerFactory(project=imported, member=MemberFactory(), role="partner")
    managed_member(alice, name="Atelier Alice")
    client.force_login(alice)
    html = block(client.get(imported.get_absolute_url()))
    assert f'href="/en/contacts/new/{receiver.slug}/?project={imported.slug}"' in html
    assert "Write to Habitat Bob, who runs it." in html


def test_experiment_managers_see_no_contact_button(client, experiment):
    client.force_login(experiment.owner.managers.get().user)
    html = block(client.get(experiment.get_absolute_url()))
    assert "Other members contact you about this experiment" in html
    assert "/contacts/new/" not in html


def test_draft_experiment_has_no_block(client, experiment):
    experiment.status = ProjectStatus.DRAFT
    experiment.save()
    client.force_login(experiment.owner.managers.get().user)
    response = client.get(experiment.get_absolute_url())
    assert response.status_code == 200
    assert block(response) == ""


# The experiments the contact form offers


def test_form_from_an_experiment_page_preselects_it_and_says_whose(
    client, alice, receiver, experiment
):
    """Coming from the receiver's experiment, that experiment is chosen and
    labelled with its owner; the sender's own experiments are offered too,
    the receiver's other experiments are not."""
    sender = managed_member(alice, name="Atelier Alice")
    ProjectFactory(title="Notre atelier vélo", owner=sender)
    ProjectFactory(title="Autre projet de Bob", owner=receiver)
    client.force_login(alice)
    response = client.get(
        f"/en/contacts/new/{receiver.slug}/?project={experiment.slug}"
    )
    html = response.text
    assert (
        f'<option value="{experiment.pk}" selected>Toits verts partagés '
        "(experiment of Habitat Bob)</option>"
    ) in html
    assert "Notre atelier vélo (experiment of Atelier Alice)" in html
    assert "Autre projet de Bob" not in html
    assert (
        f'action="/en/contacts/new/{receiver.slug}/?project={experiment.slug}"' in html
    )

    response = client.post(
        f"/en/contacts/new/{receiver.slug}/?project={experiment.slug}",
        {"sender": sender.pk, "project": experiment.pk, "message": MESSAGE},
    )
    assert response.status_code == 302
    assert ContactRequest.objects.get().project == experiment


def test_form_from_a_profile_offers_the_senders_experiments_only(
    client, alice, receiver, experiment
):
    """From a profile, the choice lists the sender's own published experiments
    (also those it is a confirmed partner of), not the receiver's."""
    sender = managed_member(alice, name="Atelier Alice")
    ProjectFactory(title="Notre atelier vélo", owner=sender)
    joined = ProjectFactory(title="Cuisine partagée", owner=MemberFactory(name="Coop"))
    ProjectPartnerFactory(project=joined, member=sender, confirmed=True)
    ProjectFactory(title="Brouillon", owner=sender, status=ProjectStatus.DRAFT)
    client.force_login(alice)
    html = client.get(f"/en/contacts/new/{receiver.slug}/").text
    assert "Notre atelier vélo (experiment of Atelier Alice)" in html
    assert "Cuisine partagée (experiment of Coop)" in html
    assert "Toits verts partagés" not in html
    assert "Brouillon" not in html
    # A forged choice of the receiver's experiment is refused.
    response = client.post(
        f"/en/contacts/new/{receiver.slug}/",
        {"sender": sender.pk, "project": experiment.pk, "message": MESSAGE},
    )
    assert response.status_code == 200
    assert not ContactRequest.objects.exists()


def test_form_refuses_an_experiment_of_the_other_sender(client, alice, receiver):
    """With two profiles, the experiment named must belong to the one that
    writes."""
    first = managed_member(alice, name="Atelier Alice")
    second = managed_member(alice, name="Alice en personne")
    theirs = ProjectFactory(title="Projet du premier", owner=first)
    client.force_login(alice)
    response = client.post(
        f"/en/contacts/new/{receiver.slug}/",
        {"sender": second.pk, "project": theirs.pk, "message": MESSAGE},
    )
    assert response.status_code == 200
    assert "is not an experiment of Alice en personne" in response.text
    assert not ContactRequest.objects.exists()
