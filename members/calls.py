"""Which members and experiments fit a call (hub.CallPage) (issue 19); the
members are told in members/call_alerts.py and in the weekly digest.

Members come from the matchmaking engine (`members_for_project` on the call
read as a draft experiment), with its reasons; experiments from the search
service, one query per keyword of the call, with the keywords and sectors
that matched as reasons. Only records that may appear are named, and only
open calls (deadline not passed) are listed or announced.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hub.emails import absolute_url
from hub.models import CallPage
from members.models import Member
from members.permissions import member_appearing_q, project_appearing_q
from projects.models import Project, Stage
from search.client import SearchUnavailable
from search.matching import DraftProject, Reason, members_for_project, sector_reason
from search.selectors import documents_search

logger = logging.getLogger(__name__)

# Members a call is announced to, and shown on its page.
CALL_MEMBER_FITS = 10
CALL_PROJECT_FITS = 6
FITS_CACHE_SECONDS = 600


@dataclass
class CallFit:
    pk: int
    title: str
    url: str
    reasons: list[str] = field(default_factory=list)


def call_draft(call: CallPage) -> DraftProject:
    """The call as the matchmaking engine reads an experiment."""
    return DraftProject(
        title=call.title,
        summary=call.intro,
        keywords=call.keyword_list,
        sectors=[s.slug for s in call.sectors.all()],
        languages=list(call.languages),
    )


def _cache_key(call: CallPage, what: str, model) -> str:
    """Changes when the call is published again or any member (experiment)
    changes: a fit is never older than the records it names."""
    stamp = call.last_published_at.timestamp() if call.last_published_at else 0
    latest = model.objects.aggregate(latest=Max("updated_at"))["latest"]
    changed = latest.timestamp() if latest else 0
    language = translation.get_language()
    return f"call-fits:{what}:{call.pk}:{stamp}:{changed}:{language}"


def call_fitting_members(call: CallPage, *, size: int = CALL_MEMBER_FITS):
    """Members of the call's kinds that fit it, best first, each with the
    engine's reasons in the active language (SearchUnavailable when the
    index cannot answer)."""
    key = _cache_key(call, f"members:{size}", Member)
    found = cache.get(key)
    if found is not None:
        return found
    kinds = list(call.eligible_kinds)
    matches = members_for_project(
        project=call_draft(call),
        kind=kinds[0] if len(kinds) == 1 else None,
        size=size * 3,
    )
    allowed = Member.objects.filter(
        member_appearing_q(), pk__in=[m.member_id for m in matches]
    )
    if kinds:
        allowed = allowed.filter(kind__in=kinds)
    members = {m.pk: m for m in allowed.only("name", "slug")}
    fits = [
        CallFit(
            pk=match.member_id,
            title=members[match.member_id].name,
            url=members[match.member_id].get_absolute_url(),
            reasons=[reason.text for reason in match.reasons[:3]],
        )
        for match in matches
        if match.member_id in members
    ][:size]
    cache.set(key, fits, FITS_CACHE_SECONDS)
    return fits


def _project_reasons(call, keywords: list[str], sectors: set[str]) -> list[Reason]:
    reasons = (
        [
            Reason(
                "call_keyword",
                _("About %(topic)s, like the call")
                % {"topic": ", ".join(keywords[:3])},
                {"keywords": keywords},
                1.0,
            )
        ]
        if keywords
        else []
    )
    reasons += [sector_reason(slug, 0.5) for slug in sorted(sectors)]
    return reasons


def call_fitting_projects(call: CallPage, *, size: int = CALL_PROJECT_FITS):
    """Published experiments, not completed, about the call's keywords (or
    its title) in its sectors, with what matched."""
    key = _cache_key(call, f"projects:{size}", Project)
    found = cache.get(key)
    if found is not None:
        return found
    sectors = [s.slug for s in call.sectors.all()]
    filters = {"sector": sectors} if sectors else {}
    matched: dict[int, list[str]] = {}
    order: list[int] = []
    for keyword in call.keyword_list or [call.title]:
        page = documents_search(
            document="project",
            query=keyword,
            filters=filters,
            size=size * 2,
            facets=False,
        )
        for hit in page.hits:
            if hit.id not in matched:
                order.append(hit.id)
            matched.setdefault(hit.id, []).append(keyword)
    projects = {
        p.pk: p
        for p in Project.objects.filter(project_appearing_q(), pk__in=order)
        .exclude(stage=Stage.COMPLETED)
        .prefetch_related("sectors")
    }
    # The most keywords matched first, then the search's order.
    order = [pk for pk in order if pk in projects]
    order.sort(key=lambda pk: -len(matched[pk]))
    fits = []
    for pk in order[:size]:
        project = projects[pk]
        shared = set(sectors) & {s.slug for s in project.sectors.all()}
        keywords = matched[pk] if call.keyword_list else []
        fits.append(
            CallFit(
                pk=pk,
                title=project.title,
                url=project.get_absolute_url(),
                reasons=[r.text for r in _project_reasons(call, keywords, shared)],
            )
        )
    cache.set(key, fits, FITS_CACHE_SECONDS)
    return fits


def calls_open(*, now: datetime | None = None):
    return CallPage.objects_open(now=now)


class CallFits:
    """Which members fit which open call, computed once per language for a
    whole run (the digests of every member, the daily alerts)."""

    def __init__(self, *, now: datetime | None = None):
        self.now = now or timezone.now()
        self.calls = list(calls_open(now=self.now).specific())
        self._by_language: dict[str, dict[int, dict[int, CallFit]]] = {}

    def for_language(self, language: str) -> dict[int, dict[int, CallFit]]:
        """{call pk: {member pk: fit}} with reasons in `language`."""
        if language not in self._by_language:
            table = {}
            with translation.override(language):
                for call in self.calls:
                    try:
                        fits = call_fitting_members(call)
                    except SearchUnavailable:
                        logger.warning("Search unavailable: call %s waits", call.pk)
                        fits = []
                    table[call.pk] = {fit.pk: fit for fit in fits}
            self._by_language[language] = table
        return self._by_language[language]

    def rows_for_member(self, member_id: int, language: str) -> list[dict]:
        """The open calls `member_id` fits, as digest rows."""
        table = self.for_language(language)
        rows = []
        for call in self.calls:
            fit = table.get(call.pk, {}).get(member_id)
            if fit is None:
                continue
            rows.append(
                {
                    "key": f"call:{call.pk}",
                    "title": call.title,
                    "url": absolute_url(call.url or ""),
                    "deadline": call.deadline,
                    "reasons": fit.reasons,
                }
            )
        return rows
