"""Network health for editors: who works with whom, who bridges, who is alone.

Figures come from the public collaboration graph (`search.graph`: published
experiments, confirmed partnerships, members that may appear) and from the
database; they summarise, so they stay readable and fast at 100k members.

Bridges are ranked by *cross-kind brokerage*, Gould and Fernandez's brokerage
(1989) counted over the pairs whose two ends differ: for a member, the number
of pairs of its partners that are of different kinds (entrepreneur,
researcher, public authority, federation) and have no tie of their own, so
that the member is the only link between them. Language bridges use the same
count with the language communities: pairs of a French-speaking and a
Dutch-speaking partner (neither speaking the other language) with no tie of
their own.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

import numpy as np
from django_tasks import task

from members.models import (
    ContactOrigin,
    ContactRequest,
    ContactStatus,
    Member,
    MemberKind,
)
from members.permissions import member_appearing_q, project_appearing_q
from projects.models import Project
from search.graph import collaboration_graph

TOP = 20
ISOLATED_SHOWN = 50
# Brokerage is counted exactly for this many members with the most
# cross-kind partner pairs (an upper bound of the count).
CANDIDATES = 50
TREND_MONTHS = 12
CACHE_KEY = "network-health"
REFRESH_LOCK = "network-health:refreshing"
CACHE_SECONDS = 15 * 60
MAX_AGE = timedelta(days=1)
FR, NL, BOTH, OTHER = "fr", "nl", "both", "other"


@dataclass
class Bridge:
    pk: int
    name: str
    slug: str
    kind: str
    score: int
    partners: int


@dataclass
class NetworkHealth:
    computed_at: datetime
    members: int
    tied_members: int
    kinds: list[tuple[str, str]]
    matrix: list[list[int]]
    bridges: list[Bridge]
    language_bridges: list[Bridge]
    language_ties: dict[str, int]
    isolated_ids: list[int]
    isolated: list[tuple[int, str, str, str]]
    trends: list[dict] = field(default_factory=list)


def _language_side(languages: str) -> str:
    """The language community of a member, from its languages as stored
    (a JSON list of ISO codes: reading it as text spares decoding 100k lists)."""
    languages = languages or ""
    codes = {code for code in ("fr", "nl") if f'"{code}"' in languages}
    if "fr" in codes and "nl" in codes:
        return BOTH
    if "fr" in codes:
        return FR
    if "nl" in codes:
        return NL
    return OTHER


class _Ties:
    """Member-to-member ties (sharing a published experiment) as arrays.

    Members are numbered 0..n-1; the ties are kept both ways, sorted by their
    first end (a CSR adjacency), so that every figure is a few numpy passes
    over the edges instead of a Python loop per pair: at 100k members the
    projection has a few million ties.
    """

    def __init__(self, graph, index: dict[int, int]):
        n = len(index)
        by_size: dict[int, list[list[int]]] = defaultdict(list)
        for members in graph.members_of.values():
            rows = sorted({index[m] for m in members if m in index})
            if len(rows) > 1:
                by_size[len(rows)].append(rows)
        chunks = [np.empty(0, dtype=np.int64)]
        for size, groups in by_size.items():
            block = np.asarray(groups, dtype=np.int64)
            first, second = np.triu_indices(size, k=1)
            chunks.append((block[:, first] * n + block[:, second]).ravel())
        # Sorting and dropping repeats: np.unique's hashing path took 4 s
        # on the 2.4M pairs of the 100k network, a sort takes 50 ms.
        codes = np.sort(np.concatenate(chunks))
        codes = codes[np.concatenate([[True], codes[1:] != codes[:-1]])]
        self.n = n
        self.a, self.b = codes // n, codes % n  # each tie once, a < b
        src = np.concatenate([self.a, self.b])
        dst = np.concatenate([self.b, self.a])
        order = np.argsort(src, kind="stable")
        self.dst = dst[order]
        self.degree = np.bincount(src, minlength=n)
        self.indptr = np.concatenate([[0], np.cumsum(self.degree)])

    def group_counts(self, group: np.ndarray, groups: int) -> np.ndarray:
        """(n, groups): how many partners of each group every member has."""
        src = np.repeat(np.arange(self.n), self.degree)
        flat = np.bincount(src * groups + group[self.dst], minlength=self.n * groups)
        return flat.reshape(self.n, groups)

    def pair_counts(self, group: np.ndarray, groups: int) -> np.ndarray:
        """(groups, groups): ties by the groups of their two ends (symmetric;
        the diagonal counts each tie once)."""
        flat = np.bincount(
            group[self.a] * groups + group[self.b], minlength=groups * groups
        ).reshape(groups, groups)
        return flat + flat.T - np.diag(np.diag(flat))

    def closed_pairs(self, v: int, group: np.ndarray, pair) -> int:
        """Pairs of v's partners counted by `pair` (None: any two different
        groups; else the two groups) that are tied to each other."""
        partners = self.dst[self.indptr[v] : self.indptr[v + 1]]
        mark = np.zeros(self.n, dtype=bool)
        mark[partners] = True
        lengths = self.degree[partners]
        starts = self.indptr[partners]
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        seconds = self.dst[offsets + np.arange(lengths.sum())]
        firsts = np.repeat(partners, lengths)
        inside = mark[seconds]
        ga, gb = group[firsts[inside]], group[seconds[inside]]
        if pair is None:
            return int(np.count_nonzero(ga != gb)) // 2
        return int(np.count_nonzero((ga == pair[0]) & (gb == pair[1])))


def _ranked(ties: _Ties, group, bounds: np.ndarray, pair) -> list[tuple[int, int]]:
    """(member number, brokerage) of the TOP brokers: the exact count for
    the CANDIDATES members with the highest upper bound."""
    top = np.argsort(-bounds, kind="stable")[:CANDIDATES]
    scored = []
    for v in top:
        if bounds[v] <= 0:
            break
        score = int(bounds[v]) - ties.closed_pairs(int(v), group, pair)
        if score > 0:
            scored.append((int(v), score))
    scored.sort(key=lambda item: -item[1])
    return scored[:TOP]


def network_health_compute() -> NetworkHealth:
    """Every figure of the editors' network view, computed now."""
    graph = collaboration_graph()
    rows = list(
        Member.objects.filter(member_appearing_q())
        .order_by("pk")
        .annotate(languages_text=Cast("languages", TextField()))
        .values_list("pk", "kind", "languages_text")
    )
    pks = [pk for pk, _kind, _languages in rows]
    index = {pk: i for i, pk in enumerate(pks)}
    kinds = list(MemberKind.choices)
    kind_number = {value: i for i, (value, _label) in enumerate(kinds)}
    kind = np.fromiter(
        (kind_number.get(k, 0) for _pk, k, _languages in rows),
        dtype=np.int64,
        count=len(rows),
    )
    sides = [FR, NL, BOTH, OTHER]
    side_number = {name: i for i, name in enumerate(sides)}
    side = np.fromiter(
        (side_number[_language_side(languages)] for _pk, _k, languages in rows),
        dtype=np.int64,
        count=len(rows),
    )
    ties = _Ties(graph, index)
    matrix = ties.pair_counts(kind, len(kinds)).tolist()
    by_kind = ties.group_counts(kind, len(kinds))
    cross_bound = (ties.degree**2 - (by_kind**2).sum(axis=1)) // 2
    by_side = ties.group_counts(side, len(sides))
    fr, nl = side_number[FR], side_number[NL]
    language_bound = by_side[:, fr] * by_side[:, nl]
    brokers = _ranked(ties, kind, cross_bound, None)
    language_brokers = _ranked(ties, side, language_bound, (fr, nl))
    side_pairs = ties.pair_counts(side, len(sides))
    language_ties = {
        f"{sides[i]}-{sides[j]}": int(side_pairs[i][j])
        for i in range(len(sides))
        for j in range(i, len(sides))
        if side_pairs[i][j]
    }
    contacted = set(
        ContactRequest.objects.values_list("sender_id", flat=True).distinct()
    ) | set(ContactRequest.objects.values_list("receiver_id", flat=True).distinct())
    alone = np.flatnonzero(ties.degree == 0)
    isolated = [pks[i] for i in alone[::-1] if pks[i] not in contacted]
    shown = [pks[v] for v, _s in brokers + language_brokers] + isolated[:ISOLATED_SHOWN]
    names = {
        pk: (name, slug, k)
        for pk, name, slug, k in Member.objects.filter(pk__in=shown).values_list(
            "pk", "name", "slug", "kind"
        )
    }

    def bridges(scored) -> list[Bridge]:
        out = [
            Bridge(
                pk=pks[v],
                name=names[pks[v]][0],
                slug=names[pks[v]][1],
                kind=names[pks[v]][2],
                score=score,
                partners=int(ties.degree[v]),
            )
            for v, score in scored
        ]
        out.sort(key=lambda b: (-b.score, b.name))
        return out

    return NetworkHealth(
        computed_at=timezone.now(),
        members=len(pks),
        tied_members=int(np.count_nonzero(ties.degree)),
        kinds=kinds,
        matrix=matrix,
        bridges=bridges(brokers),
        language_bridges=bridges(language_brokers),
        language_ties=language_ties,
        isolated_ids=isolated,
        isolated=[(pk, *names[pk]) for pk in isolated[:ISOLATED_SHOWN]],
        trends=network_trends(),
    )


def network_isolated_rows(health: NetworkHealth):
    """(pk, name, slug, kind) of every isolated member, newest first."""
    wanted = set(health.isolated_ids)
    rows = (
        Member.objects.filter(member_appearing_q())
        .order_by("-pk")
        .values_list("pk", "name", "slug", "kind")
    )
    return (row for row in rows.iterator(chunk_size=5000) if row[0] in wanted)


def _month_starts(months: int) -> list[datetime]:
    """The first instant of each of the last `months` months, and of the next."""
    now = timezone.localtime()
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = [first]
    for _ in range(months - 1):
        starts.insert(0, (starts[0] - timedelta(days=1)).replace(day=1))
    starts.append((first + timedelta(days=32)).replace(day=1))
    return starts


def network_trends(*, months: int = TREND_MONTHS) -> list[dict]:
    """Per month: new members, new experiments, contact requests, those
    that came from one of the hub's suggestions, those accepted and those
    that led to a collaboration (counts only).

    One query a series, a conditional count a month: range comparisons on
    `created_at` (truncating each row's date costs a Python call a row on
    SQLite: about a second at 100k members)."""
    starts = _month_starts(months)

    def per_month(queryset) -> list[int]:
        counts = queryset.aggregate(
            **{
                f"m{i}": Count(
                    "id",
                    filter=Q(created_at__gte=starts[i], created_at__lt=starts[i + 1]),
                )
                for i in range(months)
            }
        )
        return [counts[f"m{i}"] for i in range(months)]

    accepted = ContactRequest.objects.filter(status=ContactStatus.ACCEPTED)
    series = {
        "members": per_month(Member.objects.filter(member_appearing_q())),
        "experiments": per_month(Project.objects.filter(project_appearing_q())),
        "contacts": per_month(ContactRequest.objects.all()),
        "suggested": per_month(
            ContactRequest.objects.filter(origin__in=ContactOrigin.suggested())
        ),
        "accepted": per_month(accepted),
        "collaborations": per_month(accepted.filter(led_to_collaboration=True)),
    }
    return [
        {"month": starts[i].date(), **{k: v[i] for k, v in series.items()}}
        for i in range(months)
    ]


def _network_signature() -> str:
    signature = repr(collaboration_graph().signature).encode()
    return hashlib.sha256(signature).hexdigest()[:16]


def network_health_store() -> NetworkHealth:
    """Compute the figures and keep them for every process."""
    signature = _network_signature()
    health = network_health_compute()
    cache.set(CACHE_KEY, (signature, health), int(MAX_AGE.total_seconds()))
    return health


def network_health(*, fresh: bool = False) -> NetworkHealth:
    """The figures for the editors' view, without making it wait.

    Kept figures are served as long as they are less than MAX_AGE old (the
    page says when they were computed); when the network has changed since,
    or they are older than CACHE_SECONDS, a background task recomputes them
    (at most one queued at a time). Only when there are none, or they are a
    day old, or an editor asks (`fresh`), are they computed during the
    request: at 100k members that takes seconds, serving kept ones a few ms.
    """
    entry = None if fresh else cache.get(CACHE_KEY)
    if entry is None or timezone.now() - entry[1].computed_at > MAX_AGE:
        return network_health_store()
    signature, health = entry
    stale = timezone.now() - health.computed_at > timedelta(seconds=CACHE_SECONDS)
    if (stale or signature != _network_signature()) and cache.add(
        REFRESH_LOCK, 1, CACHE_SECONDS
    ):
        network_health_refresh.enqueue()
        # An immediate backend (tests) has recomputed them already.
        entry = cache.get(CACHE_KEY) or entry
    return entry[1]


@task()
def network_health_refresh() -> int:
    """Recompute the figures in the background; the number of members counted."""
    try:
        return network_health_store().members
    finally:
        cache.delete(REFRESH_LOCK)
