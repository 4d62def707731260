"""Member workflows on experiment projects: creation, editing, the publication
lifecycle and partnerships.

Who may do what:

- A user *manages* a project when they manage (through `MemberManager`) the
  member that owns it (`Project.owner`).
- *Editors* (staff or superusers) moderate: they see every project and publish
  the submitted ones.

The read helpers (selectors) live here too, next to the rules they share.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from hub.emails import email_messages
from hub.throttling import limit_consume
from members.accounts import address_languages
from members.models import Member, unique_slug
from members.permissions import (
    member_appearing_q,
    member_may_act,
    member_may_appear,
    member_require_act,
    member_require_prepare,
)
from projects.models import (
    PartnerRole,
    Project,
    ProjectPartner,
    ProjectStatus,
)

logger = logging.getLogger(__name__)

# Slugs that would collide with the fixed URLs under /projects/.
RESERVED_SLUGS = {"new"}

# The project fields a member may set through the create and edit forms.
EDITABLE_FIELDS = (
    "title",
    "summary",
    "description",
    "stage",
    "keywords",
    "commune",
    "city",
    "country",
    "start_date",
    "end_date",
    "languages",
    "sdgs",
)


class ProjectTransitionError(Exception):
    """A lifecycle action that the project's status or the user's rights forbid.

    `str(error)` is a translated message meant for the user.
    """


# Selectors -----------------------------------------------------------------


def user_is_editor(*, user) -> bool:
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def project_managed_by(*, project: Project, user) -> bool:
    """Whether `user` manages the member that owns `project`."""
    if not user.is_authenticated or project.owner_id is None:
        return False
    return Member.objects.managed_by(user).filter(pk=project.owner_id).exists()


def projects_managed_by(*, user) -> QuerySet[Project]:
    """The projects whose owner member `user` manages, newest first."""
    if not user.is_authenticated:
        return Project.objects.none()
    return Project.objects.filter(owner__managers__user=user).select_related("owner")


def project_visible_to(*, project: Project, user) -> bool:
    """Published projects are public; the others only to managers and editors."""
    return (
        project.is_public
        or user_is_editor(user=user)
        or project_managed_by(project=project, user=user)
    )


def project_public_partnerships(*, project: Project) -> QuerySet[ProjectPartner]:
    """Partners shown on the public page: confirmed, with a published profile."""
    return project.partnerships.filter(
        member_appearing_q("member__"), confirmed=True
    ).select_related("member")


def partnerships_awaiting_confirmation(*, user) -> QuerySet[ProjectPartner]:
    """Partnerships proposed to members that `user` manages, not yet answered."""
    if not user.is_authenticated:
        return ProjectPartner.objects.none()
    return (
        ProjectPartner.objects.filter(confirmed=False, member__managers__user=user)
        .select_related("project", "member")
        .order_by("-pk")
    )


def partnership_answerable_by(*, partnership: ProjectPartner, user) -> bool:
    """Whether `user` may confirm or decline `partnership` (manages its member)."""
    if not user.is_authenticated:
        return False
    return partnership.member.managers.filter(user=user).exists()


# Creation and editing ------------------------------------------------------


def _check_manages_member(*, member: Member, user) -> None:
    if not Member.objects.managed_by(user).filter(pk=member.pk).exists():
        raise PermissionDenied(_("You do not manage this member."))
    member_require_prepare(member)


def _check_manages_project(*, project: Project, user) -> None:
    """A manager of the owner, which may still prepare (not suspended)."""
    if not project_managed_by(project=project, user=user):
        raise PermissionDenied(_("You do not manage this experiment."))
    member_require_prepare(project.owner)


def _check_manager_or_editor(*, project: Project, user) -> None:
    if user_is_editor(user=user):
        return
    _check_manages_project(project=project, user=user)


def _ensure_owner_is_coordinator(*, project: Project) -> None:
    ProjectPartner.objects.get_or_create(
        project=project,
        member=project.owner,
        defaults={"role": PartnerRole.COORDINATOR, "confirmed": True},
    )


def _set_fields(project: Project, attrs: dict) -> None:
    unknown = set(attrs) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable: {', '.join(sorted(unknown))}")
    for name, value in attrs.items():
        setattr(project, name, value)


@transaction.atomic
def project_create(
    *, user, owner: Member, sectors=(), disciplines=(), **attrs
) -> Project:
    """Create a draft project owned by `owner`, a member that `user` manages.

    The owner becomes the confirmed coordinator partner.
    """
    _check_manages_member(member=owner, user=user)
    project = Project(owner=owner, status=ProjectStatus.DRAFT)
    _set_fields(project, attrs)
    if unique_slug(Project, project.title) in RESERVED_SLUGS:
        project.slug = unique_slug(Project, f"{project.title} experiment")
    project.full_clean()
    project.save()
    project.sectors.set(sectors)
    project.disciplines.set(disciplines)
    _ensure_owner_is_coordinator(project=project)
    return project


@transaction.atomic
def project_update(
    *,
    project: Project,
    user,
    owner: Member | None = None,
    sectors=None,
    disciplines=None,
    **attrs,
) -> Project:
    """Change a project's description; its status is left alone.

    A new `owner` must be a member that `user` manages too; it becomes a
    coordinator if it is not a partner yet.
    """
    _check_manages_project(project=project, user=user)
    if owner is not None and owner.pk != project.owner_id:
        _check_manages_member(member=owner, user=user)
        project.owner = owner
    _set_fields(project, attrs)
    project.full_clean()
    project.save()
    if sectors is not None:
        project.sectors.set(sectors)
    if disciplines is not None:
        project.disciplines.set(disciplines)
    _ensure_owner_is_coordinator(project=project)
    return project


@transaction.atomic
def project_needs_update(*, project: Project, user, formset) -> None:
    """Save a valid `ProjectNeed` inline formset of a project that `user` manages."""
    _check_manages_project(project=project, user=user)
    formset.instance = project
    formset.save()


# Lifecycle ------------------------------------------------------------------


def _set_status(project: Project, status: str) -> Project:
    project.status = status
    project.save(update_fields=["status", "updated_at"])
    return project


def _require_status(project: Project, *allowed: str, message: str) -> None:
    if project.status not in allowed:
        raise ProjectTransitionError(message)


def project_submit(*, project: Project, user) -> Project:
    """draft → submitted, by a manager: asks the editors to review it."""
    _check_manages_project(project=project, user=user)
    _require_status(
        project,
        ProjectStatus.DRAFT,
        message=_("Only a draft can be submitted for review (this one is %(status)s).")
        % {"status": project.get_status_display()},
    )
    project = _set_status(project, ProjectStatus.SUBMITTED)
    from hub.moderation import review_awaited_notify

    review_awaited_notify(project=project)
    return project


def project_can_publish_directly(*, project: Project, user) -> bool:
    """Managers whose owner member is published skip the editors' review."""
    return member_may_act(project.owner) and project_managed_by(
        project=project, user=user
    )


def project_publish(*, project: Project, user) -> Project:
    """Make a project public.

    Two routes, by design:

    - an editor publishes a *submitted* project (the review);
    - a manager publishes a *draft or submitted* project directly when the
      owner member is itself published: the member was already reviewed, so
      its experiments are trusted like its profile. Managers of a member still
      pending review must submit the project and wait for an editor.
    """
    _check_manager_or_editor(project=project, user=user)
    if project.status == ProjectStatus.PUBLISHED:
        raise ProjectTransitionError(_("This experiment is already published."))
    if project.status == ProjectStatus.ARCHIVED:
        raise ProjectTransitionError(
            _("An archived experiment must be reopened before it is published again.")
        )
    if project_can_publish_directly(project=project, user=user):
        return _set_status(project, ProjectStatus.PUBLISHED)
    if user_is_editor(user=user):
        _require_status(
            project,
            ProjectStatus.SUBMITTED,
            message=_("Only an experiment submitted for review can be published."),
        )
        return _set_status(project, ProjectStatus.PUBLISHED)
    raise ProjectTransitionError(
        _(
            "Your profile is not published yet, so an editor reviews this "
            "experiment first: submit it for review."
        )
    )


def project_archive(*, project: Project, user) -> Project:
    """published → archived, by a manager (or an editor): off the public site."""
    _check_manager_or_editor(project=project, user=user)
    _require_status(
        project,
        ProjectStatus.PUBLISHED,
        message=_("Only a published experiment can be archived."),
    )
    return _set_status(project, ProjectStatus.ARCHIVED)


def project_reopen(*, project: Project, user) -> Project:
    """archived → draft, by a manager (or an editor), to edit and publish again."""
    _check_manager_or_editor(project=project, user=user)
    _require_status(
        project,
        ProjectStatus.ARCHIVED,
        message=_("Only an archived experiment can be reopened."),
    )
    return _set_status(project, ProjectStatus.DRAFT)


# Partnerships ---------------------------------------------------------------


def _notify_partner_managers(*, partnership: ProjectPartner, base_url: str) -> int:
    """E-mail each manager of the partner, in their own language."""
    recipients = sorted(
        {
            manager.user.email
            for manager in partnership.member.managers.select_related("user")
            if manager.user.email
        }
    )
    if not recipients:
        return 0
    root = (base_url or getattr(settings, "WAGTAILADMIN_BASE_URL", "")).rstrip("/")

    def confirm_url() -> str:
        # Called while each e-mail is written: the link opens in its language.
        return root + reverse("projects:partnership_confirm", args=[partnership.pk])

    messages = email_messages(
        prefix="projects/email/partnership_request",
        context={
            "partnership": partnership,
            "project": partnership.project,
            "member": partnership.member,
            "confirm_url": confirm_url,
        },
        languages=address_languages(recipients),
    )
    try:
        return get_connection(fail_silently=True).send_messages(messages) or 0
    except OSError:
        logger.exception("Could not ask %s to confirm a partnership", partnership)
        return 0


def _check_may_invite(*, project: Project, member: Member, user) -> None:
    """An invitation e-mails another member's managers: only from a published
    profile (a pending one could reach anyone around the contact limit), and
    within the limits per inviting account and per invited member."""
    if not member_may_act(project.owner):
        raise ValidationError(
            _(
                "Partners can be invited once your profile is published; "
                "until then, add the members you manage."
            )
        )
    if not limit_consume(action="partner_invite", key=f"user:{user.pk}"):
        raise ValidationError(
            _("You have sent many invitations today. Try again tomorrow.")
        )
    if not limit_consume(action="partner_invite_member", key=f"member:{member.pk}"):
        raise ValidationError(
            _("%(member)s was invited several times today. Try again tomorrow.")
            % {"member": member.name}
        )


def partner_add(
    *,
    project: Project,
    member: Member,
    role: str,
    user,
    base_url: str = "",
) -> ProjectPartner:
    """Add `member` as a partner of a project that `user` manages.

    When `user` also manages `member` the partnership is confirmed at once;
    otherwise it waits for the member's managers, who get an e-mail.
    """
    _check_manages_project(project=project, user=user)
    if not member_may_appear(member):
        raise ValidationError(_("Only published members can be added as partners."))
    if project.partnerships.filter(member=member).exists():
        raise ValidationError(
            _("%(member)s is already a partner of this experiment.")
            % {"member": member.name}
        )
    confirmed = Member.objects.managed_by(user).filter(pk=member.pk).exists()
    if not confirmed:
        _check_may_invite(project=project, member=member, user=user)
    with transaction.atomic():
        partnership = ProjectPartner.objects.create(
            project=project, member=member, role=role, confirmed=confirmed
        )
    if not confirmed:
        _notify_partner_managers(partnership=partnership, base_url=base_url)
    return partnership


def partner_remove(*, partnership: ProjectPartner, user) -> None:
    """Remove a partner; a project always keeps a confirmed coordinator."""
    project = partnership.project
    _check_manages_project(project=project, user=user)
    if partnership.role == PartnerRole.COORDINATOR and partnership.confirmed:
        others = project.partnerships.filter(
            role=PartnerRole.COORDINATOR, confirmed=True
        ).exclude(pk=partnership.pk)
        if not others.exists():
            raise ValidationError(
                _("An experiment needs a coordinator: this one cannot be removed.")
            )
    with transaction.atomic():
        partnership.delete()


def partnership_confirm(*, partnership: ProjectPartner, user) -> ProjectPartner:
    """The partner member's manager accepts: the partner becomes public."""
    if not partnership_answerable_by(partnership=partnership, user=user):
        raise PermissionDenied(_("You do not manage this member."))
    member_require_act(partnership.member)
    if partnership.confirmed:
        raise ValidationError(_("This partnership is already confirmed."))
    partnership.confirmed = True
    with transaction.atomic():
        partnership.save(update_fields=["confirmed"])
    return partnership


def partnership_decline(*, partnership: ProjectPartner, user) -> None:
    """The partner member's manager refuses: the proposal is deleted."""
    if not partnership_answerable_by(partnership=partnership, user=user):
        raise PermissionDenied(_("You do not manage this member."))
    if partnership.confirmed:
        raise ValidationError(
            _("This partnership is already confirmed; ask the coordinator to end it.")
        )
    with transaction.atomic():
        partnership.delete()
