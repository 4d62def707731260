"""Privacy self-service: a copy of one's data, and deleting one's account.

Deleting an account:

- deletes the member profiles whose only manager was this account (their
  offers, seeks, affiliations, partnerships and contact requests go with them,
  and the search index drops them through the usual signals);
- keeps profiles that other accounts also manage, only removing this account
  from their managers (if it was their last owner, the longest-standing other
  manager becomes owner);
- keeps contact requests the account sent on behalf of a kept profile, since
  the receiver may still need them, but replaces their message and unlinks the
  account;
- deletes the suggestions the account dismissed and the contact-form
  submissions sent from one of its verified addresses; reports it sent stay
  in the editors' queue without the account.

Retention: `prune_expired_personal_data` deletes, past the periods of
`HUB_RETENTION_DAYS`, dismissed suggestions, contact-form submissions and
reports an editor closed (run daily by `manage.py hub_prune_personal_data` or
the scheduler).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.forms.models import model_to_dict
from django.utils import timezone

from wagtail.contrib.forms.models import FormSubmission

from hub.models import Report, ReportStatus
from members.models import (
    Claim,
    ContactRequest,
    Dismissal,
    ManagerRole,
    Member,
    MemberManager,
)
from projects.models import Project

ANONYMISED_MESSAGE = "[This message was removed when its author deleted their account.]"


def _member_data(member: Member) -> dict:
    data = model_to_dict(member, exclude=["sectors", "disciplines", "reviewed_by"])
    data.update(
        {
            "slug": member.slug,
            "created_at": member.created_at,
            "updated_at": member.updated_at,
            "emes_verified": member.emes_verified,
            "emes_verified_at": member.emes_verified_at,
            "status": member.status,
            "sectors": [term.slug for term in member.sectors.all()],
            "disciplines": [term.slug for term in member.disciplines.all()],
            "managers": [
                {"email": manager.user.email, "role": manager.role}
                for manager in member.managers.select_related("user")
            ],
            "offers": [
                {
                    "text": offer.text,
                    "expires_on": offer.expires_on,
                    "reminded_at": offer.reminded_at,
                }
                for offer in member.offers.all()
            ],
            "seeks": [
                {
                    "text": seek.text,
                    "kind": seek.kind,
                    "expires_on": seek.expires_on,
                    "reminded_at": seek.reminded_at,
                }
                for seek in member.seeks.all()
            ],
            "affiliations": [
                {"organisation": a.organisation.name, "title": a.title}
                for a in member.affiliations.select_related("organisation")
            ],
            "affiliated_people": [
                {"person": a.person.name, "title": a.title}
                for a in member.affiliated_people.select_related("person")
            ],
        }
    )
    return data


def _contact_request_data(contact_request: ContactRequest) -> dict:
    return {
        "id": contact_request.pk,
        "sender": contact_request.sender.name,
        "receiver": contact_request.receiver.name,
        "sent_by_me": None,
        "project": contact_request.project.title if contact_request.project else None,
        "message": contact_request.message,
        "status": contact_request.status,
        "reply": contact_request.reply,
        "created_at": contact_request.created_at,
        "answered_at": contact_request.answered_at,
        "led_to_collaboration": contact_request.led_to_collaboration,
    }


def _project_data(project: Project) -> dict:
    return {
        "title": project.title,
        "slug": project.slug,
        "summary": project.summary,
        "description": project.description,
        "stage": project.stage,
        "status": project.status,
        "owner": project.owner.name if project.owner else None,
        "keywords": project.keywords,
        "commune": project.commune,
        "city": project.city,
        "country": project.country,
        "start_date": project.start_date,
        "end_date": project.end_date,
        "languages": project.languages,
        "sdgs": project.sdgs,
        "partners": [
            {"member": p.member.name, "role": p.role, "confirmed": p.confirmed}
            for p in project.partnerships.select_related("member")
        ],
        "created_at": project.created_at,
    }


def _dismissal_data(dismissal: Dismissal) -> dict:
    return {
        "by_me": None,
        "for_member": dismissal.member.name if dismissal.member else None,
        "for_experiment": dismissal.project.title if dismissal.project else None,
        "suggested_member": (
            dismissal.suggested_member.name if dismissal.suggested_member else None
        ),
        "suggested_experiment": (
            dismissal.suggested_project.title if dismissal.suggested_project else None
        ),
        "created_at": dismissal.created_at,
    }


def _user_dismissals(*, user, member_ids):
    return (
        Dismissal.objects.filter(
            Q(user=user) | Q(member__in=member_ids) | Q(project__owner__in=member_ids)
        )
        .select_related("member", "project", "suggested_member", "suggested_project")
        .order_by("created_at", "pk")
    )


def _verified_addresses(user) -> set[str]:
    from allauth.account.models import EmailAddress

    return {
        address.lower()
        for address in EmailAddress.objects.filter(
            user=user, verified=True
        ).values_list("email", flat=True)
    }


def contact_form_submissions_of(*, user) -> list[FormSubmission]:
    """Contact-form submissions sent from one of `user`'s *verified*
    addresses (an unverified one could be anybody's)."""
    addresses = _verified_addresses(user)
    if not addresses:
        return []
    found = []
    submissions = FormSubmission.objects.select_related("page").order_by(
        "submit_time", "pk"
    )
    for submission in submissions.iterator():
        values = submission.form_data.values() if submission.form_data else ()
        if any(
            isinstance(value, str) and value.strip().lower() in addresses
            for value in values
        ):
            found.append(submission)
    return found


def user_data_export(*, user) -> dict:
    """Everything the site holds about `user` and the members they manage,
    private contact data included; serialise with DjangoJSONEncoder."""
    if not user.is_authenticated:
        raise PermissionDenied
    from allauth.account.models import EmailAddress

    members = (
        Member.objects.managed_by(user)
        .prefetch_related("sectors", "disciplines", "offers", "seeks")
        .order_by("name")
    )
    member_ids = [member.pk for member in members]
    contact_requests = (
        ContactRequest.objects.filter(
            Q(sender__in=member_ids) | Q(receiver__in=member_ids) | Q(sent_by=user)
        )
        .select_related("sender", "receiver", "project")
        .order_by("created_at", "pk")
    )
    requests_data = []
    for contact_request in contact_requests:
        data = _contact_request_data(contact_request)
        data["sent_by_me"] = contact_request.sent_by_id == user.pk
        requests_data.append(data)
    projects = (
        Project.objects.filter(owner__in=member_ids)
        .select_related("owner")
        .order_by("created_at", "pk")
    )
    roles = dict(
        MemberManager.objects.filter(user=user).values_list("member_id", "role")
    )
    return {
        "exported_at": timezone.now(),
        "account": {
            "email": user.email,
            "username": user.get_username(),
            "first_name": getattr(user, "first_name", ""),
            "last_name": getattr(user, "last_name", ""),
            "date_joined": getattr(user, "date_joined", None),
            "last_login": user.last_login,
            "email_addresses": [
                {
                    "email": address.email,
                    "verified": address.verified,
                    "primary": address.primary,
                }
                for address in EmailAddress.objects.filter(user=user)
            ],
        },
        "members": [
            {"my_role": roles.get(member.pk), **_member_data(member)}
            for member in members
        ],
        "contact_requests": requests_data,
        "projects": [_project_data(project) for project in projects],
        "dismissals": [
            {**_dismissal_data(dismissal), "by_me": dismissal.user_id == user.pk}
            for dismissal in _user_dismissals(user=user, member_ids=member_ids)
        ],
        "contact_form_submissions": [
            {
                "form": submission.page.title,
                "submitted_at": submission.submit_time,
                "form_data": submission.form_data,
            }
            for submission in contact_form_submissions_of(user=user)
        ],
        "reports": [
            {
                "about": str(report.target),
                "category": report.category,
                "text": report.text,
                "status": report.status,
                "created_at": report.created_at,
            }
            for report in Report.objects.filter(reporter=user)
            .select_related("member", "project")
            .order_by("created_at", "pk")
        ],
        "claims": [
            {
                "profile": claim.member.name,
                "evidence": claim.evidence,
                "status": claim.status,
                "sent_at": claim.created_at,
                "decided_at": claim.decided_at,
                "reason": claim.reason,
            }
            for claim in Claim.objects.filter(user=user)
            .select_related("member")
            .order_by("created_at", "pk")
        ],
    }


@dataclass
class DeletionSummary:
    deleted_members: list[str] = field(default_factory=list)
    kept_members: list[str] = field(default_factory=list)
    anonymised_requests: int = 0
    deleted_dismissals: int = 0
    deleted_contact_form_submissions: int = 0


def _members_with_manager_count(user):
    # Count over all managers, not only the join filtered on `user`.
    return (
        Member.objects.filter(pk__in=Member.objects.managed_by(user).values("pk"))
        .annotate(manager_count=Count("managers"))
        .order_by("name")
    )


def user_deletion_preview(*, user) -> DeletionSummary:
    """Which of `user`'s members an account deletion would delete or keep."""
    summary = DeletionSummary()
    members = _members_with_manager_count(user)
    for member in members:
        target = summary.deleted_members
        if member.manager_count > 1:
            target = summary.kept_members
        target.append(member.name)
    return summary


def user_delete(*, user) -> DeletionSummary:
    """Delete `user`'s account, sole-managed members included (see module)."""
    if not user.is_authenticated:
        raise PermissionDenied
    summary = DeletionSummary()
    with transaction.atomic():
        members = list(_members_with_manager_count(user))
        for member in members:
            if member.manager_count > 1:
                summary.kept_members.append(member.name)
                _hand_over_ownership(member=member, leaving=user)
            else:
                summary.deleted_members.append(member.name)
                # One by one, so that post_delete reaches the search index.
                member.delete()
        summary.anonymised_requests = ContactRequest.objects.filter(
            sent_by=user
        ).update(message=ANONYMISED_MESSAGE, sent_by=None)
        summary.deleted_dismissals, _counts = Dismissal.objects.filter(
            user=user
        ).delete()
        submissions = [s.pk for s in contact_form_submissions_of(user=user)]
        summary.deleted_contact_form_submissions, _counts = (
            FormSubmission.objects.filter(pk__in=submissions).delete()
        )
        # Reports stay in the queue for the editors, without the account
        # (Report.reporter is SET_NULL).
        user.delete()
    return summary


def _hand_over_ownership(*, member: Member, leaving) -> None:
    others = member.managers.exclude(user=leaving)
    if others.filter(role=ManagerRole.OWNER).exists():
        return
    successor = others.order_by("pk").first()
    if successor is not None:
        successor.role = ManagerRole.OWNER
        successor.save(update_fields=["role"])


# Retention -----------------------------------------------------------------


def _cutoff(today: date, days: int) -> datetime:
    start = datetime.combine(today - timedelta(days=days), time.min)
    return timezone.make_aware(start) if settings.USE_TZ else start


def prune_expired_personal_data(today: date | None = None) -> dict[str, int]:
    """Delete what outlived its retention period (`HUB_RETENTION_DAYS`, in
    days): dismissed suggestions, contact-form submissions, and reports an
    editor closed (open reports wait for an editor). Returns what was deleted
    per kind. Idempotent: run it daily."""
    today = today or timezone.localdate()
    days = settings.HUB_RETENTION_DAYS
    with transaction.atomic():
        dismissals, _counts = Dismissal.objects.filter(
            created_at__lt=_cutoff(today, days["dismissals"])
        ).delete()
        submissions, _counts = FormSubmission.objects.filter(
            submit_time__lt=_cutoff(today, days["contact_form_submissions"])
        ).delete()
        reports, _counts = (
            Report.objects.exclude(status=ReportStatus.OPEN)
            .filter(resolved_at__lt=_cutoff(today, days["reports"]))
            .delete()
        )
    return {
        "dismissals": dismissals,
        "contact_form_submissions": submissions,
        "reports": reports,
    }
