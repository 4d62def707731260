"""Moderation by the site's editors: decisions on profiles waiting for review,
the e-mails that tell people about them, and visitors' reports.

- An editor approves or refuses a pending profile in one click from the
  Wagtail admin (`member_review`); the system records who and when, and each
  manager of the profile is e-mailed the decision (with the editor's reason
  when refused) in their own language.
- Editors are e-mailed, each in their language, when a profile awaits review
  or an experiment is submitted (`review_awaited_notify`): the places that
  make a profile pending or submit an experiment call it.
- Visitors report a public profile or experiment (`report_create`); editors
  close reports in the admin's queue, suspending the member or unpublishing
  the experiment when needed (`report_act`).

Who decides: an active user who may use the admin and holds the model's
change permission (superusers hold every permission).
"""

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.emails import absolute_reverse_lazy, absolute_url, email_messages
from hub.models import Report, ReportCategory, ReportStatus
from members.accounts import account_language, address_languages
from members.models import Member, MemberStatus
from projects.models import Project, ProjectStatus

logger = logging.getLogger(__name__)

REASON_MAX = 2000


class Decision:
    APPROVE = "approve"
    REFUSE = "refuse"


# Who moderates ---------------------------------------------------------------


def _permission(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def user_may_moderate(*, user, model=Member) -> bool:
    """Whether `user` may take moderation decisions on `model` records."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.has_perm("wagtailadmin.access_admin")
        and user.has_perm(_permission(model, "change"))
    )


def moderators_for(*, model=Member):
    """Active accounts with an address that may moderate `model` records."""
    app_label, codename = _permission(model, "change").split(".")
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    )
    admin = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    allowed = Q(is_superuser=True) | (
        (Q(user_permissions__in=permission) | Q(groups__permissions__in=permission))
        & (Q(user_permissions__in=admin) | Q(groups__permissions__in=admin))
    )
    return users.filter(allowed).distinct().order_by("pk")


def _send(messages, what: str) -> int:
    if not messages:
        return 0
    try:
        get_connection().send_messages(messages)
    except OSError:
        logger.exception("Could not send %s", what)
        return 0
    return len(messages)


# Decisions on profiles -----------------------------------------------------


def _manager_addresses(member: Member) -> list[str]:
    return list(
        member.managers.filter(user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def member_review(*, member: Member, user, decision: str, reason: str = "") -> Member:
    """Approve (publish) or refuse a profile waiting for review; a refusal
    needs the reason given to the member. The managers are e-mailed."""
    if not user_may_moderate(user=user, model=Member):
        raise PermissionDenied(_("You may not moderate profiles."))
    reason = reason.strip()
    if decision == Decision.APPROVE:
        status = MemberStatus.PUBLISHED
    elif decision == Decision.REFUSE:
        status = MemberStatus.REFUSED
        if not reason:
            raise ValidationError(
                {"reason": _("Say why the profile is refused: the member reads it.")}
            )
    else:
        raise ValidationError(_("Unknown decision."))
    if len(reason) > REASON_MAX:
        message = _("Keep the reason under %(max)d characters.")
        raise ValidationError({"reason": message % {"max": REASON_MAX}})
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        member.status = status
        member.reviewed_at = timezone.now()
        member.reviewed_by = user
        member.moderation_reason = reason if status == MemberStatus.REFUSED else ""
        member.save()
    member_decision_notify(member=member)
    return member


def member_suspend(*, member: Member, user, reason: str = "") -> Member:
    """Take a profile off the site (from a report, for example)."""
    if not user_may_moderate(user=user, model=Member):
        raise PermissionDenied(_("You may not moderate profiles."))
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        member.status = MemberStatus.SUSPENDED
        member.reviewed_at = timezone.now()
        member.reviewed_by = user
        member.moderation_reason = reason.strip()[:REASON_MAX]
        member.save()
    member_decision_notify(member=member)
    return member


def member_status_recorded(*, member: Member, user) -> None:
    """An editor changed `member`'s status by hand in the admin's edit form:
    the system records who and when, and tells the managers."""
    updates = {"reviewed_at": timezone.now(), "reviewed_by": user}
    if member.status == MemberStatus.PUBLISHED:
        updates["moderation_reason"] = ""
    Member.objects.filter(pk=member.pk).update(**updates)
    for field, value in updates.items():
        setattr(member, field, value)
    member_decision_notify(member=member)


def member_decision_notify(*, member: Member) -> int:
    """E-mail the managers of `member` its moderation status, each in their
    language. Returns the number of e-mails sent."""
    prefixes = {
        MemberStatus.PUBLISHED: "members/email/moderation_approved",
        MemberStatus.REFUSED: "members/email/moderation_refused",
        MemberStatus.SUSPENDED: "members/email/moderation_suspended",
    }
    prefix = prefixes.get(member.status)
    if prefix is None:
        return 0
    messages = email_messages(
        prefix=prefix,
        context={
            "member": member,
            "reason": member.moderation_reason,
            "profile_url": absolute_reverse_lazy(
                "members:detail", kwargs={"slug": member.slug}
            ),
            "edit_url": absolute_reverse_lazy(
                "members:edit", kwargs={"slug": member.slug}
            ),
        },
        languages=address_languages(_manager_addresses(member)),
    )
    return _send(messages, f"the moderation decision on member {member.pk}")


def project_review_publish(*, project, user):
    """An editor publishes an experiment submitted for review; the managers
    of its publisher are told, each in their language."""
    from projects.services import project_publish

    if not user_may_moderate(user=user, model=Project):
        raise PermissionDenied(_("You may not moderate experiments."))
    project = project_publish(project=project, user=user)
    addresses = _manager_addresses(project.owner) if project.owner_id else []
    messages = email_messages(
        prefix="projects/email/moderation_published",
        context={
            "project": project,
            "project_url": absolute_reverse_lazy(
                "projects:detail", kwargs={"slug": project.slug}
            ),
        },
        languages=address_languages(addresses),
    )
    _send(messages, f"the publication notice of experiment {project.pk}")
    return project


# Editors told --------------------------------------------------------------


def review_awaited_notify(*, member: Member | None = None, project=None) -> int:
    """E-mail the editors who may moderate it that `member` (a profile now
    pending) or `project` (an experiment just submitted) awaits review."""
    if member is not None:
        model, prefix = Member, "members/email/review_awaited"
        admin_path = f"/admin/snippets/members/member/?status={MemberStatus.PENDING}"
        context = {"member": member}
    else:
        model, prefix = Project, "projects/email/review_awaited"
        admin_path = (
            f"/admin/snippets/projects/project/?status={ProjectStatus.SUBMITTED}"
        )
        context = {"project": project}
    languages = {
        editor.email: account_language(editor)
        for editor in moderators_for(model=model).select_related("account_settings")
    }
    context["admin_url"] = absolute_url(admin_path)
    messages = email_messages(prefix=prefix, context=context, languages=languages)
    return _send(messages, f"the review notice for {member or project}")


# Reports -------------------------------------------------------------------


def report_targets_public(*, kind: str, slug: str):
    """The public member or experiment `slug`, or None (nothing else can be
    reported, and a report form must not reveal what exists)."""
    if kind == "member":
        return Member.objects.published().filter(slug=slug).first()
    if kind == "project":
        return Project.objects.published().filter(slug=slug).first()
    return None


def report_create(*, target, category: str, text: str, user=None) -> Report:
    if category not in ReportCategory.values:
        raise ValidationError({"category": _("Choose a reason.")})
    report = Report(
        category=category,
        text=text.strip(),
        reporter=user if user is not None and user.is_authenticated else None,
    )
    if isinstance(target, Member):
        report.member = target
    else:
        report.project = target
    report.full_clean()
    report.save()
    return report


class ReportAction:
    RESOLVE = "resolve"
    DISMISS = "dismiss"
    SUSPEND_MEMBER = "suspend_member"
    UNPUBLISH_PROJECT = "unpublish_project"

    values = (RESOLVE, DISMISS, SUSPEND_MEMBER, UNPUBLISH_PROJECT)


def report_act(*, report: Report, user, action: str, note: str = "") -> Report:
    """Close `report`: resolved (after acting on what it is about, if asked)
    or dismissed. The dates and the editor are set here."""
    if not user_may_moderate(user=user, model=Report):
        raise PermissionDenied(_("You may not moderate reports."))
    if action not in ReportAction.values:
        raise ValidationError(_("Unknown action."))
    note = note.strip()[:REASON_MAX]
    with transaction.atomic():
        if action == ReportAction.SUSPEND_MEMBER:
            member = report.member or (report.project and report.project.owner)
            if member is None:
                raise ValidationError(_("This report names no member."))
            member_suspend(member=member, user=user, reason=note)
        elif action == ReportAction.UNPUBLISH_PROJECT:
            if report.project is None:
                raise ValidationError(_("This report is not about an experiment."))
            if not user_may_moderate(user=user, model=Project):
                raise PermissionDenied(_("You may not moderate experiments."))
            project = report.project
            if project.status == ProjectStatus.PUBLISHED:
                project.status = ProjectStatus.DRAFT
                project.save(update_fields=["status", "updated_at"])
        report.status = (
            ReportStatus.DISMISSED
            if action == ReportAction.DISMISS
            else ReportStatus.RESOLVED
        )
        report.resolved_at = timezone.now()
        report.resolved_by = user
        report.resolution = note
        report.save()
    return report


def reports_open_count() -> int:
    return Report.objects.filter(status=ReportStatus.OPEN).count()
