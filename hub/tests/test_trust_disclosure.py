"""Nothing reveals what a member may not see (issue 16, class 5).

Look-ups by id answer like the pages do: a record the user may not see is a
404, whose body names nothing. Adding a manager by e-mail answers the same
whether or not an account uses the address, and makes nobody a manager
without consent: a verified account receives an invitation it accepts.
"""

from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import translation

import pytest
from allauth.account.models import EmailAddress

from members.models import Dismissal, ManagerRole, MemberManager, MemberStatus
from members.tests.factories import MemberFactory
from projects.models import PartnerRole, ProjectPartner, ProjectStatus
from projects.tests.factories import ProjectFactory

SECRET_TITLE = "Pangolin secret draft"
SECRET_NAME = "Okapi pending person"


@pytest.fixture
def world(db):
    User = get_user_model()
    user = User.objects.create_user("owner", "owner@example.org", "pw")
    mine = MemberFactory(name="Mine Coop", status=MemberStatus.PUBLISHED)
    MemberManager.objects.create(member=mine, user=user, role=ManagerRole.OWNER)
    project = ProjectFactory(owner=mine, status=ProjectStatus.PUBLISHED)
    ProjectPartner.objects.create(
        project=project, member=mine, role=PartnerRole.COORDINATOR
    )
    someone = MemberFactory(name="Someone Else", status=MemberStatus.PUBLISHED)
    draft = ProjectFactory(
        title=SECRET_TITLE, owner=someone, status=ProjectStatus.DRAFT
    )
    pending = MemberFactory(name=SECRET_NAME, status=MemberStatus.PENDING)
    public = ProjectFactory(title="Public experiment", status=ProjectStatus.PUBLISHED)
    return {
        "user": user,
        "mine": mine,
        "project": project,
        "draft": draft,
        "pending": pending,
        "public": public,
        "someone": someone,
    }


def _said(client, response) -> str:
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    return shown + response.content.decode()


@pytest.mark.parametrize("case", ["draft", "pending", "pending-panel"])
def test_dismissing_by_id_never_names_what_the_user_may_not_see(client, world, case):
    """Dismissing another member's draft or a pending profile by id is a 404
    that names neither, and records nothing."""
    client.force_login(world["user"])
    with translation.override("en"):
        if case == "draft":
            url = reverse(
                "dashboard:dismiss_project", args=[world["mine"].pk, world["draft"].pk]
            )
        elif case == "pending":
            url = reverse(
                "dashboard:dismiss_member", args=[world["mine"].pk, world["pending"].pk]
            )
        else:
            url = reverse(
                "projects:suggestion_dismiss",
                args=[world["project"].slug, world["pending"].pk],
            )
    response = client.post(url)
    assert response.status_code == 404
    said = _said(client, response)
    assert SECRET_TITLE not in said and SECRET_NAME not in said
    assert not Dismissal.objects.exists()


def test_dismissing_a_published_suggestion_still_works(client, world):
    """A published experiment and a published member are dismissed as before,
    and the message names them (control case)."""
    client.force_login(world["user"])
    with translation.override("en"):
        url = reverse(
            "dashboard:dismiss_project", args=[world["mine"].pk, world["public"].pk]
        )
        other = reverse(
            "dashboard:dismiss_member", args=[world["mine"].pk, world["someone"].pk]
        )
    response = client.post(url)
    assert response.status_code == 302
    assert "Public experiment" in _said(client, response)
    assert client.post(other).status_code == 302
    assert Dismissal.objects.count() == 2


def _account(username, email, *, verified):
    user = get_user_model().objects.create_user(username, email, "pw")
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


def _invite(client, world, email) -> str:
    client.force_login(world["user"])
    with translation.override("en"):
        url = reverse("members:managers", args=[world["mine"].slug])
    response = client.post(url, {"email": email, "role": "editor"}, follow=True)
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    errors = response.context["form"].errors if "form" in response.context else {}
    return repr((shown, dict(errors))).replace(email, "<address>")


def test_adding_a_manager_says_the_same_whether_or_not_an_account_exists(client, world):
    """A verified account, an unverified one and an unknown address get the
    same answer, and none of them becomes a manager on the spot."""
    _account("verified", "verified@example.org", verified=True)
    _account("unverified", "unverified@example.org", verified=False)
    answers = {
        email: _invite(client, world, email)
        for email in (
            "verified@example.org",
            "unverified@example.org",
            "nobody@example.org",
        )
    }
    assert len(set(answers.values())) == 1, answers
    assert world["mine"].managers.count() == 1


def test_a_verified_account_accepts_a_manager_invitation(client, world):
    """The verified account gets an e-mail with a link, and finds the
    invitation on its dashboard; only that account can open and accept it;
    accepting makes it a manager with the role offered."""
    invited = _account("verified", "verified@example.org", verified=True)
    intruder = _account("intruder", "intruder@example.org", verified=True)
    mail.outbox.clear()
    _invite(client, world, "verified@example.org")
    assert [m.to for m in mail.outbox] == [["verified@example.org"]]
    from members.models import ManagerInvitation

    invitation = ManagerInvitation.objects.get()
    with translation.override("en"):
        accept = reverse("members:manager_invitation_accept", args=[invitation.pk])
        page = reverse("members:manager_invitation", args=[invitation.pk])
    assert accept in mail.outbox[0].body or page in mail.outbox[0].body
    client.force_login(intruder)
    assert client.get(page).status_code == 404
    assert client.post(accept).status_code == 404
    assert not world["mine"].managers.filter(user=intruder).exists()
    client.force_login(invited)
    with translation.override("en"):
        dashboard = client.get(reverse("dashboard:home"))
    assert page in dashboard.text
    assert client.get(page).status_code == 200
    assert client.post(accept).status_code == 302
    manager = world["mine"].managers.get(user=invited)
    assert manager.role == ManagerRole.EDITOR


def test_an_unverified_account_is_neither_added_nor_invited(client, world):
    """An account whose address is not verified is not made a manager and
    gets no e-mail: it could be someone else's address."""
    _account("unverified", "unverified@example.org", verified=False)
    mail.outbox.clear()
    _invite(client, world, "unverified@example.org")
    assert mail.outbox == []
    assert world["mine"].managers.count() == 1
