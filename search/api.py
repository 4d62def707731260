"""Public JSON API (django-ninja): search with facets, and public records.

Only public data leaves through here: search results come from the index,
which holds public fields only, and detail records use the same public view
of a member or project as `hub_export` without `--private`.
"""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from ninja import NinjaAPI, Query, Schema

from members.exporting import member_row, project_row
from members.models import Member
from projects.models import Project
from search.client import SearchUnavailable
from search.selectors import FACETS, SORTS, documents_search

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
)

MAX_SIZE = 100


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
    q: str = ""
    kind: list[str] = []
    sector: list[str] = []
    discipline: list[str] = []
    commune: list[str] = []
    language: list[str] = []
    legal_form: list[str] = []
    emes: list[str] = []
    open: list[str] = []
    sort: str = "relevance"
    page: int = 1
    size: int = 20


class ProjectFilters(Schema):
    q: str = ""
    stage: list[str] = []
    need: list[str] = []
    sector: list[str] = []
    sdg: list[str] = []
    commune: list[str] = []
    language: list[str] = []
    sort: str = "relevance"
    page: int = 1
    size: int = 20


class Unavailable(Exception):
    pass


@api.exception_handler(Unavailable)
def search_unavailable(request, exc):
    return api.create_response(
        request,
        {"detail": "Search is temporarily unavailable; try again shortly."},
        status=503,
    )


def _search(document: str, params) -> dict:
    size = min(max(params.size, 1), MAX_SIZE)
    page = min(max(params.page, 1), 10_000 // size)
    filters = {name: getattr(params, name) for name in FACETS[document]}
    try:
        result = documents_search(
            document=document,
            query=params.q.strip()[:200],
            filters=filters,
            sort=params.sort if params.sort in SORTS else "relevance",
            offset=(page - 1) * size,
            size=size,
        )
    except SearchUnavailable as exc:
        raise Unavailable from exc
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
    response={200: SearchOut, 503: ErrorOut},
    summary="Search members",
    tags=["members"],
)
def members_search(request: HttpRequest, filters: Query[MemberFilters]):
    return _search("member", filters)


@api.get(
    "/projects",
    response={200: SearchOut, 503: ErrorOut},
    summary="Search experiments",
    tags=["projects"],
)
def projects_search(request: HttpRequest, filters: Query[ProjectFilters]):
    return _search("project", filters)


@api.get(
    "/members/{slug}",
    response={200: dict, 404: ErrorOut},
    summary="A member's public profile",
    tags=["members"],
)
def member_detail(request: HttpRequest, slug: str):
    member = get_object_or_404(
        Member.objects.published().prefetch_related("sectors", "disciplines"),
        slug=slug,
    )
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
