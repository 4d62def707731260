"""Claims: how an imported or unmanaged profile finds its managers.

Someone signed in asks to manage a published profile that nobody manages,
saying why it is theirs; an editor approves (the person becomes its owner) or
refuses, and the person hears of it in their language. One pending claim per
person and profile, and a few claims a day per account, so that nobody floods
the editors.
"""

import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.emails import absolute_reverse_lazy, email_messages
from members.accounts import account_language
from members.models import (
    Claim,
    ClaimStatus,
    ManagerRole,
    Member,
    MemberManager,
    MemberStatus,
)
from members.services.profiles import user_is_editor

logger = logging.getLogger(__name__)

CLAIMS_PER_DAY = 3
EVIDENCE_MAX = 2000


def member_claimable(*, member: Member) -> bool:
    """A published profile that nobody manages."""
    return member.status == MemberStatus.PUBLISHED and not member.managers.exists()


def member_claimable_for(*, slug: str) -> Member | None:
    return (
        Member.objects.published()
        .filter(slug=slug, managers__isnull=True)
        .distinct()
        .first()
    )


def claims_pending() -> QuerySet[Claim]:
    return (
        Claim.objects.filter(status=ClaimStatus.PENDING)
        .select_related("member", "user")
        .order_by("created_at")
    )


def claim_create(*, member: Member, user, evidence: str) -> Claim:
    """`user` claims `member`; ValidationError says why not."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Sign in to claim a profile."))
    if not member_claimable(member=member):
        raise PermissionDenied(_("This profile cannot be claimed."))
    evidence = (evidence or "").strip()
    if not evidence or len(evidence) > EVIDENCE_MAX:
        raise ValidationError(
            {
                "evidence": _(
                    "Say why this profile is yours, in 2,000 characters at most."
                )
            }
        )
    if Claim.objects.filter(
        member=member, user=user, status=ClaimStatus.PENDING
    ).exists():
        raise ValidationError(
            _("You have already claimed this profile: an editor will answer you.")
        )
    since = timezone.now() - timedelta(days=1)
    if Claim.objects.filter(user=user, created_at__gte=since).count() >= CLAIMS_PER_DAY:
        raise ValidationError(_("You have sent many claims today. Try again tomorrow."))
    try:
        with transaction.atomic():
            return Claim.objects.create(member=member, user=user, evidence=evidence)
    except IntegrityError:  # the same claim, sent twice at once
        raise ValidationError(
            _("You have already claimed this profile: an editor will answer you.")
        ) from None


def _decide(*, claim: Claim, user, status: str, reason: str = "") -> None:
    if not user_is_editor(user=user):
        raise PermissionDenied(_("Only editors decide on claims."))
    if claim.status != ClaimStatus.PENDING:
        raise ValidationError(_("This claim has already been decided."))
    claim.status = status
    claim.decided_at = timezone.now()
    claim.decided_by = user
    claim.reason = reason.strip()[:EVIDENCE_MAX]
    claim.save()


def claim_approve(*, claim: Claim, user) -> MemberManager:
    """The claimant becomes the profile's owner; other pending claims on it
    are refused (the profile is managed now)."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        if claim.status == ClaimStatus.PENDING and claim.member.managers.exists():
            raise ValidationError(_("Someone manages this profile already."))
        _decide(claim=claim, user=user, status=ClaimStatus.APPROVED)
        manager = MemberManager.objects.create(
            member=claim.member, user=claim.user, role=ManagerRole.OWNER
        )
        others = list(claims_pending().filter(member=claim.member))
        for other in others:
            _decide(
                claim=other,
                user=user,
                status=ClaimStatus.REFUSED,
                reason=_("Another person's claim of this profile was approved."),
            )
    for decided in [claim, *others]:
        _claim_decided_notify(claim=decided)
    return manager


def claim_refuse(*, claim: Claim, user, reason: str = "") -> None:
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        _decide(claim=claim, user=user, status=ClaimStatus.REFUSED, reason=reason)
    _claim_decided_notify(claim=claim)


def _claim_decided_notify(*, claim: Claim) -> None:
    """Tell the claimant the decision, in their language."""
    if not claim.user.email:
        return
    approved = claim.status == ClaimStatus.APPROVED
    messages = email_messages(
        prefix=f"members/email/claim_{'approved' if approved else 'refused'}",
        context={
            "claim": claim,
            "member": claim.member,
            "member_url": absolute_reverse_lazy(
                "members:detail", kwargs={"slug": claim.member.slug}
            ),
            "dashboard_url": absolute_reverse_lazy("dashboard:home"),
        },
        languages={claim.user.email: account_language(claim.user)},
    )
    try:
        get_connection().send_messages(messages)
    except OSError:
        logger.exception("Could not tell %s about claim %s", claim.user, claim.pk)
