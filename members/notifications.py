"""Bringing members back (issue 19): saved searches with alerts, the weekly
digest, preferences and one-click unsubscribe.

Every message goes through `message_send_once`: the `SentMessage` row with
its unique key is written in the same transaction as the send, so a retried
job or a second scheduler finds the key taken and sends nothing. Messages are
written in the recipient's language (`account_language`) and cite only
records that may appear (members/permissions.py), read back from the
database after the index or the matchmaking engine proposed them.
"""

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import islice
from urllib.parse import urlencode

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hub.emails import absolute_url, email_render
from members.accounts import account_language
from members.calls import CallFits
from members.models import (
    AlertFrequency,
    Member,
    MessageKind,
    MessagePreference,
    Notification,
    SavedSearch,
    SearchDocument,
    SentMessage,
    Visibility,
)
from members.permissions import (
    member_appearing_q,
    member_may_act,
    project_appearing_q,
)
from projects.models import Project
from search.client import SearchUnavailable
from search.matching import place_reason, sector_reason
from search.selectors import FACETS, documents_search

logger = logging.getLogger(__name__)

MAX_SAVED_SEARCHES = 20
# The newest results compared with the known ones at each run.
RESULTS_CHECKED = 100
# Results named in one alert (the rest are counted).
RESULTS_LISTED = 10
DIGEST_SUGGESTIONS = 5
# Accounts whose members' rankings share one round trip in a digest run.
DIGEST_BATCH = 10
EXPIRY_WINDOW_DAYS = 14
EVENTS_WINDOW_DAYS = 14
UNSUBSCRIBE_SALT = "members.notifications.unsubscribe"


# Preferences and unsubscribe ---------------------------------------------------


# The digest is an e-mail: in the site it is only a pointer to it.
EMAIL_ONLY_KINDS = frozenset({MessageKind.DIGEST})


def channels_allowed(*, user, kind: str) -> tuple[bool, bool]:
    """(by e-mail, in the site) for `user` and `kind`: yes unless they said
    no."""
    preference = (
        MessagePreference.objects.filter(user=user, kind=kind)
        .values_list("email", "site")
        .first()
    )
    return preference or (True, True)


def email_allowed(*, user, kind: str) -> bool:
    """Whether `user` still wants `kind` by e-mail (yes unless they said no)."""
    return channels_allowed(user=user, kind=kind)[0]


def site_allowed(*, user, kind: str) -> bool:
    """Whether `user` wants `kind` in the site's notification centre."""
    return channels_allowed(user=user, kind=kind)[1]


def message_wanted(*, user, kind: str) -> bool:
    """Whether any channel still takes `kind` for `user` (the digest needs
    the e-mail)."""
    email, site = channels_allowed(user=user, kind=kind)
    return email if kind in EMAIL_ONLY_KINDS else email or site


def message_preference_set(
    *, user, kind: str, email: bool | None = None, site: bool | None = None
) -> MessagePreference:
    """Set one or both channels of `kind` for `user` (None leaves it)."""
    defaults = {"updated_at": timezone.now()}
    if email is not None:
        defaults["email"] = email
    if site is not None:
        defaults["site"] = site
    preference, _created = MessagePreference.objects.update_or_create(
        user=user, kind=kind, defaults=defaults
    )
    return preference


def unsubscribe_token(*, user, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token_read(token: str) -> tuple[int, str]:
    """(user id, kind) from a token; BadSignature when forged or damaged."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if data.get("k") not in MessageKind.values or not isinstance(data.get("u"), int):
        raise signing.BadSignature("Unknown kind")
    return data["u"], data["k"]


def unsubscribe_url(*, user, kind: str) -> str:
    """The one-click link, in the active language."""
    token = unsubscribe_token(user=user, kind=kind)
    return absolute_url(reverse("alerts:unsubscribe", kwargs={"token": token}))


# Sending once ----------------------------------------------------------------


def message_send_once(
    *,
    key: str,
    user,
    kind: str,
    prefix: str,
    context: dict,
    items=(),
    after=None,
    link: str = "",
) -> bool:
    """Send `prefix` to `user` unless a message with `key` was sent: the key's
    row, the bell's notification (its subject and `link`), `after()` (e.g.
    marking results as announced) and the send commit together or not at all.
    Each channel is used only if `user` wants `kind` there (no e-mail, no
    bell item); with neither, nothing is sent or recorded. Returns whether
    it was sent now."""
    if not user.is_active:
        return False
    by_email, in_site = channels_allowed(user=user, kind=kind)
    by_email = by_email and bool(user.email)
    if not by_email and (kind in EMAIL_ONLY_KINDS or not in_site):
        return False
    language = account_language(user)
    with translation.override(language):
        unsubscribe = unsubscribe_url(user=user, kind=kind)
        preferences = absolute_url(reverse("alerts:list"))
    message = email_render(
        prefix=prefix,
        context={
            **context,
            "unsubscribe_url": unsubscribe,
            "preferences_url": preferences,
            "kind_label": _kind_label(kind, language),
        },
        to=user.email,
        language=language,
    )
    # RFC 8058: a mail client may unsubscribe with one POST, no log-in.
    message.extra_headers["List-Unsubscribe"] = f"<{unsubscribe}>"
    message.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # For mail filters and bounce handling: which kind of message this is.
    message.extra_headers["X-Hub-Message-Kind"] = kind
    try:
        with transaction.atomic():
            SentMessage.objects.create(
                key=key[:200],
                user=user,
                kind=kind,
                language=language,
                items=list(items),
                sent_at=timezone.now(),
            )
            if in_site:
                Notification.objects.create(
                    user=user,
                    kind=kind,
                    text=message.subject.split("] ", 1)[-1][:300],
                    url=link[:500],
                )
            if after is not None:
                after()
            if by_email:
                message.send()
    except IntegrityError:
        logger.info("Message %s was already sent", key)
        return False
    except OSError:
        # Nothing recorded: the next run tries again.
        logger.exception("Could not send %s", key)
        return False
    return True


def _kind_label(kind: str, language: str) -> str:
    with translation.override(language):
        return str(MessageKind(kind).label)


# Saved searches --------------------------------------------------------------


def _clean_filters(document: str, filters: dict) -> dict:
    return {
        name: [str(v)[:64] for v in values][:20]
        for name, values in (filters or {}).items()
        if name in FACETS[document] and values
    }


def _appearing_ids(document: str, ids: list[int]) -> list[int]:
    """`ids` that may appear, in the same order."""
    if document == SearchDocument.MEMBER:
        allowed = Member.objects.filter(member_appearing_q(), pk__in=ids)
    else:
        allowed = Project.objects.filter(project_appearing_q(), pk__in=ids)
    allowed = set(allowed.values_list("pk", flat=True))
    return [pk for pk in ids if pk in allowed]


def saved_search_results(search: SavedSearch) -> list[int]:
    """The newest results of `search` that may appear (SearchUnavailable when
    the index cannot answer)."""
    page = documents_search(
        document=search.document,
        query=search.query,
        filters=search.filters,
        sort="newest",
        size=RESULTS_CHECKED,
        facets=False,
    )
    return _appearing_ids(search.document, [hit.id for hit in page.hits])


def saved_search_default_name(*, document: str, query: str, filters: dict) -> str:
    label = str(SearchDocument(document).label)
    words = [query] if query else []
    words += [v for values in filters.values() for v in values]
    return f"{label}: {', '.join(words)}"[:120] if words else label


def saved_search_create(
    *,
    user,
    document: str,
    query: str = "",
    filters: dict | None = None,
    frequency: str = AlertFrequency.DAILY,
    name: str = "",
) -> SavedSearch:
    """Save a search for `user`; what it finds today is known, so only later
    results are announced. ValidationError past MAX_SAVED_SEARCHES or when
    the index cannot answer (nothing is saved then)."""
    if document not in SearchDocument.values:
        raise ValidationError(_("This search cannot be saved."))
    if frequency not in AlertFrequency.values:
        frequency = AlertFrequency.DAILY
    if SavedSearch.objects.filter(user=user).count() >= MAX_SAVED_SEARCHES:
        raise ValidationError(
            _(
                "You already have %(count)d saved searches: delete one before "
                "saving another."
            )
            % {"count": MAX_SAVED_SEARCHES}
        )
    filters = _clean_filters(document, filters or {})
    query = (query or "").strip()[:200]
    search = SavedSearch(
        user=user,
        document=document,
        query=query,
        filters=filters,
        frequency=frequency,
        name=(name.strip()[:120] if name else "")
        or saved_search_default_name(document=document, query=query, filters=filters),
        created_at=timezone.now(),
    )
    try:
        search.known_ids = saved_search_results(search)
    except SearchUnavailable as exc:
        raise ValidationError(
            _("Search is unavailable right now: please try again in a moment.")
        ) from exc
    search.save()
    return search


def _period(frequency: str, now: datetime, new_ids: list[int]) -> str:
    if frequency == AlertFrequency.DAILY:
        return timezone.localdate(now).isoformat()
    if frequency == AlertFrequency.WEEKLY:
        year, week, _day = timezone.localdate(now).isocalendar()
        return f"{year}-W{week:02d}"
    digest = hashlib.sha256(",".join(map(str, sorted(new_ids))).encode())
    return digest.hexdigest()[:16]


def _result_rows(document: str, ids: list[int]) -> list[dict]:
    if document == SearchDocument.MEMBER:
        rows = Member.objects.filter(member_appearing_q(), pk__in=ids).only(
            "name", "slug", "headline"
        )
        found = {
            m.pk: {"title": m.name, "summary": m.headline, "path": m.get_absolute_url()}
            for m in rows
        }
    else:
        rows = Project.objects.filter(project_appearing_q(), pk__in=ids).only(
            "title", "slug", "summary"
        )
        found = {
            p.pk: {
                "title": p.title,
                "summary": p.summary[:200],
                "path": p.get_absolute_url(),
            }
            for p in rows
        }
    return [found[pk] for pk in ids if pk in found]


def saved_search_alert(search: SavedSearch, *, now: datetime | None = None) -> bool:
    """Announce the results of `search` not known yet; True when an e-mail
    went out."""
    now = now or timezone.now()
    user = search.user
    if not message_wanted(user=user, kind=MessageKind.ALERT):
        return False
    results = saved_search_results(search)
    known = set(search.known_ids)
    new = [pk for pk in results if pk not in known]
    if not new:
        return False
    key = f"alert:{search.pk}:{_period(search.frequency, now, new)}"
    language = account_language(user)
    with translation.override(language):
        rows = _result_rows(search.document, new[:RESULTS_LISTED])
        for row in rows:
            row["url"] = absolute_url(row.pop("path"))
        params = {"q": search.query} if search.query else {}
        params.update(search.filters)
        path = reverse(
            "members:list"
            if search.document == SearchDocument.MEMBER
            else "projects:list"
        )
        query = urlencode(params, doseq=True)
        search_url = absolute_url(f"{path}?{query}" if query else path)

    def remember():
        SavedSearch.objects.filter(pk=search.pk).update(
            known_ids=sorted(known | set(new)), last_alerted_at=now
        )

    sent = message_send_once(
        key=key,
        user=user,
        kind=MessageKind.ALERT,
        prefix="alerts/email/alert",
        context={
            "search": search,
            "results": rows,
            "more": max(len(new) - len(rows), 0),
            "search_url": search_url,
        },
        items=[f"{search.document}:{pk}" for pk in new],
        after=remember,
        link=search_url,
    )
    if sent:
        search.known_ids = sorted(known | set(new))
        search.last_alerted_at = now
    return sent


def saved_searches_alert(*, frequency: str, now: datetime | None = None) -> int:
    """Run every saved search of `frequency`; the number of e-mails sent. A
    search the index cannot answer waits for the next run."""
    sent = 0
    searches = SavedSearch.objects.filter(
        frequency=frequency, user__is_active=True
    ).select_related("user")
    for search in searches.iterator():
        try:
            sent += saved_search_alert(search, now=now)
        except SearchUnavailable:
            logger.warning("Search unavailable: alerts of %s wait", search.pk)
            break
    return sent


# Weekly digest ---------------------------------------------------------------


# The lists of a digest's section, per member managed.
SECTION_LISTS = ("projects", "needs", "members", "newcomers", "calls", "expiring")
NEWCOMERS_DAYS = 7
NEWCOMERS_LISTED = 5


@dataclass
class Digest:
    """What one person's weekly digest says, per member they manage."""

    sections: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)

    @property
    def items(self) -> list[str]:
        keys = [e["key"] for e in self.events]
        for section in self.sections:
            for name in SECTION_LISTS:
                keys += [row["key"] for row in section[name]]
        return keys

    def __bool__(self) -> bool:
        return bool(self.items)


def _announced(user) -> set[str]:
    """What earlier digests, and the calls' alerts, already told `user`."""
    rows = SentMessage.objects.filter(
        user=user, kind__in=[MessageKind.DIGEST, MessageKind.CALL]
    )
    return {item for items in rows.values_list("items", flat=True) for item in items}


def _managed_members(user) -> list[Member]:
    members = Member.objects.filter(managers__user=user).order_by("name", "pk")
    return [m for m in members.distinct() if member_may_act(m)]


def upcoming_events(day: date) -> list[dict]:
    from hub.models.events import EventPage

    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    end = start + timedelta(days=EVENTS_WINDOW_DAYS)
    events = (
        EventPage.objects.live()
        .public()
        .filter(start__gte=start, start__lt=end)
        .order_by("start", "pk")
    )
    return [
        {
            "key": f"event:{e.pk}",
            "title": e.title,
            "start": e.start,
            "url": absolute_url(e.url or ""),
        }
        for e in events[:10]
    ]


def _reasons(match) -> list[str]:
    return [reason.text for reason in match.reasons[:3]]


@dataclass
class Newcomers:
    """The week's new members, indexed by sector and by public commune, so a
    digest looks at its own sectors' newcomers only."""

    rows: list[dict] = field(default_factory=list)
    by_sector: dict[int, list[int]] = field(default_factory=dict)
    by_commune: dict[str, list[int]] = field(default_factory=dict)

    def near(self, *, sectors: set[int], commune: str) -> list[dict]:
        """Newcomers sharing one of `sectors` or `commune`, newest first."""
        positions = set(self.by_commune.get(commune, ()))
        for sector in sectors:
            positions.update(self.by_sector.get(sector, ()))
        return [self.rows[i] for i in sorted(positions)]


def newcomers_of_week(day: date) -> Newcomers:
    """Members published in the week before `day`, newest first (read once
    for a whole run)."""
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    found = (
        Member.objects.filter(
            member_appearing_q(),
            created_at__gte=start - timedelta(days=NEWCOMERS_DAYS),
            created_at__lt=start,
        )
        .order_by("-created_at", "pk")
        .prefetch_related("sectors")
        .only("name", "slug", "commune", "visibility")
    )
    week = Newcomers()
    for position, other in enumerate(found.iterator(chunk_size=500)):
        sectors = {s.pk: s.slug for s in other.sectors.all()}
        # A commune kept for matching only is never compared.
        public = other.visibility_of("location") == Visibility.PUBLIC
        commune = other.commune if public else ""
        week.rows.append(
            {
                "pk": other.pk,
                "name": other.name,
                "path": other.get_absolute_url(),
                "sectors": sectors,
                "commune": commune,
            }
        )
        for pk in sectors:
            week.by_sector.setdefault(pk, []).append(position)
        if commune:
            week.by_commune.setdefault(commune, []).append(position)
    return week


def _newcomers(member: Member, announced, week: Newcomers) -> list[dict]:
    """The newcomers of `week` who work in `member`'s sectors, or in its
    commune when they show their place publicly."""
    sectors = {s.pk for s in member.sectors.all()}
    rows = []
    for other in week.near(sectors=sectors, commune=member.commune):
        key = f"member:{other['pk']}"
        if other["pk"] == member.pk or key in announced:
            continue
        shared = [slug for pk, slug in other["sectors"].items() if pk in sectors]
        reasons = [sector_reason(slug, 1.0).text for slug in sorted(shared)[:2]]
        if member.commune and other["commune"] == member.commune:
            reasons.append(place_reason("commune", member.commune, 1.0).text)
        rows.append(
            {
                "key": key,
                "title": other["name"],
                "url": absolute_url(other["path"]),
                "reasons": reasons,
            }
        )
        if len(rows) == NEWCOMERS_LISTED:
            break
    return rows


def digest_build(
    *,
    user,
    day: date,
    announced=frozenset(),
    events: list | None = None,
    calls=None,
    newcomers: Newcomers | None = None,
    rankings: dict | None = None,
) -> Digest:
    """The digest for `user` on `day`, in the active language, without the
    items an earlier digest announced. `events`: the upcoming events, when
    the caller read them once for every digest; `calls`: the open calls'
    fits (members.calls.CallFits) and `newcomers`: `newcomers_of_week`,
    both shared by one run's digests; `rankings`: `digest_rankings` of a
    batch of accounts this one belongs to."""
    from search.matchmaking.services import member_rankings

    language = translation.get_language()

    digest = Digest()
    if newcomers is None:
        newcomers = newcomers_of_week(day)
    for member in _managed_members(user):
        section = {"member": member, "projects": [], "needs": [], "members": []}
        ranked = (rankings or {}).get((language, member.pk))
        try:
            # Both lists in one round trip, from the member's public profile.
            projects, people = ranked or member_rankings(
                member=member, size=DIGEST_SUGGESTIONS, public_only=True
            )
        except SearchUnavailable:
            projects, people = [], []
        appearing = set(
            _appearing_ids(SearchDocument.PROJECT, [m.project_id for m in projects])
        )
        titles = dict(
            Project.objects.filter(pk__in=appearing).values_list("pk", "title")
        )
        paths = {
            p.pk: p.get_absolute_url()
            for p in Project.objects.filter(pk__in=appearing).only("slug")
        }
        for match in projects:
            key = f"project:{match.project_id}"
            if match.project_id not in appearing or key in announced:
                continue
            row = {
                "key": key,
                "title": titles[match.project_id],
                "url": absolute_url(paths[match.project_id]),
                "reasons": _reasons(match),
            }
            codes = {reason.code for reason in match.reasons}
            target = "needs" if "seeks_what_you_offer" in codes else "projects"
            section[target].append(row)
        allowed = set(
            _appearing_ids(SearchDocument.MEMBER, [m.member_id for m in people])
        )
        others = {
            m.pk: m for m in Member.objects.filter(pk__in=allowed).only("name", "slug")
        }
        for match in people:
            key = f"member:{match.member_id}"
            if match.member_id not in allowed or key in announced:
                continue
            other = others[match.member_id]
            section["members"].append(
                {
                    "key": key,
                    "title": other.name,
                    "url": absolute_url(other.get_absolute_url()),
                    "reasons": _reasons(match),
                }
            )
        limit = day + timedelta(days=EXPIRY_WINDOW_DAYS)
        expiring = member.offers.filter(expires_on__gte=day, expires_on__lte=limit)
        section["expiring"] = [
            {
                "key": f"offer:{o.pk}:{o.expires_on.isoformat()}",
                "title": o.text,
                "expires_on": o.expires_on,
            }
            for o in expiring.order_by("expires_on", "pk")
            if f"offer:{o.pk}:{o.expires_on.isoformat()}" not in announced
        ]
        told = {row["key"] for name in SECTION_LISTS[:3] for row in section[name]}
        section["newcomers"] = [
            row
            for row in _newcomers(member, announced, newcomers)
            if row["key"] not in told
        ]
        if calls is None:
            calls = CallFits(now=timezone.make_aware(datetime.combine(day, time())))
        section["calls"] = [
            row
            for row in calls.rows_for_member(member.pk, translation.get_language())
            if row["key"] not in announced
        ]
        section["edit_url"] = absolute_url(
            reverse("members:edit", kwargs={"slug": member.slug})
        )
        if any(section[n] for n in SECTION_LISTS):
            digest.sections.append(section)
    if digest.sections:
        upcoming = upcoming_events(day) if events is None else events
        digest.events = [e for e in upcoming if e["key"] not in announced]
    return digest


def _week(day: date) -> str:
    year, week, _day = day.isocalendar()
    return f"{year}-W{week:02d}"


def _digest_due(user, day: date) -> bool:
    """`user` wants digests and has not had `day`'s week's yet."""
    return message_wanted(user=user, kind=MessageKind.DIGEST) and not (
        SentMessage.objects.filter(key=_digest_key(user, day)).exists()
    )


def _digest_key(user, day: date) -> str:
    return f"digest:{user.pk}:{_week(day)}"


def digest_rankings(users) -> dict[tuple[str, int], tuple[list, list]]:
    """The digest's two lists for every member that `users` manage, by
    (language, member id): the members of the accounts of one language are
    ranked in one round trip, in that language (reasons are worded as they
    are ranked). Nothing for a language whose round trip failed: its
    digests then try member by member."""
    from search.matchmaking.services import members_rankings

    by_language: dict[str, dict[int, Member]] = defaultdict(dict)
    for user in users:
        for member in _managed_members(user):
            by_language[account_language(user)][member.pk] = member
    out = {}
    for language, members in by_language.items():
        with translation.override(language):
            try:
                ranked = members_rankings(
                    members=list(members.values()),
                    size=DIGEST_SUGGESTIONS,
                    public_only=True,
                )
            except SearchUnavailable:
                continue
        out |= {(language, pk): lists for pk, lists in ranked.items()}
    return out


def digest_send(
    *,
    user,
    day: date,
    events: dict | None = None,
    calls=None,
    newcomers=None,
    rankings: dict | None = None,
) -> bool:
    """Send `user` the digest of `day`'s week if there is something new.
    `events`: upcoming events by language, `calls`: the open calls' fits,
    `newcomers`: the week's new members, `rankings`: `digest_rankings` of a
    batch, all shared by one run's digests."""
    if not _digest_due(user, day):
        return False
    language = account_language(user)
    with translation.override(language):
        upcoming = None
        if events is not None:
            upcoming = events.get(language)
            if upcoming is None:
                upcoming = events[language] = upcoming_events(day)
        digest = digest_build(
            user=user,
            day=day,
            announced=_announced(user),
            events=upcoming,
            calls=calls,
            newcomers=newcomers,
            rankings=rankings,
        )
    if not digest:
        return False
    with translation.override(account_language(user)):
        dashboard = absolute_url(reverse("dashboard:home"))
    return message_send_once(
        key=_digest_key(user, day),
        user=user,
        kind=MessageKind.DIGEST,
        prefix="alerts/email/digest",
        context={"digest": digest, "day": day},
        items=digest.items,
        link=dashboard,
    )


def digests_send(*, day: date) -> int:
    """The weekly digests for every account managing a member that may act,
    `DIGEST_BATCH` accounts at a time (their members' rankings in one round
    trip per language)."""
    from django.contrib.auth import get_user_model

    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            managed__member__in=Member.objects.filter(member_appearing_q()),
        )
        .distinct()
        .order_by("pk")
        .iterator()
    )
    events: dict = {}
    calls = CallFits(now=timezone.make_aware(datetime.combine(day, time())))
    newcomers = newcomers_of_week(day)
    sent = 0
    while batch := list(islice(users, DIGEST_BATCH)):
        due = [user for user in batch if _digest_due(user, day)]
        rankings = digest_rankings(due)
        sent += sum(
            digest_send(
                user=user,
                day=day,
                events=events,
                calls=calls,
                newcomers=newcomers,
                rankings=rankings,
            )
            for user in due
        )
    return sent


# Notification centre ---------------------------------------------------------


def notifications_unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_mark_read(*, user, pk: int | None = None) -> int:
    """Mark one (or, without `pk`, every) unread notification of `user` read."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())
