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
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from members.models import ContactRequest, ContactStatus, Member, MemberKind
from members.permissions import member_appearing_q, project_appearing_q
from projects.models import Project
from search.graph import collaboration_graph

TOP = 20
ISOLATED_SHOWN = 50
# Brokerage is counted exactly for this many members with the most
# cross-kind partner pairs (an upper bound of the count).
CANDIDATES = 400
TREND_MONTHS = 12
CACHE_KEY = "network-health"
CACHE_SECONDS = 15 * 60
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


def _language_side(languages) -> str:
    codes = set(languages or ())
    if "fr" in codes and "nl" in codes:
        return BOTH
    if "fr" in codes:
        return FR
    if "nl" in codes:
        return NL
    return OTHER


def _ties(graph) -> dict[int, set[int]]:
    """Member → the members it shares at least one published experiment with."""
    ties: dict[int, set[int]] = defaultdict(set)
    for members in graph.members_of.values():
        if len(members) < 2:
            continue
        for a in members:
            ties[a].update(members)
    for member, others in ties.items():
        others.discard(member)
    return ties


def _differ(pair: set):
    """Whether two groups make a counted pair: any two different groups when
    `pair` is empty, else exactly the two groups of `pair`."""
    if not pair:
        return lambda a, b: a != b
    return lambda a, b: {a, b} == pair


def _open_pairs(member: int, ties, group: dict[int, str], pair: set, bound) -> int:
    """Pairs of `member`'s partners of counted groups with no tie of their
    own: all such pairs (`bound`) less those whose two ends are tied."""
    partners = ties.get(member, set())
    differ = _differ(pair)
    closed = 0
    for a in partners:
        ga = group.get(a)
        for b in ties.get(a, set()) & partners:
            if a < b and differ(ga, group.get(b)):
                closed += 1
    return bound - closed


def _cross_bound(member: int, ties, group: dict[int, str]) -> int:
    """Pairs of partners of different groups, tied or not (an upper bound)."""
    counts = Counter(group.get(p) for p in ties.get(member, ()))
    total = sum(counts.values())
    return (total * total - sum(n * n for n in counts.values())) // 2


def _ranked(ties, group, members, *, pair: set, bound) -> list[Bridge]:
    candidates = sorted((m for m in ties if bound(m) > 0), key=bound, reverse=True)[
        :CANDIDATES
    ]
    scored = [(m, _open_pairs(m, ties, group, pair, bound(m))) for m in candidates]
    scored = [(m, s) for m, s in scored if s > 0]
    scored.sort(key=lambda item: (-item[1], members[item[0]][0]))
    return [
        Bridge(
            pk=m,
            name=members[m][0],
            slug=members[m][1],
            kind=members[m][2],
            score=s,
            partners=len(ties[m]),
        )
        for m, s in scored[:TOP]
    ]


def network_health_compute() -> NetworkHealth:
    """Every figure of the editors' network view, computed now."""
    graph = collaboration_graph()
    ties = _ties(graph)
    members = {
        pk: (name, slug, kind, languages)
        for pk, name, slug, kind, languages in Member.objects.filter(
            member_appearing_q()
        ).values_list("pk", "name", "slug", "kind", "languages")
    }
    ties = {
        m: {o for o in others if o in members}
        for m, others in ties.items()
        if m in members
    }
    kind_of = {pk: row[2] for pk, row in members.items()}
    kinds = list(MemberKind.choices)
    index = {value: i for i, (value, _label) in enumerate(kinds)}
    matrix = [[0] * len(kinds) for _ in kinds]
    for a, others in ties.items():
        for b in others:
            if a < b and kind_of.get(a) in index and kind_of.get(b) in index:
                i, j = index[kind_of[a]], index[kind_of[b]]
                matrix[i][j] += 1
                if i != j:
                    matrix[j][i] += 1
    side = {pk: _language_side(row[3]) for pk, row in members.items()}
    bridges = _ranked(
        ties,
        kind_of,
        members,
        pair=set(),
        bound=lambda m: _cross_bound(m, ties, kind_of),
    )
    language_bridges = _ranked(
        ties,
        side,
        members,
        pair={FR, NL},
        bound=lambda m: _language_bound(m, ties, side),
    )
    language_ties = Counter()
    for a, others in ties.items():
        for b in others:
            if a < b:
                language_ties["-".join(sorted((side[a], side[b])))] += 1
    contacted = set(
        ContactRequest.objects.values_list("sender_id", flat=True).distinct()
    ) | set(ContactRequest.objects.values_list("receiver_id", flat=True).distinct())
    isolated = [pk for pk in members if not ties.get(pk) and pk not in contacted]
    isolated.sort(reverse=True)
    return NetworkHealth(
        computed_at=timezone.now(),
        members=len(members),
        tied_members=sum(1 for others in ties.values() if others),
        kinds=kinds,
        matrix=matrix,
        bridges=bridges,
        language_bridges=language_bridges,
        language_ties=dict(language_ties),
        isolated_ids=isolated,
        isolated=[
            (pk, members[pk][0], members[pk][1], members[pk][2])
            for pk in isolated[:ISOLATED_SHOWN]
        ],
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


def _language_bound(member: int, ties, side) -> int:
    counts = Counter(side.get(p) for p in ties.get(member, ()))
    return counts[FR] * counts[NL]


def network_trends(*, months: int = TREND_MONTHS) -> list[dict]:
    """Per month: new members, new experiments, contact requests, and those
    that led to a collaboration (counts only)."""
    since = (timezone.now() - timedelta(days=31 * (months - 1))).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )

    def per_month(queryset) -> dict:
        return {
            row["month"].date() if hasattr(row["month"], "date") else row["month"]: row[
                "n"
            ]
            for row in queryset.filter(created_at__gte=since)
            .annotate(month=TruncMonth("created_at"))
            .values("month")
            .annotate(n=Count("id"))
        }

    series = {
        "members": per_month(Member.objects.filter(member_appearing_q())),
        "experiments": per_month(Project.objects.filter(project_appearing_q())),
        "contacts": per_month(ContactRequest.objects.all()),
        "accepted": per_month(
            ContactRequest.objects.filter(status=ContactStatus.ACCEPTED)
        ),
        "collaborations": per_month(
            ContactRequest.objects.filter(led_to_collaboration=True)
        ),
    }
    out = []
    month = since.date()
    end = timezone.now().date()
    while month <= end:
        out.append({"month": month, **{k: v.get(month, 0) for k, v in series.items()}})
        month = (month + timedelta(days=32)).replace(day=1)
    return out


def network_health(*, fresh: bool = False) -> NetworkHealth:
    """The figures, recomputed at most every CACHE_SECONDS (they say when)."""
    # The graph's signature changes with any member, experiment, partnership
    # or collaboration: a change is seen at once, not after CACHE_SECONDS.
    signature = hashlib.sha256(repr(collaboration_graph().signature).encode())
    key = f"{CACHE_KEY}:{signature.hexdigest()[:16]}"
    health = None if fresh else cache.get(key)
    if health is None:
        health = network_health_compute()
        cache.set(key, health, CACHE_SECONDS)
    return health
