"""One table of who may reach each view that changes data.

Roles: anonymous, a member (manages another, unrelated profile), the manager
of the record, and an editor (Wagtail staff). Rows list the status codes each
role may get; anonymous users are always sent to the log-in page.
"""

from django.contrib.auth import get_user_model

import pytest

from members.models import ContactRequest, ManagerRole, MemberManager, MemberStatus
from members.tests.factories import MemberFactory
from projects.models import PartnerRole, ProjectPartner, ProjectStatus
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

OK = {200, 302}
HIDDEN = {403, 404}

# (name, method, url, {role: allowed statuses})
CASES = [
    (
        "profile create",
        "get",
        "/members/new/",
        {"member": OK, "manager": OK, "editor": OK},
    ),
    (
        "profile edit",
        "get",
        "/members/{member}/edit/",
        {"member": HIDDEN, "manager": OK, "editor": OK},
    ),
    (
        "profile managers",
        "get",
        "/members/{member}/managers/",
        {"member": HIDDEN, "manager": OK, "editor": OK},
    ),
    (
        "affiliations",
        "get",
        "/members/{member}/affiliations/",
        {"member": HIDDEN, "manager": OK, "editor": OK},
    ),
    ("dashboard", "get", "/dashboard/", {"member": OK, "manager": OK, "editor": OK}),
    (
        "privacy export",
        "get",
        "/dashboard/privacy/export/",
        {"member": OK, "manager": OK, "editor": OK},
    ),
    (
        "contact new",
        "get",
        "/contacts/new/{member}/",
        {"member": OK, "manager": OK | HIDDEN, "editor": OK | HIDDEN},
    ),
    (
        "contact detail",
        "get",
        "/contacts/{contact}/",
        {"member": HIDDEN, "manager": OK, "editor": OK | HIDDEN},
    ),
    (
        "contact accept",
        "post",
        "/contacts/{contact}/accept/",
        {"member": HIDDEN, "manager": OK, "editor": OK | HIDDEN},
    ),
    (
        "contact decline",
        "post",
        "/contacts/{contact}/decline/",
        {"member": HIDDEN, "manager": OK, "editor": OK | HIDDEN},
    ),
    (
        "project create",
        "get",
        "/projects/new/",
        {"member": OK, "manager": OK, "editor": OK},
    ),
    (
        "project edit",
        "get",
        "/projects/{project}/edit/",
        {"member": HIDDEN, "manager": OK, "editor": OK | HIDDEN},
    ),
    (
        "project needs",
        "get",
        "/projects/{project}/needs/",
        {"member": HIDDEN, "manager": OK, "editor": OK | HIDDEN},
    ),
    (
        "project partners",
        "get",
        "/projects/{project}/partners/",
        {"member": HIDDEN, "manager": OK, "editor": OK | HIDDEN},
    ),
    (
        "project submit",
        "post",
        "/projects/{project}/submit/",
        {"member": HIDDEN, "manager": OK, "editor": OK | HIDDEN},
    ),
    (
        "project publish",
        "post",
        "/projects/{submitted}/publish/",
        {"member": HIDDEN, "manager": OK, "editor": OK},
    ),
    (
        "project archive",
        "post",
        "/projects/{published}/archive/",
        {"member": HIDDEN, "manager": OK, "editor": OK},
    ),
    (
        "partnership confirm",
        "post",
        "/projects/partnerships/{invite}/confirm/",
        {"member": HIDDEN, "manager": OK, "editor": OK | HIDDEN},
    ),
    (
        "suggested partners panel",
        "get",
        "/projects/{published}/suggested-partners/",
        {"member": HIDDEN, "manager": OK, "editor": OK | HIDDEN},
    ),
    (
        "suggested partner dismiss",
        "post",
        "/projects/{published}/suggested-partners/{sender_id}/dismiss/",
        {"member": HIDDEN, "manager": OK, "editor": OK | HIDDEN},
    ),
    (
        "dashboard dismiss member",
        "post",
        "/dashboard/suggestions/{target_id}/members/{sender_id}/dismiss/",
        {"member": HIDDEN, "manager": OK, "editor": HIDDEN},
    ),
    (
        "dashboard dismiss project",
        "post",
        "/dashboard/suggestions/{target_id}/projects/{elsewhere_id}/dismiss/",
        {"member": HIDDEN, "manager": OK, "editor": HIDDEN},
    ),
]


@pytest.fixture
def world():
    User = get_user_model()
    users = {
        "member": User.objects.create_user("member", "member@example.org", "pw"),
        "manager": User.objects.create_user("manager", "manager@example.org", "pw"),
        "editor": User.objects.create_user(
            "editor", "editor@example.org", "pw", is_staff=True, is_superuser=True
        ),
    }
    target = MemberFactory(name="Target", status=MemberStatus.PUBLISHED)
    other = MemberFactory(name="Other", status=MemberStatus.PUBLISHED)
    sender = MemberFactory(name="Sender", status=MemberStatus.PUBLISHED)
    MemberManager.objects.create(
        member=target, user=users["manager"], role=ManagerRole.OWNER
    )
    MemberManager.objects.create(
        member=other, user=users["member"], role=ManagerRole.OWNER
    )
    contact = ContactRequest.objects.create(
        sender=sender, receiver=target, message="Shall we work together on this?"
    )
    draft = ProjectFactory(owner=target, status=ProjectStatus.DRAFT)
    submitted = ProjectFactory(owner=target, status=ProjectStatus.SUBMITTED)
    published = ProjectFactory(owner=target, status=ProjectStatus.PUBLISHED)
    for project in (draft, submitted, published):
        ProjectPartner.objects.create(
            project=project, member=target, role=PartnerRole.COORDINATOR
        )
    elsewhere = ProjectFactory(owner=sender, status=ProjectStatus.PUBLISHED)
    invite = ProjectPartner.objects.create(
        project=elsewhere, member=target, role=PartnerRole.PARTNER, confirmed=False
    )
    urls = {
        "member": target.slug,
        "contact": contact.pk,
        "project": draft.slug,
        "submitted": submitted.slug,
        "published": published.slug,
        "invite": invite.pk,
        "target_id": target.pk,
        "sender_id": sender.pk,
        "elsewhere_id": elsewhere.pk,
    }
    return users, urls


@pytest.mark.parametrize(
    ("name", "method", "url", "expected"), CASES, ids=[c[0] for c in CASES]
)
@pytest.mark.parametrize("role", ["anonymous", "member", "manager", "editor"])
def test_permission_matrix(client, world, role, name, method, url, expected):
    users, urls = world
    if role != "anonymous":
        client.force_login(users[role])
    response = getattr(client, method)("/en" + url.format(**urls))
    if role == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    else:
        assert response.status_code in expected[role], (
            f"{name} as {role}: {response.status_code}"
        )
        if response.status_code == 302:
            assert "/accounts/login/" not in response["Location"]
