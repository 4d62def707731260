"""A small network seeded with secret values, shared by the access, leak and
CSRF tests.

Roles: `anonymous`; `member`, who manages the target member; `other`, who
manages another, unrelated member; `editor`, Wagtail staff in the Editors
group; `superuser`; `suspended`, who manages a suspended member; `pending`,
who manages a member awaiting review.

The suspended, pending and refused members were part of the network (a
published experiment each, partnerships with the target, contact requests):
their names and their experiments' titles (`STOPPED_NAMES`) must appear on no
public surface.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from wagtail.documents.models import Document

from members.models import (
    Affiliation,
    ContactRequest,
    ContactStatus,
    ManagerRole,
    MemberManager,
    MemberStatus,
    Offer,
    Seek,
    Visibility,
)
from members.tests.factories import MemberFactory
from projects.models import PartnerRole, ProjectPartner, ProjectStatus
from projects.tests.factories import ProjectFactory

ROLES = ("anonymous", "member", "other", "editor", "superuser", "suspended", "pending")

# Values that must never reach anyone but the member's managers and editors.
SECRETS = {
    "email": "secret-mail-quokka@private.example.org",
    "phone": "+32 470 31 41 59",
    "website": "https://secret-site-pangolin.example.org",
    "city": "Okapiville",
    "skills": "secretskillaxolotl",
    "offers": "secret offer narwhal",
    "seeks": "secret seek dugong",
    "contact": "Secret message about the wombat plan",
}
# A member with whom the target started a collaboration through a contact
# request: the tie is private to the two of them (never cited or inferable).
PRIVATE_COLLABORATOR = "Tapir Private Collaborator"

# Members that may not act or appear, and the titles of their experiments.
SUSPENDED_NAME = "Ibex Suspended Works"
PENDING_NAME = "Jerboa Pending Collective"
REFUSED_NAME = "Quagga Refused Org"
STOPPED_NAMES = (
    SUSPENDED_NAME,
    PENDING_NAME,
    REFUSED_NAME,
    "Ibex experiment",
    "Jerboa experiment",
    "Quagga experiment",
)

# Sections hidden from anonymous visitors, and which are members-only (so
# logged-in members may see them by design).
MEMBERS_ONLY = {"skills", "website"}


@dataclass
class World:
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)


def world_build() -> World:
    User = get_user_model()
    world = World()
    users = world.users
    users["member"] = User.objects.create_user(
        "member", "member@accounts.example.org", "pw-member-1"
    )
    users["other"] = User.objects.create_user(
        "other", "other@accounts.example.org", "pw-other-1"
    )
    users["editor"] = User.objects.create_user(
        "editor", "editor@accounts.example.org", "pw-editor-1", is_staff=True
    )
    editors = Group.objects.filter(name="Editors").first()
    if editors:
        users["editor"].groups.add(editors)
    users["superuser"] = User.objects.create_superuser(
        "root", "root@accounts.example.org", "pw-root-1"
    )
    co_manager = User.objects.create_user("co", "co@accounts.example.org", "pw-co-1")

    target = MemberFactory(
        name="Target Coop",
        status=MemberStatus.PUBLISHED,
        email=SECRETS["email"],
        phone=SECRETS["phone"],
        website=SECRETS["website"],
        city=SECRETS["city"],
        skills=[SECRETS["skills"]],
        visibility={
            "website": Visibility.MEMBERS,
            "skills": Visibility.MEMBERS,
            "location": Visibility.MATCHING,
            "offers": Visibility.MATCHING,
            "seeks": Visibility.MATCHING,
        },
    )
    Offer.objects.create(member=target, text=SECRETS["offers"])
    Seek.objects.create(member=target, text=SECRETS["seeks"])
    other = MemberFactory(name="Other Asso", status=MemberStatus.PUBLISHED)
    sender = MemberFactory(name="Sender Lab", status=MemberStatus.PUBLISHED)
    person = MemberFactory(
        name="Pat Person", is_organisation=False, status=MemberStatus.PENDING
    )
    MemberManager.objects.create(
        member=target, user=users["member"], role=ManagerRole.OWNER
    )
    co = MemberManager.objects.create(
        member=target, user=co_manager, role=ManagerRole.EDITOR
    )
    MemberManager.objects.create(
        member=other, user=users["other"], role=ManagerRole.OWNER
    )
    affiliation = Affiliation.objects.create(person=person, organisation=target)
    contact = ContactRequest.objects.create(
        sender=sender, receiver=target, message=SECRETS["contact"]
    )
    draft = ProjectFactory(owner=target, status=ProjectStatus.DRAFT)
    submitted = ProjectFactory(owner=target, status=ProjectStatus.SUBMITTED)
    published = ProjectFactory(owner=target, status=ProjectStatus.PUBLISHED)
    for project in (draft, submitted, published):
        ProjectPartner.objects.create(
            project=project, member=target, role=PartnerRole.COORDINATOR
        )
    partner = ProjectPartner.objects.create(
        project=published, member=sender, role=PartnerRole.PARTNER
    )
    elsewhere = ProjectFactory(owner=sender, status=ProjectStatus.PUBLISHED)
    ProjectPartner.objects.create(
        project=elsewhere, member=sender, role=PartnerRole.COORDINATOR
    )
    invite = ProjectPartner.objects.create(
        project=elsewhere, member=target, role=PartnerRole.PARTNER, confirmed=False
    )
    collaborator = MemberFactory(
        name=PRIVATE_COLLABORATOR, status=MemberStatus.PUBLISHED
    )
    theirs = ProjectFactory(owner=collaborator, status=ProjectStatus.PUBLISHED)
    ProjectPartner.objects.create(
        project=theirs, member=collaborator, role=PartnerRole.COORDINATOR
    )
    private_tie = ContactRequest.objects.create(
        sender=target,
        receiver=collaborator,
        message="Shall we work together?",
        status=ContactStatus.ACCEPTED,
        led_to_collaboration=True,
    )
    world.objects.update(
        _stopped_members_build(users, target=target, sender=sender, published=published)
    )
    document = Document.objects.create(title="Annual report")
    document.file.save("report.txt", ContentFile(b"Annual report"), save=True)
    world.objects.update(
        target=target,
        other=other,
        sender=sender,
        person=person,
        co=co,
        affiliation=affiliation,
        contact=contact,
        draft=draft,
        submitted=submitted,
        published=published,
        partner=partner,
        elsewhere=elsewhere,
        invite=invite,
        document=document,
        collaborator=collaborator,
        private_tie=private_tie,
    )
    return world


def _stopped_members_build(users, *, target, sender, published) -> dict:
    """A suspended, a pending and a refused member, each tied to the network
    as a published one would be: an experiment of its own that the target
    joined, a partnership in the target's published experiment, a contact
    request waiting for its answer and a collaboration with the target."""
    User = get_user_model()
    users["suspended"] = User.objects.create_user(
        "suspended", "suspended@accounts.example.org", "pw-suspended-1"
    )
    users["pending"] = User.objects.create_user(
        "pending", "pending@accounts.example.org", "pw-pending-1"
    )
    objects = {}
    for key, name, status, title in (
        ("suspended", SUSPENDED_NAME, MemberStatus.SUSPENDED, "Ibex experiment"),
        ("pending_member", PENDING_NAME, MemberStatus.PENDING, "Jerboa experiment"),
        ("refused", REFUSED_NAME, MemberStatus.REFUSED, "Quagga experiment"),
    ):
        member = MemberFactory(
            name=name,
            status=status,
            email=f"{key}-contact@private.example.org",
            phone="+32 2 555 01 01",
            description=f"{name} works on housing and sustainable food.",
        )
        project = ProjectFactory(
            title=title, owner=member, status=ProjectStatus.PUBLISHED
        )
        ProjectPartner.objects.create(
            project=project, member=member, role=PartnerRole.COORDINATOR
        )
        ProjectPartner.objects.create(
            project=project, member=target, role=PartnerRole.PARTNER
        )
        objects[key] = member
        objects[f"{key}_project"] = project
        objects[f"{key}_incoming"] = ContactRequest.objects.create(
            sender=sender, receiver=member, message="Could we meet next week?"
        )
        objects[f"{key}_outgoing"] = ContactRequest.objects.create(
            sender=member, receiver=target, message="Could we meet next month?"
        )
        ContactRequest.objects.create(
            sender=member,
            receiver=sender,
            message="Let us work together.",
            status=ContactStatus.ACCEPTED,
            led_to_collaboration=True,
        )
    for key in ("suspended", "pending_member", "refused"):
        ProjectPartner.objects.create(
            project=published, member=objects[key], role=PartnerRole.PARTNER
        )
    MemberManager.objects.create(
        member=objects["suspended"], user=users["suspended"], role=ManagerRole.OWNER
    )
    MemberManager.objects.create(
        member=objects["pending_member"], user=users["pending"], role=ManagerRole.OWNER
    )
    objects["suspended_draft"] = ProjectFactory(
        title="Ibex draft", owner=objects["suspended"], status=ProjectStatus.DRAFT
    )
    objects["pending_draft"] = ProjectFactory(
        title="Jerboa draft",
        owner=objects["pending_member"],
        status=ProjectStatus.DRAFT,
    )
    for key in ("suspended_draft", "pending_draft"):
        ProjectPartner.objects.create(
            project=objects[key],
            member=objects[key].owner,
            role=PartnerRole.COORDINATOR,
        )
    return objects


# A payload that sets a global flag and opens a dialog if it ever runs, both
# as a script element and as an attribute breaking out of its quotes.
XSS = (
    "<script>window.__xss=1;alert(1)</script>"
    '"\'><img src=x onerror="window.__xss=1;alert(1)">'
)
XSS_SHORT = "<i>x</i>"


def xss_world_build(*, user=None):
    """A published member and experiment with the payload in every text field
    a member can write; `user` (optional) manages the member."""
    from members.models import Member
    from projects.models import Project, ProjectNeed

    member = Member.objects.create(
        name=f"Xss Coop {XSS}",
        kind="entrepreneur",
        headline=f"Headline {XSS}",
        description=f"Description {XSS}",
        skills=[f"skill {XSS}"],
        city=f"City {XSS}",
        postcode=XSS_SHORT,
        status=MemberStatus.PUBLISHED,
    )
    Offer.objects.create(member=member, text=f"Offer {XSS}")
    Seek.objects.create(member=member, text=f"Seek {XSS}")
    person = Member.objects.create(
        name=f"Xss Person {XSS}", kind="researcher", is_organisation=False
    )
    Affiliation.objects.create(person=person, organisation=member, title=f"T {XSS}")
    if user is not None:
        MemberManager.objects.create(member=member, user=user, role=ManagerRole.OWNER)
    project = Project.objects.create(
        title=f"Xss Experiment {XSS}",
        summary=f"Summary {XSS}",
        description=f"Project description {XSS}",
        keywords=[f"keyword {XSS}"],
        city=f"Place {XSS}",
        owner=member,
    )
    ProjectPartner.objects.create(
        project=project, member=member, role=PartnerRole.COORDINATOR
    )
    ProjectPartner.objects.create(
        project=project, member=person, role=PartnerRole.PARTNER
    )
    ProjectNeed.objects.create(project=project, kind="researcher", text=f"Need {XSS}")
    member.save()
    project.save()
    return member, project
