"""Member profiles edited by their managers.

Who may change what:

- a profile's managers (owners and editors) edit it, its offers and seeks and
  its affiliations; editors of the site (staff or superusers) may do so too, as
  they can in the Wagtail admin;
- only owners (and site editors) add or remove managers; an owner cannot be
  removed here, so a profile never loses its last owner by accident;
- status and verifications (EMES, regional recognition) are never set here:
  new profiles wait in `pending` until an editor publishes them in the admin,
  and an edit of verified answers clears their verification and sends the
  profile back to `pending`.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.emails import absolute_reverse_lazy, email_messages
from hub.throttling import limit_consume
from members.accounts import account_language, address_languages, user_display
from members.models import (
    EMES_ANSWERS,
    RECOGNITION_ANSWERS,
    Affiliation,
    ManagerInvitation,
    ManagerRole,
    Member,
    MemberManager,
    MemberStatus,
    Offer,
    Seek,
)

logger = logging.getLogger(__name__)

DASHBOARD_EXPIRY_DAYS = 30
REMINDER_DAYS = 14


# Selectors -----------------------------------------------------------------


def user_is_editor(*, user) -> bool:
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def member_manageable_by(*, member: Member, user) -> bool:
    """Whether `user` may edit `member` (a manager or a site editor)."""
    if not user.is_authenticated:
        return False
    return user_is_editor(user=user) or member.managers.filter(user=user).exists()


def member_owned_by(*, member: Member, user) -> bool:
    """Whether `user` may add and remove managers of `member`."""
    if not user.is_authenticated:
        return False
    return (
        user_is_editor(user=user)
        or member.managers.filter(user=user, role=ManagerRole.OWNER).exists()
    )


def members_for_change(*, user) -> QuerySet[Member]:
    """The members `user` may open in a change view."""
    if user_is_editor(user=user):
        return Member.objects.all()
    return Member.objects.managed_by(user)


@dataclass
class ExpiringItems:
    offers: list[Offer] = field(default_factory=list)
    seeks: list[Seek] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.offers or self.seeks)


def expiring_items_for(
    *, members, within_days: int = DASHBOARD_EXPIRY_DAYS, today: date | None = None
) -> ExpiringItems:
    """Offers and seeks of `members` that expire within `within_days` or have
    expired, soonest first."""
    limit = (today or timezone.localdate()) + timedelta(days=within_days)
    items = ExpiringItems()
    for model, attr in ((Offer, "offers"), (Seek, "seeks")):
        queryset = (
            model.objects.filter(member__in=members, expires_on__lte=limit)
            .select_related("member")
            .order_by("expires_on", "pk")
        )
        setattr(items, attr, list(queryset))
    return items


# Creation and editing ------------------------------------------------------


def _check_can_manage(*, member: Member, user) -> None:
    if not member_manageable_by(member=member, user=user):
        raise PermissionDenied(_("You do not manage this member."))


def _check_can_own(*, member: Member, user) -> None:
    if not member_owned_by(member=member, user=user):
        raise PermissionDenied(_("Only an owner of this profile can do this."))


def _save_items(formset, *, member: Member) -> None:
    """Save an offers or seeks formset; a changed expiry date re-arms the
    reminder."""
    formset.instance = member
    items = formset.save(commit=False)
    for item in items:
        if item.pk and "expires_on" in _changed_fields(formset, item):
            item.reminded_at = None
        item.member = member
        item.save()
    for item in formset.deleted_objects:
        item.delete()


def _changed_fields(formset, item) -> list[str]:
    for form in formset.forms:
        if form.instance is item:
            return form.changed_data
    return []


def member_create(*, user, form, offers=None, seeks=None) -> Member:
    """A new profile from a valid `MemberForm`, with `user` as its owner.

    It starts as pending: editors publish it in the admin after review.
    """
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to create a profile."))
    with transaction.atomic():
        member = form.save(commit=False)
        member.status = MemberStatus.PENDING
        member.emes_verified = member.recognition_verified = False
        member.save()
        form.save_m2m()
        MemberManager.objects.create(member=member, user=user, role=ManagerRole.OWNER)
        for formset in (offers, seeks):
            if formset is not None:
                _save_items(formset, member=member)
    _review_awaited(member=member)
    return member


def _review_awaited(*, member: Member) -> None:
    """The profile is pending: the editors who moderate it are told."""
    from hub.moderation import review_awaited_notify

    review_awaited_notify(member=member)


# Per badge: the answers it verified and the fields that record the check.
VERIFICATIONS = {
    "emes_verified": EMES_ANSWERS,
    "recognition_verified": RECOGNITION_ANSWERS,
}
MODERATED_FIELDS = (
    "status",
    *(f"{flag}{suffix}" for flag in VERIFICATIONS for suffix in ("", "_at", "_by_id")),
)


def member_update(*, member: Member, user, form, offers=None, seeks=None) -> Member:
    """Save a valid `MemberForm` (and formsets) for `member`.

    Status and verifications stay as editors set them, except that changing
    answers an editor verified clears that verification and sends a published
    profile back for review (pending), as a new profile is; and that a refused
    profile, once revised by a manager, awaits a new review.
    """
    _check_can_manage(member=member, user=user)
    with transaction.atomic():
        answers = [name for names in VERIFICATIONS.values() for name in names]
        stored = (
            Member.objects.select_for_update()
            .filter(pk=member.pk)
            .values(*MODERATED_FIELDS, *answers)
            .get()
        )
        updated = form.save(commit=False)
        for name in MODERATED_FIELDS:
            setattr(updated, name, stored[name])
        revoked = member_verification_revoke(member=updated, stored=stored)
        sent_back = (
            bool(revoked) and updated.status == MemberStatus.PUBLISHED
        ) or (
            updated.status == MemberStatus.REFUSED
            and not user_is_editor(user=user)
        )
        if sent_back:
            updated.status = MemberStatus.PENDING
        updated.save()
        form.save_m2m()
        for formset in (offers, seeks):
            if formset is not None:
                _save_items(formset, member=updated)
    if sent_back:
        _review_awaited(member=updated)
    return updated


def member_verification_revoke(*, member: Member, stored: dict) -> list[str]:
    """Clear each verification of `member` whose answers differ from `stored`;
    returns the verifications cleared (not saved)."""
    revoked = []
    for flag, names in VERIFICATIONS.items():
        if not stored[flag]:
            continue
        if any(getattr(member, name) != stored[name] for name in names):
            setattr(member, flag, False)
            setattr(member, f"{flag}_at", None)
            setattr(member, f"{flag}_by", None)
            revoked.append(flag)
    return revoked


def member_verification_set(*, member: Member, user, flag: str, verified: bool):
    """An editor ticks or unticks a verification: the system records when and
    who (not saved)."""
    setattr(member, flag, verified)
    setattr(member, f"{flag}_at", timezone.now() if verified else None)
    setattr(member, f"{flag}_by", user if verified else None)


def member_manager_invite(
    *, member: Member, user, email: str, role: str = ManagerRole.EDITOR
) -> ManagerInvitation | None:
    """An owner invites the account whose *verified* address is `email` to
    manage `member`; it becomes a manager when it accepts.

    The owner learns nothing about accounts: the answer is the same whether
    an account uses the address or not, is verified or not, already manages
    the profile or is already invited (None is returned in those cases, and
    nobody is e-mailed).
    """
    _check_can_own(member=member, user=user)
    from allauth.account.models import EmailAddress

    if role not in ManagerRole.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if not limit_consume(action="manager_invite", key=f"user:{user.pk}"):
        raise ValidationError(
            {"email": _("You have sent many invitations today. Try again tomorrow.")}
        )
    address = (
        EmailAddress.objects.filter(
            email__iexact=email.strip(), verified=True, user__is_active=True
        )
        .select_related("user")
        .first()
    )
    if address is None or member.managers.filter(user=address.user).exists():
        return None
    invitation, created = ManagerInvitation.objects.get_or_create(
        member=member,
        user=address.user,
        defaults={"role": role, "invited_by": user},
    )
    if not created:
        return None
    _manager_invited_notify(invitation=invitation, address=address.email)
    return invitation


def _manager_invited_notify(*, invitation: ManagerInvitation, address: str) -> None:
    """E-mail the invitation to its verified address, in the person's language."""
    messages = email_messages(
        prefix="members/email/manager_invitation",
        context={
            "invitation": invitation,
            "member": invitation.member,
            "invited_by": user_display(invitation.invited_by),
            "invitation_url": absolute_reverse_lazy(
                "members:manager_invitation", args=[invitation.pk]
            ),
        },
        languages={address: account_language(invitation.user)},
    )
    try:
        get_connection().send_messages(messages)
    except OSError:
        logger.exception("Could not send manager invitation %s", invitation.pk)


def manager_invitation_for(*, pk: int, user) -> ManagerInvitation | None:
    """The invitation `pk` if it was sent to `user`; None for anyone else."""
    if not user.is_authenticated:
        return None
    return (
        ManagerInvitation.objects.select_related("member", "invited_by")
        .filter(pk=pk, user=user)
        .first()
    )


def manager_invitation_accept(*, invitation: ManagerInvitation, user) -> MemberManager:
    """The invited account accepts: it manages the profile with the role offered."""
    if invitation.user_id != user.pk:
        raise PermissionDenied(_("This invitation is for another account."))
    with transaction.atomic():
        manager, _created = MemberManager.objects.get_or_create(
            member=invitation.member, user=user, defaults={"role": invitation.role}
        )
        invitation.delete()
    _manager_added_notify(manager=manager, added_by=invitation.invited_by or user)
    return manager


def manager_invitation_decline(*, invitation: ManagerInvitation, user) -> None:
    if invitation.user_id != user.pk:
        raise PermissionDenied(_("This invitation is for another account."))
    invitation.delete()


def _manager_added_notify(*, manager: MemberManager, added_by) -> None:
    """Tell the person they now manage the profile, in their language."""
    if not manager.user.email:
        return
    messages = email_messages(
        prefix="members/email/manager_added",
        context={
            "manager": manager,
            "member": manager.member,
            "added_by": user_display(added_by),
            "dashboard_url": absolute_reverse_lazy("dashboard:home"),
        },
        languages={manager.user.email: account_language(manager.user)},
    )
    try:
        get_connection().send_messages(messages)
    except OSError:
        logger.exception("Could not tell %s about their new profile", manager.user)


def member_manager_remove(*, manager: MemberManager, user) -> None:
    """An owner removes an editor. Owners stay: they leave by deleting their
    account, or an editor changes their role in the admin."""
    _check_can_own(member=manager.member, user=user)
    if manager.role == ManagerRole.OWNER:
        raise ValidationError(_("Owners cannot be removed here."))
    manager.delete()


def affiliation_organisations(*, person: Member, user) -> QuerySet[Member]:
    """Organisations `user` manages that `person` may be affiliated to."""
    return (
        Member.objects.managed_by(user)
        .filter(is_organisation=True)
        .exclude(pk=person.pk)
        .exclude(affiliated_people__person=person)
        .order_by("name")
    )


def affiliation_create(
    *, person: Member, organisation: Member, user, title: str = ""
) -> Affiliation:
    """Affiliate a person profile `user` manages to an organisation `user`
    manages."""
    _check_can_manage(member=person, user=user)
    if person.is_organisation:
        raise ValidationError(_("Only a personal profile can be affiliated."))
    if not organisation.is_organisation:
        raise ValidationError({"organisation": _("Choose an organisation.")})
    if not organisation.managers.filter(user=user).exists():
        raise PermissionDenied(_("You do not manage this organisation."))
    if Affiliation.objects.filter(person=person, organisation=organisation).exists():
        raise ValidationError({"organisation": _("This affiliation already exists.")})
    return Affiliation.objects.create(
        person=person, organisation=organisation, title=title.strip()
    )


def affiliation_delete(*, affiliation: Affiliation, user) -> None:
    """A manager of either side ends an affiliation."""
    if not (
        member_manageable_by(member=affiliation.person, user=user)
        or member_manageable_by(member=affiliation.organisation, user=user)
    ):
        raise PermissionDenied(_("You do not manage this affiliation."))
    affiliation.delete()


# Expiry reminders ----------------------------------------------------------


def _manager_emails(member: Member) -> list[str]:
    return list(
        member.managers.filter(user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def expiring_items_remind(
    *, within_days: int = REMINDER_DAYS, today: date | None = None
) -> int:
    """E-mail the managers of each member whose offers or seeks expire within
    `within_days` (or have expired) and were not reminded yet; then mark them
    reminded. Running it again sends nothing new. Returns the e-mails sent."""
    today = today or timezone.localdate()
    limit = today + timedelta(days=within_days)
    due = Q(expires_on__lte=limit, reminded_at__isnull=True)
    members = Member.objects.filter(
        Q(offers__in=Offer.objects.filter(due)) | Q(seeks__in=Seek.objects.filter(due))
    ).distinct()
    sent = 0
    for member in members:
        with transaction.atomic():
            offers = list(Offer.objects.select_for_update().filter(due, member=member))
            seeks = list(Seek.objects.select_for_update().filter(due, member=member))
            if not offers and not seeks:
                continue
            messages = email_messages(
                prefix="members/email/expiring_items",
                context={
                    "member": member,
                    "offers": offers,
                    "seeks": seeks,
                    "today": today,
                    "edit_url": absolute_reverse_lazy(
                        "members:edit", kwargs={"slug": member.slug}
                    ),
                },
                languages=address_languages(_manager_emails(member)),
            )
            if messages:
                try:
                    get_connection().send_messages(messages)
                except OSError:
                    # Leave reminded_at empty so the next run tries again.
                    logger.exception("Could not send expiry reminders for %s", member)
                    continue
                sent += len(messages)
            now = timezone.now()
            Offer.objects.filter(pk__in=[o.pk for o in offers]).update(reminded_at=now)
            Seek.objects.filter(pk__in=[s.pk for s in seeks]).update(reminded_at=now)
    return sent
