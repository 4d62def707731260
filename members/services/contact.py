"""Contact requests between members: a double opt-in.

A member asks another to get in touch. Neither side's contact data (e-mail,
phone) reaches the other until a manager of the receiver accepts; only then
are both sides told how to reach each other.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.emails import absolute_reverse_lazy, email_messages
from members.accounts import address_languages
from members.models import (
    ContactOrigin,
    ContactRequest,
    ContactStatus,
    ManagerRole,
    Member,
)
from members.permissions import (
    member_appearing_q,
    member_may_act,
    member_may_prepare,
    member_require_act,
)
from projects.models import PartnerRole, Project

logger = logging.getLogger(__name__)

MESSAGE_MIN_LENGTH = 10
MESSAGE_MAX_LENGTH = 2000
REPLY_MAX_LENGTH = 2000
DAILY_LIMIT = 10
RATE_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class ContactDetails:
    """How to reach one side of an accepted request."""

    name: str
    email: str
    phone: str


@dataclass(frozen=True)
class ContactRequestLists:
    incoming: QuerySet
    outgoing: QuerySet


# Selectors


def _with_relations(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("sender", "receiver", "project", "sent_by")


def contact_requests_visible_to(*, user) -> QuerySet:
    """Requests sent or received by any member `user` manages."""
    if not user.is_authenticated:
        return ContactRequest.objects.none()
    managed = Member.objects.managed_by(user).values("pk")
    return _with_relations(
        ContactRequest.objects.filter(Q(sender__in=managed) | Q(receiver__in=managed))
    ).order_by("-created_at", "-pk")


def contact_requests_for(*, user) -> ContactRequestLists:
    """Incoming and outgoing requests of all members `user` manages, newest
    first."""
    managed = Member.objects.managed_by(user).values("pk")
    base = _with_relations(ContactRequest.objects.all()).order_by("-created_at", "-pk")
    if not user.is_authenticated:
        base = base.none()
    return ContactRequestLists(
        incoming=base.filter(receiver__in=managed),
        outgoing=base.filter(sender__in=managed),
    )


def contact_request_roles(*, user, contact_request: ContactRequest) -> set[str]:
    """The sides ("sender", "receiver") of the request that `user` manages."""
    if not user.is_authenticated:
        return set()
    managed = set(
        Member.objects.managed_by(user)
        .filter(pk__in=[contact_request.sender_id, contact_request.receiver_id])
        .values_list("pk", flat=True)
    )
    roles = set()
    if contact_request.sender_id in managed:
        roles.add("sender")
    if contact_request.receiver_id in managed:
        roles.add("receiver")
    return roles


def contact_details(*, contact_request: ContactRequest, side: str) -> ContactDetails:
    """Contact data of one side ("sender" or "receiver").

    Callers must reveal it only once the request is accepted. A member without
    a contact e-mail is reached through the account that sent the request
    (sender) or through its first owner (receiver).
    """
    member = contact_request.sender if side == "sender" else contact_request.receiver
    email = member.email
    if not email:
        if side == "sender" and contact_request.sent_by is not None:
            email = contact_request.sent_by.email
        else:
            owner = (
                member.managers.filter(role=ManagerRole.OWNER, user__is_active=True)
                .exclude(user__email="")
                .select_related("user")
                .order_by("pk")
                .first()
            )
            email = owner.user.email if owner else ""
    return ContactDetails(name=member.name, email=email, phone=member.phone)


def contact_request_other_side(
    *, user, contact_request: ContactRequest
) -> ContactDetails | None:
    """What `user` may see of the other side: nothing until accepted, and
    nothing through a side that may no longer act (suspended, refused)."""
    if not contact_request.is_accepted:
        return None
    roles = contact_request_roles(user=user, contact_request=contact_request)
    if "sender" in roles and member_may_act(contact_request.sender):
        return contact_details(contact_request=contact_request, side="receiver")
    if "receiver" in roles and member_may_act(contact_request.receiver):
        return contact_details(contact_request=contact_request, side="sender")
    return None


def contact_request_projects(*, members) -> QuerySet:
    """Published experiments a request between `members` may be about."""
    pks = [member.pk for member in members]
    return (
        Project.objects.published()
        .filter(
            Q(owner__in=pks)
            | Q(partnerships__member__in=pks, partnerships__confirmed=True)
        )
        .distinct()
        .order_by("title")
    )


def contact_request_project_choices(
    *, senders, receiver: Member, about: Project | None = None
) -> QuerySet:
    """Experiments a request from one of `senders` to `receiver` may name.

    The senders' own published experiments (owned or as a confirmed partner)
    and, when the visitor came from one of the receiver's experiment pages,
    that experiment (`about`): never the receiver's other experiments, which
    the sender did not choose to talk about.
    """
    choices = contact_request_projects(members=senders)
    if (
        about is not None
        and contact_request_projects(members=[receiver]).filter(pk=about.pk).exists()
    ):
        choices = contact_request_projects(members=[*senders, receiver]).filter(
            Q(pk__in=choices.values("pk")) | Q(pk=about.pk)
        )
    return choices.select_related("owner")


class ContactAccess(StrEnum):
    """What a person looking at a profile or an experiment may do to get in
    touch with the member behind it."""

    NONE = "none"  # the page is not public: no block at all
    OWN = "own"  # the user manages this member
    CLOSED = "closed"  # the member does not accept requests
    ANONYMOUS = "anonymous"  # sign in or sign up first
    NO_MEMBER = "no_member"  # the user manages no member profile
    PENDING_PROFILE = "pending_profile"  # the user's profiles await review
    SUSPENDED_PROFILE = "suspended_profile"  # ... or are suspended
    ALREADY_ASKED = "already_asked"  # a request is waiting for an answer
    READY = "ready"


@dataclass(frozen=True)
class ContactOffer:
    """The "Get in touch" block of a page: the access, the form's URL and,
    when a request is already waiting, that request."""

    access: str
    receiver: Member | None
    project: Project | None = None
    url: str = ""
    waiting: ContactRequest | None = None
    sender_count: int = 0


def project_contact_member(*, project: Project) -> Member | None:
    """Whom visitors contact about `project`: its owner, or, when it has no
    published owner (imported experiments have none), its coordinator."""
    if project.owner_id is not None and project.owner.is_public:
        return project.owner
    coordination = (
        project.partnerships.filter(
            member_appearing_q("member__"),
            role=PartnerRole.COORDINATOR,
            confirmed=True,
        )
        .select_related("member")
        .order_by("pk")
        .first()
    )
    return coordination.member if coordination else None


def contact_offer_for(
    *, user, receiver: Member | None = None, project: Project | None = None
) -> ContactOffer:
    """How `user` can contact `receiver`, or the member behind `project`
    (about that project).

    Read before the user clicks, so that the page says what stands in the way
    (an unpublished profile of their own, a request already waiting…) instead
    of leading to a dead end. The rules are those `contact_request_create`
    enforces.
    """
    if receiver is None and project is not None:
        receiver = project_contact_member(project=project)
    if (
        receiver is None
        or not receiver.is_public
        or (project is not None and not project.is_public)
    ):
        return ContactOffer(access=ContactAccess.NONE, receiver=receiver)
    url = reverse("contacts:new", args=[receiver.slug])
    if project is not None:
        url = f"{url}?{urlencode({'project': project.slug})}"
    offer = {"receiver": receiver, "project": project, "url": url}
    managed = Member.objects.managed_by(user)
    if user.is_authenticated and managed.filter(pk=receiver.pk).exists():
        return ContactOffer(access=ContactAccess.OWN, **offer)
    if not receiver.open_to_collaboration:
        return ContactOffer(access=ContactAccess.CLOSED, **offer)
    if not user.is_authenticated:
        return ContactOffer(access=ContactAccess.ANONYMOUS, **offer)
    profiles = list(managed.only("pk", "status"))
    if not profiles:
        return ContactOffer(access=ContactAccess.NO_MEMBER, **offer)
    senders = [profile.pk for profile in profiles if member_may_act(profile)]
    if not senders:
        access = (
            ContactAccess.PENDING_PROFILE
            if any(member_may_prepare(profile) for profile in profiles)
            else ContactAccess.SUSPENDED_PROFILE
        )
        return ContactOffer(access=access, **offer)
    waiting = (
        ContactRequest.objects.filter(
            Q(sender__in=senders, receiver=receiver)
            | Q(sender=receiver, receiver__in=senders),
            status=ContactStatus.PENDING,
        )
        .select_related("sender", "receiver")
        .order_by("-created_at")
    )
    busy = {
        pk for request in waiting for pk in (request.sender_id, request.receiver_id)
    }
    if waiting and busy.issuperset(senders):
        return ContactOffer(
            access=ContactAccess.ALREADY_ASKED, waiting=waiting[0], **offer
        )
    return ContactOffer(
        access=ContactAccess.READY,
        sender_count=len(set(senders) - busy),
        waiting=waiting[0] if waiting else None,
        **offer,
    )


# Services


def _manages(user, member: Member) -> bool:
    return bool(user.is_authenticated and member.managers.filter(user=user).exists())


def _manager_emails(member: Member) -> list[str]:
    emails = (
        member.managers.filter(user__is_active=True)
        .exclude(user__email="")
        .order_by("pk")
        .values_list("user__email", flat=True)
    )
    return list(dict.fromkeys(emails))


def _request_url(contact_request: ContactRequest):
    # Resolved in each recipient's language, when the e-mail is written.
    return absolute_reverse_lazy("contacts:detail", args=[contact_request.pk])


def _send(*, recipients, template: str, context: dict) -> None:
    """One message per recipient, in their language, so nobody sees the other
    addresses.

    Mail trouble is logged, never raised: the request is saved and both sides
    still find it on their contact pages.
    """
    messages = email_messages(
        prefix=f"members/email/{template}",
        context=context,
        languages=address_languages(recipients),
    )
    if not messages:
        return
    try:
        get_connection().send_messages(messages)
    except OSError:
        logger.exception("Could not send the %s e-mails", template)


def _clean_text(text: str, *, field: str, minimum: int, maximum: int) -> str:
    text = (text or "").strip()
    if len(text) < minimum:
        raise ValidationError(
            {field: _("Write at least %(count)d characters.") % {"count": minimum}}
        )
    if len(text) > maximum:
        raise ValidationError(
            {field: _("Write at most %(count)d characters.") % {"count": maximum}}
        )
    return text


def contact_request_create(
    *,
    user,
    sender: Member,
    receiver: Member,
    message: str,
    project: Project | None = None,
    origin: str = ContactOrigin.DIRECT,
) -> ContactRequest:
    """`user`, a manager of `sender`, asks `receiver` to get in touch.

    `origin` says whether the hub suggested the receiver (`ContactOrigin`).

    The receiver's managers (and its contact e-mail, if any) are notified with
    the sender's name and message, never with the sender's contact data.
    """
    if not _manages(user, sender):
        raise PermissionDenied(_("You do not manage this member."))
    if sender.pk == receiver.pk:
        raise ValidationError(_("A member cannot send a contact request to itself."))
    if not member_may_act(sender):
        raise ValidationError(
            {
                "sender": _(
                    "Your profile must be published before it can contact "
                    "other members."
                )
            }
        )
    if not member_may_act(receiver) or not receiver.open_to_collaboration:
        raise ValidationError(
            _("This member does not accept contact requests at the moment.")
        )
    message = _clean_text(
        message, field="message", minimum=MESSAGE_MIN_LENGTH, maximum=MESSAGE_MAX_LENGTH
    )
    if (
        project is not None
        and not contact_request_projects(members=[sender, receiver])
        .filter(pk=project.pk)
        .exists()
    ):
        raise ValidationError(
            {"project": _("Choose a published experiment of one of the two members.")}
        )

    with transaction.atomic():
        # Serialise concurrent requests from one sender so that the duplicate
        # and rate checks below cannot both pass twice.
        Member.objects.select_for_update().filter(pk=sender.pk).exists()
        pair = Q(sender=sender, receiver=receiver) | Q(sender=receiver, receiver=sender)
        if ContactRequest.objects.filter(pair, status=ContactStatus.PENDING).exists():
            raise ValidationError(
                _(
                    "A contact request between these members is already waiting "
                    "for an answer."
                )
            )
        since = timezone.now() - RATE_WINDOW
        recent = ContactRequest.objects.filter(created_at__gte=since)
        if (
            recent.filter(sender=sender).count() >= DAILY_LIMIT
            or recent.filter(sent_by=user).count() >= DAILY_LIMIT
        ):
            raise ValidationError(
                _("You have sent too many contact requests today; try again tomorrow.")
            )
        contact_request = ContactRequest.objects.create(
            sender=sender,
            receiver=receiver,
            sent_by=user,
            project=project,
            message=message,
            origin=origin if origin in ContactOrigin.values else ContactOrigin.DIRECT,
        )

    _send(
        recipients=[*_manager_emails(receiver), receiver.email],
        template="contact_request_received",
        context={
            "contact_request": contact_request,
            "sender_name": sender.name,
            "receiver_name": receiver.name,
            "project_title": project.title if project else "",
            "message": message,
            "url": _request_url(contact_request),
        },
    )
    return contact_request


def contact_request_answer(
    *, user, contact_request: ContactRequest, accept: bool, reply: str = ""
) -> ContactRequest:
    """A manager of the receiver accepts or declines a pending request.

    On acceptance each side is e-mailed the other's contact data; on refusal
    the sender gets a polite notice without any.
    """
    if not _manages(user, contact_request.receiver):
        raise PermissionDenied(_("Only the receiver can answer this request."))
    member_require_act(contact_request.receiver)
    if not member_may_act(contact_request.sender):
        raise ValidationError(
            _(
                "This member is no longer on the network: the request cannot be "
                "answered."
            )
        )
    reply = (reply or "").strip()
    if len(reply) > REPLY_MAX_LENGTH:
        raise ValidationError(
            {
                "reply": _("Write at most %(count)d characters.")
                % {"count": REPLY_MAX_LENGTH}
            }
        )
    with transaction.atomic():
        current = (
            ContactRequest.objects.select_for_update()
            .values_list("status", flat=True)
            .get(pk=contact_request.pk)
        )
        if current != ContactStatus.PENDING:
            raise ValidationError(_("This request is no longer waiting for an answer."))
        contact_request.status = (
            ContactStatus.ACCEPTED if accept else ContactStatus.DECLINED
        )
        contact_request.reply = reply
        contact_request.answered_at = timezone.now()
        contact_request.save(update_fields=["status", "reply", "answered_at"])

    url = _request_url(contact_request)
    sender, receiver = contact_request.sender, contact_request.receiver
    if accept:
        _send(
            recipients=_manager_emails(sender),
            template="contact_request_accepted",
            context={
                "contact_request": contact_request,
                "side": "sender",
                "member_name": sender.name,
                "other": contact_details(
                    contact_request=contact_request, side="receiver"
                ),
                "reply": reply,
                "url": url,
            },
        )
        _send(
            recipients=_manager_emails(receiver),
            template="contact_request_accepted",
            context={
                "contact_request": contact_request,
                "side": "receiver",
                "member_name": receiver.name,
                "other": contact_details(
                    contact_request=contact_request, side="sender"
                ),
                "reply": "",
                "url": url,
            },
        )
    else:
        _send(
            recipients=_manager_emails(sender),
            template="contact_request_declined",
            context={
                "contact_request": contact_request,
                "sender_name": sender.name,
                "receiver_name": receiver.name,
                "reply": reply,
                "url": url,
            },
        )
    return contact_request


def contact_request_withdraw(
    *, user, contact_request: ContactRequest
) -> ContactRequest:
    """A manager of the sender withdraws a request still waiting for an answer."""
    if not _manages(user, contact_request.sender):
        raise PermissionDenied(_("Only the sender can withdraw this request."))
    with transaction.atomic():
        updated = ContactRequest.objects.filter(
            pk=contact_request.pk, status=ContactStatus.PENDING
        ).update(status=ContactStatus.WITHDRAWN)
        if not updated:
            raise ValidationError(
                _("Only a request waiting for an answer can be withdrawn.")
            )
    contact_request.status = ContactStatus.WITHDRAWN
    return contact_request


def contact_request_mark_collaboration(
    *, user, contact_request: ContactRequest
) -> ContactRequest:
    """Either side records that an accepted request led to a collaboration."""
    if not (
        _manages(user, contact_request.sender)
        or _manages(user, contact_request.receiver)
    ):
        raise PermissionDenied(_("You are not part of this contact request."))
    for side in (contact_request.sender, contact_request.receiver):
        if _manages(user, side):
            member_require_act(side)
    if not contact_request.is_accepted:
        raise ValidationError(
            _("Only an accepted request can be marked as a collaboration.")
        )
    if not contact_request.led_to_collaboration:
        contact_request.led_to_collaboration = True
        contact_request.save(update_fields=["led_to_collaboration"])
    return contact_request
