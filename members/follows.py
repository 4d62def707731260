"""Follow a member or an experiment (issue 19): its new needs, stage changes,
new partners and news reach the follower by e-mail and in the site, through
`message_send_once` and its idempotency key.

What happens is recorded as a `FollowUpdate` holding references only
(members/signal_handlers.py); `follow_updates_send` writes each follower one
message, in their language, naming only records that may appear at that
moment. An update naming something that may not appear (yet) waits.
"""

import hashlib
import logging
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wagtail.models import Page

from hub.emails import absolute_url
from members.accounts import account_language
from members.models import (
    Follow,
    FollowEvent,
    FollowUpdate,
    Member,
    MessageKind,
    SentMessage,
    Visibility,
)
from members.notifications import message_send_once, message_wanted
from members.permissions import member_may_appear, project_may_appear
from projects.models import NeedStatus, Project, ProjectPartner, Stage

logger = logging.getLogger(__name__)

# Updates older than this are no longer news.
UPDATE_WINDOW_DAYS = 7
MAX_FOLLOWS = 200
UPDATES_LISTED = 20


class FollowError(Exception):
    pass


# Following -------------------------------------------------------------------


def follow_subject_may_be_followed(subject) -> bool:
    if isinstance(subject, Member):
        return member_may_appear(subject)
    return project_may_appear(subject)


def follow_add(*, user, subject) -> Follow:
    """`user` follows `subject` (a member or an experiment that may appear)."""
    if not follow_subject_may_be_followed(subject):
        raise FollowError(_("This page cannot be followed."))
    field = "member" if isinstance(subject, Member) else "project"
    existing = Follow.objects.filter(user=user, **{field: subject}).first()
    if existing is not None:
        return existing
    if Follow.objects.filter(user=user).count() >= MAX_FOLLOWS:
        raise FollowError(
            _("You already follow %(count)d pages: stop following one first.")
            % {"count": MAX_FOLLOWS}
        )
    try:
        with transaction.atomic():
            return Follow.objects.create(
                user=user, created_at=timezone.now(), **{field: subject}
            )
    except IntegrityError:  # a double click
        return Follow.objects.get(user=user, **{field: subject})


def follow_remove(*, user, subject) -> None:
    field = "member" if isinstance(subject, Member) else "project"
    Follow.objects.filter(user=user, **{field: subject}).delete()


def follow_exists(*, user, subject) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    field = "member" if isinstance(subject, Member) else "project"
    return Follow.objects.filter(user=user, **{field: subject}).exists()


def follows_of(*, user) -> list[Follow]:
    """What `user` follows and may still see, newest first."""
    follows = Follow.objects.filter(user=user).select_related(
        "member", "project", "project__owner"
    )
    return [
        f
        for f in follows
        if (f.member is not None and member_may_appear(f.member))
        or (f.project is not None and project_may_appear(f.project))
    ]


# Recording what happens --------------------------------------------------------


def _followed(*, member=None, project=None) -> bool:
    if member is not None:
        return Follow.objects.filter(member=member).exists()
    return Follow.objects.filter(project=project).exists()


def follow_update_record(
    *, event: str, member=None, project=None, ref: dict, now=None
) -> FollowUpdate | None:
    """Record `event` of `member` or `project` if someone follows it and the
    same update was not recorded already (a form saving its rows again, a
    page published twice)."""
    if not _followed(member=member, project=project):
        return None
    subject = {"member": member} if member is not None else {"project": project}
    if FollowUpdate.objects.filter(event=event, ref=ref, **subject).exists():
        return None
    return FollowUpdate.objects.create(
        event=event, ref=ref, created_at=now or timezone.now(), **subject
    )


def follow_partnership_record(partnership: ProjectPartner) -> None:
    """A confirmed partner: news for the experiment's followers and for the
    partner's. A draft's partners are told of when it is published."""
    if not project_may_appear(partnership.project):
        return
    follow_update_record(
        event=FollowEvent.PARTNER,
        project=partnership.project,
        ref={"partner": partnership.member_id},
    )
    follow_update_record(
        event=FollowEvent.EXPERIMENT,
        member=partnership.member,
        ref={"project": partnership.project_id},
    )


def follow_news_record(page) -> None:
    for subject in page.subjects.all():
        if subject.member_id:
            follow_update_record(
                event=FollowEvent.NEWS, member=subject.member, ref={"page": page.pk}
            )
        if subject.project_id:
            follow_update_record(
                event=FollowEvent.NEWS, project=subject.project, ref={"page": page.pk}
            )


# Writing and sending -------------------------------------------------------------


def _page(pk):
    page = Page.objects.live().public().filter(pk=pk).first()
    return page.specific if page is not None else None


def _project_line(update: FollowUpdate) -> dict | None:
    """The line announcing `update` of an experiment, or None while it may
    not be told."""
    project = update.project
    if not project_may_appear(project):
        return None
    title = project.title
    url = project.get_absolute_url()
    ref = update.ref
    if update.event == FollowEvent.NEED:
        need = project.needs.filter(pk=ref.get("need"), status=NeedStatus.OPEN).first()
        if need is None:
            return None
        text = _("“%(project)s” seeks a partner: %(need)s") % {
            "project": title,
            "need": need.text,
        }
    elif update.event == FollowEvent.STAGE:
        if ref.get("stage") not in Stage.values:
            return None
        text = _("“%(project)s” moved to the %(stage)s stage") % {
            "project": title,
            "stage": str(Stage(ref["stage"]).label).lower(),
        }
    elif update.event == FollowEvent.PARTNER:
        partnership = (
            project.partnerships.filter(member_id=ref.get("partner"), confirmed=True)
            .select_related("member")
            .first()
        )
        if partnership is None or not member_may_appear(partnership.member):
            return None
        text = _("%(member)s joined “%(project)s”") % {
            "member": partnership.member.name,
            "project": title,
        }
    elif update.event == FollowEvent.NEWS:
        page = _page(ref.get("page"))
        if page is None:
            return None
        text = _("News about “%(project)s”: %(title)s") % {
            "project": title,
            "title": page.title,
        }
        url = page.url or url
    else:
        return None
    return {"text": text, "url": url}


def _member_line(update: FollowUpdate) -> dict | None:
    member = update.member
    if not member_may_appear(member):
        return None
    name = member.name
    url = member.get_absolute_url()
    ref = update.ref
    if update.event == FollowEvent.NEED:
        if member.visibility_of("seeks") != Visibility.PUBLIC:
            return None
        seek = member.seeks.active().filter(text=ref.get("seek_text")).first()
        if seek is None:
            return None
        text = _("%(member)s seeks: %(seek)s") % {"member": name, "seek": seek.text}
    elif update.event == FollowEvent.EXPERIMENT:
        project = Project.objects.filter(pk=ref.get("project")).first()
        if project is None or not project_may_appear(project):
            return None
        if not project.partnerships.filter(member=member, confirmed=True).exists():
            return None
        text = _("%(member)s takes part in “%(project)s”") % {
            "member": name,
            "project": project.title,
        }
        url = project.get_absolute_url()
    elif update.event == FollowEvent.NEWS:
        page = _page(ref.get("page"))
        if page is None:
            return None
        text = _("News about %(member)s: %(title)s") % {
            "member": name,
            "title": page.title,
        }
        url = page.url or url
    else:
        return None
    return {"text": text, "url": url}


def follow_update_line(update: FollowUpdate) -> dict | None:
    """{"text", "url"} for `update` in the active language, or None while
    something it names may not appear."""
    line = _member_line(update) if update.member_id else _project_line(update)
    if line is not None:
        line["url"] = absolute_url(line["url"])
    return line


def _announced(user, since: datetime) -> set[str]:
    rows = SentMessage.objects.filter(
        user=user, kind=MessageKind.FOLLOW, sent_at__gte=since
    )
    return {item for items in rows.values_list("items", flat=True) for item in items}


def _pending_updates(user, since: datetime) -> list[FollowUpdate]:
    follows = list(
        Follow.objects.filter(user=user).values_list(
            "member_id", "project_id", "created_at"
        )
    )
    if not follows:
        return []
    condition = Q()
    for member_id, project_id, followed_at in follows:
        subject = Q(member_id=member_id) if member_id else Q(project_id=project_id)
        # Only what happened after one started following.
        condition |= subject & Q(created_at__gte=followed_at)
    announced = _announced(user, since)
    updates = (
        FollowUpdate.objects.filter(condition, created_at__gte=since)
        .select_related("member", "project", "project__owner")
        .order_by("created_at", "pk")
    )
    return [u for u in updates if f"update:{u.pk}" not in announced]


def follow_updates_send_to(*, user, now: datetime | None = None) -> bool:
    """One message telling `user` what happened to what they follow since the
    last one; True when it went out."""
    now = now or timezone.now()
    if not message_wanted(user=user, kind=MessageKind.FOLLOW):
        return False
    updates = _pending_updates(user, now - timedelta(days=UPDATE_WINDOW_DAYS))
    if not updates:
        return False
    with translation.override(account_language(user)):
        told = [(u, follow_update_line(u)) for u in updates]
        told = [(u, line) for u, line in told if line is not None]
        if not told:
            return False
        follows_url = absolute_url(reverse("alerts:follows"))
    ids = sorted(u.pk for u, _line in told)
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
    lines = [line for _u, line in told]
    return message_send_once(
        key=f"follow:{user.pk}:{digest}",
        user=user,
        kind=MessageKind.FOLLOW,
        prefix="alerts/email/follow",
        context={
            "lines": lines[:UPDATES_LISTED],
            "more": max(len(lines) - UPDATES_LISTED, 0),
            "follows_url": follows_url,
        },
        items=[f"update:{pk}" for pk in ids],
        link=lines[0]["url"] if len(lines) == 1 else follows_url,
    )


def follow_updates_send(*, now: datetime | None = None) -> int:
    """Tell every follower what is new; the number of messages sent."""
    now = now or timezone.now()
    since = now - timedelta(days=UPDATE_WINDOW_DAYS)
    recent = FollowUpdate.objects.filter(created_at__gte=since)
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(follows__member__in=recent.values("member"))
            | Q(follows__project__in=recent.values("project"))
        )
        .distinct()
        .order_by("pk")
    )
    sent = sum(follow_updates_send_to(user=user, now=now) for user in users)
    # Past the window an update is never told: keep the table small.
    FollowUpdate.objects.filter(
        created_at__lt=now - timedelta(days=2 * UPDATE_WINDOW_DAYS)
    ).delete()
    return sent
