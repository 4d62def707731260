"""The map view of a member or experiment search: counts per Brussels commune.

The map is a schematic tile map drawn on the server as SVG: one square per
commune, placed roughly where the commune lies (north up), shaded by its
count. No tile server, no boundary file, no script: it works offline, in
tests and behind any firewall, and every tile is a link a keyboard reaches.
Each commune's count is the search's own facet count (every filter applied
but the commune's), so a tile's number is exactly what the list shows once
that commune is chosen. Results outside Brussels are grouped by country and
city beside the map, from the same query.
"""

import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse

from elasticsearch_dsl import A, Q, Search

from hub.taxonomy import Commune
from search.client import SearchUnavailable, get_client, index_alias

# The private builders are the one way to repeat the search's own query for
# the outside-Brussels groups; a public `documents_query` in search/selectors.py
# would be the cleaner seam.
from search.selectors import (
    FACETS,
    _execute,
    _filter_clause,
    _semantic_clauses,
    _text_query,
    documents_search,
)
from search.views import search_params

logger = logging.getLogger(__name__)

# (column, row, short label) of each commune on a 5 × 5 grid, north up.
TILES = {
    Commune.GANSHOREN: (1, 0, "Ganshoren"),
    Commune.JETTE: (2, 0, "Jette"),
    Commune.SCHAERBEEK: (3, 0, "Schaerbeek"),
    Commune.EVERE: (4, 0, "Evere"),
    Commune.BERCHEM_SAINTE_AGATHE: (0, 1, "Berchem"),
    Commune.KOEKELBERG: (1, 1, "Koekelberg"),
    Commune.BRUXELLES: (2, 1, "Bruxelles"),
    Commune.SAINT_JOSSE_TEN_NOODE: (3, 1, "St-Josse"),
    Commune.WOLUWE_SAINT_LAMBERT: (4, 1, "Woluwe-St-L."),
    Commune.ANDERLECHT: (0, 2, "Anderlecht"),
    Commune.MOLENBEEK_SAINT_JEAN: (1, 2, "Molenbeek"),
    Commune.SAINT_GILLES: (2, 2, "St-Gilles"),
    Commune.ETTERBEEK: (3, 2, "Etterbeek"),
    Commune.WOLUWE_SAINT_PIERRE: (4, 2, "Woluwe-St-P."),
    Commune.FOREST: (1, 3, "Forest"),
    Commune.IXELLES: (2, 3, "Ixelles"),
    Commune.WATERMAEL_BOITSFORT: (3, 3, "Watermael"),
    Commune.AUDERGHEM: (4, 3, "Auderghem"),
    Commune.UCCLE: (2, 4, "Uccle"),
}
TILE = 104  # pixels, gap included
GAP = 6
# Five shades of the site's teal, lightest first; the text on the two darkest
# is white (contrast above 4.5:1 both ways).
SHADES = ["#e6f2f1", "#b3d9d5", "#6fb3ab", "#2f7f77", "#134e48"]
OUTSIDE_COUNTRIES = 20
OUTSIDE_CITIES = 10
PAGES = {
    "member": ("members:list", "network/map_members.html"),
    "project": ("projects:list", "network/map_projects.html"),
}


@dataclass
class Tile:
    value: str
    name: str
    short: str
    count: int
    x: int
    y: int
    shade: str
    dark: bool
    selected: bool
    url: str


@dataclass
class Outside:
    country: str
    count: int
    cities: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class MapData:
    tiles: list[Tile]
    total: int
    in_brussels: int
    outside: list[Outside]
    unplaced: int
    legend: list[tuple[str, str]]
    width: int = 5 * TILE
    height: int = 5 * TILE


def _shade_bounds(top: int) -> list[int]:
    """The lowest count of each shade above the first (five equal steps)."""
    return [max(1, round(top * step / 5)) for step in range(1, 5)]


def _shade(count: int, bounds: list[int]) -> int:
    if count == 0:
        return 0
    return 1 + sum(count > bound for bound in bounds[:3])


def map_data(*, document: str, params: dict, path: str, page) -> MapData:
    """Counts per commune and outside Brussels for one search, whose page of
    results (with facets) is `page`."""
    communes = {
        value.value: value.count
        for facet in page.facets
        if facet.name == "commune"
        for value in facet.values
    }
    selected = set(params["filters"].get("commune", []))
    top = max(communes.values(), default=0)
    bounds = _shade_bounds(top)
    tiles = []
    for value, (col, row, short) in TILES.items():
        count = communes.get(value.value, 0)
        level = _shade(count, bounds)
        tiles.append(
            Tile(
                value=value.value,
                name=value.label,
                short=short,
                count=count,
                x=col * TILE,
                y=row * TILE,
                shade=SHADES[level],
                dark=level >= 3,
                selected=value.value in selected,
                url=commune_url(path, params, value.value),
            )
        )
    outside, unplaced, everywhere = _outside_groups(document, params)
    in_brussels = sum(communes.values())
    legend = _legend(bounds, top)
    return MapData(
        tiles=tiles,
        total=everywhere,
        in_brussels=in_brussels,
        outside=outside,
        unplaced=unplaced,
        legend=legend,
    )


def _legend(bounds: list[int], top: int) -> list[tuple[str, str]]:
    if top == 0:
        return [(SHADES[0], "0")]
    edges = [1, *(b + 1 for b in bounds[:3])]
    out = [(SHADES[0], "0")]
    for level, low in enumerate(edges, start=1):
        high = bounds[level - 1] if level <= 3 else top
        if low > high:
            continue
        out.append((SHADES[level], f"{low}" if low == high else f"{low}–{high}"))
    return out


def commune_url(path: str, params: dict, commune: str) -> str:
    """The same search narrowed to one commune (replacing any other)."""
    pairs = []
    if params["query"]:
        pairs.append(("q", params["query"]))
    for name, values in params["filters"].items():
        if name != "commune":
            pairs.extend((name, v) for v in values)
    pairs.append(("commune", commune))
    if params["sort"] != "relevance":
        pairs.append(("sort", params["sort"]))
    return f"{path}?{urlencode(pairs)}"


def _outside_groups(document: str, params: dict) -> tuple[list[Outside], int, int]:
    """Results with no commune, by country (and city for members); those with
    no place at all; and the total with every filter but the commune's."""
    clauses = [
        _filter_clause(FACETS[document][name], values)
        for name, values in params["filters"].items()
        if name in FACETS[document] and name != "commune"
    ]
    search = Search(using=get_client(), index=index_alias(document))
    if params["query"]:
        text = _text_query(document, params["query"])
        semantic = _semantic_clauses(document, params["query"], clauses, text)
        search = search.query(
            Q("bool", should=[text, *semantic], minimum_should_match=1)
            if semantic
            else text
        )
    if clauses:
        search = search.filter(Q("bool", filter=clauses))
    outside = A("filter", filter=~Q("exists", field="commune"))
    countries = outside.bucket(
        "countries", "terms", field="country", size=OUTSIDE_COUNTRIES
    )
    if document == "member":
        countries.bucket("cities", "terms", field="city", size=OUTSIDE_CITIES)
    outside.bucket("unplaced", "filter", filter=~Q("exists", field="country"))
    search.aggs.bucket("outside", outside)
    search = search.extra(size=0, track_total_hits=True)
    response = _execute(search.params(ignore_unavailable=True))
    total = response.hits.total.value
    aggs = getattr(response, "aggregations", None)
    if aggs is None or "outside" not in aggs:
        return [], 0, total
    groups = [
        Outside(
            country=bucket.key,
            count=bucket.doc_count,
            cities=[
                (city.key, city.doc_count)
                for city in (bucket.cities.buckets if "cities" in bucket else [])
            ],
        )
        for bucket in aggs.outside.countries.buckets
    ]
    return groups, aggs.outside.unplaced.doc_count, total


def _map_page(request, *, document: str):
    list_name, template = PAGES[document]
    params = search_params(request, document=document)
    context = {**params, "unavailable": False, "document": document}
    try:
        # The facets of the sidebar and the commune counts, as the list has them.
        page = documents_search(
            document=document,
            query=params["query"],
            filters=params["filters"],
            sort=params["sort"],
            size=0,
        )
        context["map"] = map_data(
            document=document, params=params, path=request.path, page=page
        )
    except SearchUnavailable as exc:
        logger.warning("Search unavailable: %s", exc)
        context["unavailable"] = True
    else:
        context.update(
            total=page.total,
            facets=page.facets,
            active_filters=[
                (facet, value)
                for facet in page.facets
                for value in facet.values
                if value.selected
            ],
            list_url=_same_query(reverse(list_name), request),
        )
    is_partial = request.headers.get("HX-Request") and not request.headers.get(
        "HX-History-Restore-Request"
    )
    response = render(
        request,
        "network/_map_body.html" if is_partial else template,
        context,
    )
    response["Vary"] = "HX-Request"
    return response


def _same_query(path: str, request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return f"{path}?{query.urlencode()}" if query else path


def member_map(request):
    return _map_page(request, document="member")


def project_map(request):
    return _map_page(request, document="project")
