"""Public JSON API (django-ninja): search with facets, and public records.

Only public data leaves through here: search results come from the index,
which holds public fields only, and detail records use the same public view
of a member or project as `hub_export` without `--private`.
"""

from typing import Annotated

from django.http import Http404, HttpRequest, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404

from ninja import NinjaAPI, Query, Schema
from ninja.errors import ValidationError
from pydantic import Field, StringConstraints

from hub.throttling import AnonApiThrottle, AuthApiThrottle
from members.exporting import member_row, project_row
from members.models import Member, MemberKind, MemberRedirect
from members.permissions import member_appearing_q
from projects.models import Project
from search.client import SearchUnavailable
from search.matchmaking import (
    DraftProject,
    member_matches_remembered,
    members_for_project,
    project_matches_remembered,
)
from search.result_cache import documents_search_remembered
from search.selectors import FACETS, SORTS
from search.team import MAX_PER_KIND, team_for_project

api = NinjaAPI(
    title="Social Innovation Hub API",
    version="1",
    description=(
        "Search the network's members and experiments, with the same query and "
        "facet parameters as the site, and read their public records."
    ),
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    throttle=[AnonApiThrottle(), AuthApiThrottle()],
)

MAX_SIZE = 100

# Bounds of every input (issue 16): past them a request is a 422 naming the
# field, before any search runs. A one-line string refuses control characters
# (CR and LF would break an e-mail subject or a log line).
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
Word = Annotated[str, StringConstraints(max_length=100, pattern=ONE_LINE)]
Line = Annotated[str, StringConstraints(max_length=300, pattern=ONE_LINE)]
Words = Annotated[list[Word], Field(max_length=20)]
SearchText = Annotated[str, StringConstraints(max_length=500)]


class ErrorOut(Schema):
    detail: str


class FacetValueOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class FacetOut(Schema):
    name: str
    title: str
    values: list[FacetValueOut]


class HitOut(Schema):
    slug: str
    url: str
    score: float | None = None
    highlight: str = ""
    document: dict


class SearchOut(Schema):
    total: int
    page: int
    size: int
    results: list[HitOut]
    facets: list[FacetOut]


class MemberFilters(Schema):
    q: SearchText = ""
    kind: Words = []
    sector: Words = []
    discipline: Words = []
    commune: Words = []
    language: Words = []
    legal_form: Words = []
    emes: Words = []
    open: Words = []
    sort: Word = "relevance"
    page: int = 1
    size: int = 20


class ProjectFilters(Schema):
    q: SearchText = ""
    stage: Words = []
    need: Words = []
    sector: Words = []
    sdg: Words = []
    commune: Words = []
    language: Words = []
    sort: Word = "relevance"
    page: int = 1
    size: int = 20


class Unavailable(Exception):
    pass


class PageNotFound(Exception):
    pass


@api.exception_handler(PageNotFound)
def page_not_found(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=404)


@api.exception_handler(ValidationError)
def input_invalid(request, exc):
    """A 422 whose `detail` is one sentence naming each field at fault."""
    problems = []
    for error in exc.errors[:5]:
        # loc is ("body", "payload", "needs", 3, "text") or ("query", "sector").
        loc = [str(part) for part in error.get("loc", ())[1:]]
        where = ".".join(p for p in loc if p not in ("payload", "filters", "params"))
        message = error.get("msg", "invalid")
        if error.get("type") == "string_pattern_mismatch":
            message = "one line without control characters (CR, LF, tab…)"
        problems.append(f"{where or 'request'}: {message}")
    return api.create_response(
        request, {"detail": "; ".join(problems) + "."}, status=422
    )


@api.exception_handler(Unavailable)
def search_unavailable(request, exc):
    return api.create_response(
        request,
        {"detail": "Search is temporarily unavailable; try again shortly."},
        status=503,
    )


def _search(document: str, params, *, shared: bool) -> dict:
    size = min(max(params.size, 1), MAX_SIZE)
    page = min(max(params.page, 1), 10_000 // size)
    filters = {name: getattr(params, name) for name in FACETS[document]}
    try:
        result = documents_search_remembered(
            shared=shared,
            document=document,
            query=params.q.strip()[:200],
            filters=filters,
            sort=params.sort if params.sort in SORTS else "relevance",
            offset=(page - 1) * size,
            size=size,
        )
    except SearchUnavailable as exc:
        raise Unavailable from exc
    last = max(1, -(-min(result.total, 10_000) // size))
    if params.page > last:
        raise PageNotFound(
            f"Page {params.page} is past the end: these results have {last} "
            f"page{'s' if last > 1 else ''} of {size}."
        )
    return {
        "total": result.total,
        "page": page,
        "size": size,
        "results": [
            {
                "slug": hit.source.get("slug", ""),
                "url": hit.source.get("url", ""),
                "score": hit.score,
                "highlight": hit.highlight,
                "document": hit.source,
            }
            for hit in result.hits
        ],
        "facets": result.facets,
    }


@api.get(
    "/members",
    response={200: SearchOut, 404: ErrorOut, 422: ErrorOut, 503: ErrorOut},
    summary="Search members",
    tags=["members"],
)
def members_search(request: HttpRequest, filters: Query[MemberFilters]):
    return _search("member", filters, shared=not request.user.is_authenticated)


@api.get(
    "/projects",
    response={200: SearchOut, 404: ErrorOut, 422: ErrorOut, 503: ErrorOut},
    summary="Search experiments",
    tags=["projects"],
)
def projects_search(request: HttpRequest, filters: Query[ProjectFilters]):
    return _search("project", filters, shared=not request.user.is_authenticated)


def _published_member(request: HttpRequest, queryset, slug: str):
    """The published member `slug`; the old address of a profile merged into
    a published one answers 301 to the same path under the kept slug, as the
    profile page does (an unpublished profile's address is never revealed)."""
    member = queryset.filter(slug=slug).first()
    if member is not None:
        return member
    merged = (
        MemberRedirect.objects.filter(member_appearing_q("member__"), slug=slug)
        .values_list("member__slug", flat=True)
        .first()
    )
    if merged is None:
        raise Http404
    path = request.path.replace(f"/members/{slug}", f"/members/{merged}", 1)
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{path}?{query}" if query else path)


@api.get(
    "/members/{slug}",
    response={200: dict, 301: None, 404: ErrorOut},
    summary="A member's public profile",
    description="The old address of a profile merged into another answers 301 "
    "with the kept profile's address.",
    tags=["members"],
)
def member_detail(request: HttpRequest, slug: str):
    member = _published_member(
        request,
        Member.objects.published().prefetch_related("sectors", "disciplines"),
        slug,
    )
    if not isinstance(member, Member):
        return member
    return {**member_row(member, private=False), "slug": member.slug}


@api.get(
    "/projects/{slug}",
    response={200: dict, 404: ErrorOut},
    summary="An experiment's public record",
    tags=["projects"],
)
def project_detail(request: HttpRequest, slug: str):
    project = get_object_or_404(
        Project.objects.published().prefetch_related("sectors", "disciplines"),
        slug=slug,
    )
    return {**project_row(project, private=False), "slug": project.slug}


# Matchmaking ----------------------------------------------------------------

MAX_MATCHES = 50


class ReasonOut(Schema):
    code: str
    text: str
    params: dict


class MemberMatchOut(Schema):
    slug: str
    name: str
    url: str
    score: float
    reasons: list[ReasonOut]


class ProjectMatchOut(Schema):
    slug: str
    name: str
    url: str
    score: float
    reasons: list[ReasonOut]


class ProjectMatchesOut(Schema):
    kind: str | None = None
    results: list[MemberMatchOut]


class MemberMatchesOut(Schema):
    projects: list[ProjectMatchOut]
    members: list[MemberMatchOut]


class MatchQuery(Schema):
    kind: Word | None = None
    size: int = 10


class NeedIn(Schema):
    kind: Word = ""
    text: Annotated[str, StringConstraints(max_length=1000)]


class DraftIn(Schema):
    """An experiment that is not stored: nothing of it is saved. Every list
    and string is bounded; past a bound the answer is a 422."""

    title: Line
    summary: Annotated[str, StringConstraints(max_length=2000)] = ""
    description: Annotated[str, StringConstraints(max_length=20_000)] = ""
    keywords: Annotated[list[Word], Field(max_length=30)] = []
    sectors: Words = []
    disciplines: Words = []
    languages: Annotated[list[Word], Field(max_length=10)] = []
    commune: Word = ""
    city: Word = ""
    country: Word = ""
    partners: Annotated[list[Line], Field(max_length=20)] = []
    needs: Annotated[list[NeedIn], Field(max_length=20)] = []


class DraftMatchIn(DraftIn):
    """An experiment that is not stored (nothing of it is saved) and the kind
    of member asked for."""

    kind: Word | None = None
    size: int = 10


class Invalid(Exception):
    pass


@api.exception_handler(Invalid)
def invalid_request(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=422)


def _kind(kind: str | None) -> str | None:
    if kind and kind not in MemberKind.values:
        raise Invalid(f"Unknown kind {kind!r}; one of {', '.join(MemberKind.values)}.")
    return kind or None


def _size(size: int) -> int:
    return min(max(size, 1), MAX_MATCHES)


def _reasons(reasons) -> list[dict]:
    return [reason.as_dict() for reason in reasons]


def _member_matches(matches) -> list[dict]:
    return [
        {
            "slug": m.source.get("slug", ""),
            "name": m.source.get("name", ""),
            "url": m.source.get("url", ""),
            "score": m.score,
            "reasons": _reasons(m.reasons),
        }
        for m in matches
    ]


def _project_matches(matches) -> list[dict]:
    return [
        {
            "slug": m.source.get("slug", ""),
            "name": m.source.get("title", ""),
            "url": m.source.get("url", ""),
            "score": m.score,
            "reasons": _reasons(m.reasons),
        }
        for m in matches
    ]


@api.get(
    "/projects/{slug}/matches",
    response={200: ProjectMatchesOut, 404: ErrorOut, 422: ErrorOut, 503: ErrorOut},
    summary="Members who could join a published experiment, with reasons",
    tags=["matchmaking"],
)
def project_matches(request: HttpRequest, slug: str, params: Query[MatchQuery]):
    project = get_object_or_404(Project.objects.published(), slug=slug)
    kind = _kind(params.kind)
    try:
        matches = project_matches_remembered(
            project=project, kind=kind, size=_size(params.size)
        )
    except SearchUnavailable as exc:
        raise Unavailable from exc
    return {"kind": kind, "results": _member_matches(matches)}


def _draft(payload) -> DraftProject:
    """The draft experiment a POST describes; its partners are published
    members' slugs (an unknown one is a 422 naming it)."""
    slugs = list(dict.fromkeys(payload.partners))
    partners = dict(
        Member.objects.published().filter(slug__in=slugs).values_list("slug", "pk")
    )
    unknown = [slug for slug in slugs if slug not in partners]
    if unknown:
        raise Invalid(f"Unknown partners: {', '.join(unknown)}.")
    return DraftProject(
        title=payload.title,
        summary=payload.summary,
        description=payload.description,
        keywords=payload.keywords,
        sectors=payload.sectors,
        disciplines=payload.disciplines,
        languages=payload.languages,
        commune=payload.commune,
        city=payload.city,
        country=payload.country,
        partners=[partners[slug] for slug in slugs],
        needs=[(need.kind, need.text) for need in payload.needs],
    )


@api.post(
    "/matches",
    response={200: ProjectMatchesOut, 422: ErrorOut, 503: ErrorOut},
    summary="Members who could join a draft experiment (nothing is stored)",
    tags=["matchmaking"],
)
def draft_matches(request: HttpRequest, payload: DraftMatchIn):
    kind = _kind(payload.kind)
    draft = _draft(payload)
    try:
        matches = members_for_project(
            project=draft, kind=kind, size=_size(payload.size)
        )
    except SearchUnavailable as exc:
        raise Unavailable from exc
    return {"kind": kind, "results": _member_matches(matches)}


@api.get(
    "/members/{slug}/matches",
    response={
        200: MemberMatchesOut,
        301: None,
        404: ErrorOut,
        422: ErrorOut,
        503: ErrorOut,
    },
    summary="Experiments a published member could join and people it could "
    "work with, from its public profile",
    tags=["matchmaking"],
)
def member_matches(request: HttpRequest, slug: str, size: int = 10):
    member = _published_member(request, Member.objects.published(), slug)
    if not isinstance(member, Member):
        return member
    size = _size(size)
    try:
        found = member_matches_remembered(member=member, size=size)
    except SearchUnavailable as exc:
        raise Unavailable from exc
    return {
        "projects": _project_matches(found["projects"]),
        "members": _member_matches(found["members"]),
    }


# Complete my team -------------------------------------------------------------


class TeamMemberOut(Schema):
    slug: str
    name: str
    url: str
    kind: str
    fit: float
    reasons: list[ReasonOut]


class TeamOut(Schema):
    kinds: list[str]
    languages: list[str]
    languages_covered: list[str]
    score: float
    reasons: list[ReasonOut]
    members: list[TeamMemberOut]


Languages = Annotated[list[Word], Field(max_length=10)]
Kinds = Annotated[list[Word], Field(max_length=4)]


class TeamQuery(Schema):
    kind: Kinds = []
    per_kind: int = 1
    language: Languages = []


class DraftTeamIn(DraftIn):
    """A draft experiment and the team asked for: `kinds` (default: the kinds
    its partners lack, then those its needs ask for), `per_kind` members of
    each, working in `team_languages` (default: its languages, or French and
    Dutch)."""

    kinds: Kinds | None = None
    per_kind: int = 1
    team_languages: Languages = []


def _kinds(kinds: list[str] | None) -> list[str] | None:
    if kinds is None:
        return None
    return [_kind(kind) for kind in kinds if kind] or None


def _team(team) -> dict:
    return {
        "kinds": team.kinds,
        "languages": team.languages,
        "languages_covered": team.languages_covered,
        "score": team.score,
        "reasons": _reasons(team.reasons),
        "members": [
            {
                "slug": m.source.get("slug", ""),
                "name": m.source.get("name", ""),
                "url": m.source.get("url", ""),
                "kind": m.kind,
                "fit": round(m.fit, 4),
                "reasons": _reasons(m.reasons),
            }
            for m in team.members
        ],
    }


def _per_kind(per_kind: int) -> int:
    if not 1 <= per_kind <= MAX_PER_KIND:
        raise Invalid(f"per_kind: between 1 and {MAX_PER_KIND}.")
    return per_kind


@api.get(
    "/projects/{slug}/team",
    response={200: TeamOut, 404: ErrorOut, 422: ErrorOut, 503: ErrorOut},
    summary="A whole team of partners for a published experiment, scored as a "
    "team (fit, ties among its members and with the current team, languages)",
    tags=["matchmaking"],
)
def project_team(request: HttpRequest, slug: str, params: Query[TeamQuery]):
    project = get_object_or_404(Project.objects.published(), slug=slug)
    draft = DraftProject.from_project(project)
    # Partners invited but not yet confirmed are current partners too.
    current = set(project.partnerships.values_list("member_id", flat=True))
    try:
        team = team_for_project(
            project=draft,
            kinds=_kinds(params.kind),
            per_kind=_per_kind(params.per_kind),
            languages=params.language or None,
            exclude=current,
        )
    except SearchUnavailable as exc:
        raise Unavailable from exc
    return _team(team)


@api.post(
    "/team",
    response={200: TeamOut, 422: ErrorOut, 503: ErrorOut},
    summary="A whole team of partners for a draft experiment (nothing is stored)",
    tags=["matchmaking"],
)
def draft_team(request: HttpRequest, payload: DraftTeamIn):
    draft = _draft(payload)
    try:
        team = team_for_project(
            project=draft,
            kinds=_kinds(payload.kinds),
            per_kind=_per_kind(payload.per_kind),
            languages=payload.team_languages or None,
        )
    except SearchUnavailable as exc:
        raise Unavailable from exc
    return _team(team)
