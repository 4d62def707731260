"""Telling members of the open calls that fit them (issue 19): one message
per call and person, through `message_send_once` and its key."""

from datetime import datetime

from django.utils import translation

from hub.emails import absolute_url
from hub.models import CallPage
from members.accounts import account_language
from members.calls import CallFits
from members.models import Member, MemberManager, MessageKind
from members.notifications import message_send_once, message_wanted


def call_alert_send(*, call: CallPage, user, members: list[Member], fits) -> bool:
    """Tell `user` that `call` fits the members they manage (once per call)."""
    language = account_language(user)
    with translation.override(language):
        url = absolute_url(call.url or "")
        rows = [
            {
                "name": m.name,
                "reasons": fits.for_language(language)[call.pk][m.pk].reasons,
            }
            for m in members
        ]
    return message_send_once(
        key=f"call:{call.pk}:{user.pk}",
        user=user,
        kind=MessageKind.CALL,
        prefix="alerts/email/call",
        context={"call": call, "call_url": url, "rows": rows},
        items=[f"call:{call.pk}"],
        link=url,
    )


def calls_alert(*, now: datetime | None = None) -> int:
    """Tell the managers of the members that fit each open call; the number
    of messages sent. A key per call and person: each hears of it once."""
    fits = CallFits(now=now)
    sent = 0
    base = fits.for_language(translation.get_language() or "en")
    for call in fits.calls:
        member_ids = list(base.get(call.pk, {}))
        managers = (
            MemberManager.objects.filter(member_id__in=member_ids, user__is_active=True)
            .select_related("user", "member")
            .order_by("user_id", "member__name")
        )
        by_user: dict = {}
        for manager in managers:
            by_user.setdefault(manager.user, []).append(manager.member)
        for user, members in by_user.items():
            if not message_wanted(user=user, kind=MessageKind.CALL):
                continue
            language = account_language(user)
            table = fits.for_language(language).get(call.pk, {})
            members = [m for m in members if m.pk in table]
            if members:
                sent += call_alert_send(
                    call=call, user=user, members=members, fits=fits
                )
    return sent
