"""Member → members: published members open to collaboration whom a member
could work with.

Left out: the member itself and the members it already collaborates with
(its co-partners in published experiments and the contacts it marked as
collaborations): the point is to meet new people. Partners of partners are
candidates, and say through whom they are reached. The member's own private
ties count only for its managers (`public_only=False`), and a partner's
private ties never do: the second step is published only.
"""

import math

from django.utils.translation import gettext as _

from elasticsearch_dsl import Q

from members.models import Member
from search.client import index_alias
from search.graph import collaboration_graph
from search.matchmaking import profile as side
from search.matchmaking.base import Match, Reason, Recipe, Signal, Source, Target
from search.matchmaking.elastic import ids, sources_of
from search.matchmaking.reasons import sector_reasons

MEMBER_FIELDS = [
    "headline^1.5",
    "description",
    "offers^1.5",
    "seeks",
    "skills^1.5",
    "track_record",
    "sector_labels",
    "discipline_labels",
]
MEMBER_FEATURES = ["sectors", "disciplines", "languages", "commune"]
MEMBER_SOURCE = [
    "slug",
    "name",
    "kind",
    "url",
    "sectors",
    "disciplines",
    "offers",
    "seeks",
    "languages",
    "commune",
    "country",
    "open_to_collaboration",
]


class MemberMembersContext(side.ProfileContext):
    semantic_text = property(lambda self: _("Profile close in meaning to yours"))

    def __init__(self, *, member: Member, exclude, public_only: bool, profile=None):
        self.graph = collaboration_graph()
        self.direct = self.graph.neighbours(member.pk, private=not public_only)
        self.skip = set(exclude) | set(self.direct) | {member.pk}
        base = Q(
            "bool",
            filter=[Q("term", open_to_collaboration=True)],
            must_not=[Q("ids", values=ids(self.skip))],
        )
        super().__init__(
            member=member,
            public_only=public_only,
            index=index_alias("member"),
            fields=MEMBER_FEATURES,
            base=base,
            profile=profile,
        )
        # Partners of partners' tie strengths (`_partners_of_partners`).
        self.strength: dict[int, float] = {}
        self.strength_top = 1.0


def _words_searches(ctx):
    profile, recipe = ctx.profile, ctx.recipe
    clauses = side.text_clauses(profile, MEMBER_FIELDS) if recipe.active("text") else []
    if recipe.active("reciprocity"):
        for i, seek in enumerate(profile.seeks[:20]):
            clauses.append(Q("match", offers={"query": seek, "_name": f"seek:{i}"}))
        for i, offer in enumerate(profile.offers[:20]):
            clauses.append(Q("match", seeks={"query": offer, "_name": f"offer:{i}"}))
    return side.words_search(ctx, clauses)


def _partners_of_partners(ctx):
    """Two steps in the graph: a partner's partners, by the sum over the
    member's partners of tie × tie. Which partner a reason names is found for
    the suggestions shown only (`_path`)."""
    strength: dict[int, float] = {}
    get = strength.get
    for partner, (tie, _shared) in ctx.direct.items():
        for other, (tie2, _first) in ctx.graph.ties(partner).items():
            strength[other] = get(other, 0.0) + tie * tie2
    for pk in ctx.skip:
        strength.pop(pk, None)
    ctx.strength = strength
    ctx.strength_top = math.log1p(max(strength.values(), default=0) or 1)
    return side.graph_search(ctx, strength)


def _path(ctx, other: int) -> tuple | None:
    """(partner, shared experiment, tie) through the member's partner most
    tied to `other` (the first of equals); None when none is."""
    best = None
    for partner in ctx.direct:
        tie = ctx.graph.ties(partner).get(other)
        if tie and (best is None or tie[0] > best[2]):
            best = (partner, tie[1], tie[0])
    return best


WORDS = Source("words", side.words_collect, _words_searches)
MEANING = Source("meaning", side.meaning_collect, side.meaning_searches)
PARTNERS_OF_PARTNERS = Source(
    "partners_of_partners", side.graph_collect, _partners_of_partners
)


def _fill(ctx, pool):
    """Candidates come with their doc values: nothing to fetch."""


def _display(ctx, matches):
    sources_of(matches, "member", MEMBER_SOURCE)


def _graph_features(ctx, c):
    return {"graph": math.log1p(ctx.strength.get(c.id, 0.0)) / ctx.strength_top}


def _graph_reasons(ctx, matches):
    paths = {m.member_id: _path(ctx, m.member_id) for m in matches}
    cited = side.names(p[0] for p in paths.values() if p)
    found_titles = side.titles([p[1] for p in paths.values() if p])
    for match in matches:
        if not paths[match.member_id]:
            continue
        # The second step is a published experiment, never a private tie.
        partner, shared, _tie = paths[match.member_id]
        params = {"partner": cited.get(partner, ""), "partner_id": partner}
        params |= {"project": found_titles.get(shared, ""), "project_id": shared}
        text = _("Partner of your partner %(partner)s in “%(project)s”")
        match.reasons.append(
            Reason(
                "partner_of_partner",
                text % params,
                params,
                ctx.weights.get("graph", 0.0) * match.features["graph"],
            )
        )


def _reciprocity_features(ctx, c):
    matched = c.values.get("matched", set())
    seeks_met = c.evidence["seeks_met"] = side.matched_indices(matched, "seek")
    offers_met = c.evidence["offers_met"] = side.matched_indices(matched, "offer")
    # A named clause on the candidate's offers (seeks) matched: it has some.
    return {
        "offers_sought": 1.0 if seeks_met else 0.0,
        "seeks_offered": 1.0 if offers_met else 0.0,
    }


def _reciprocity_reasons(ctx, matches):
    profile, weights = ctx.profile, ctx.weights
    for match in matches:
        s, f, evidence = match.source, match.features, match.candidate.evidence
        if f["offers_sought"]:
            seek = profile.seeks[evidence["seeks_met"][0]]
            offer = side.best_line(list(s["offers"]), seek)
            match.reasons.append(
                Reason(
                    "offers_what_you_seek",
                    _("Offers “%(offer)s”, which you seek") % {"offer": offer},
                    {"offer": offer, "seek": seek},
                    weights.get("offers_sought", 0.0),
                )
            )
        if f["seeks_offered"]:
            offer = profile.offers[evidence["offers_met"][0]]
            seek = side.best_line(list(s["seeks"]), offer)
            match.reasons.append(
                Reason(
                    "seeks_what_you_offer",
                    _("Seeks “%(seek)s”, which you offer") % {"seek": seek},
                    {"seek": seek, "offer": offer},
                    weights.get("seeks_offered", 0.0),
                )
            )


MEMBER_MEMBERS = Recipe(
    direction="member → members",
    signals=(
        Signal(
            "text",
            {"text": 0.6},
            sources=(WORDS,),
            features=side.text_features,
        ),
        Signal(
            "semantic",
            {"semantic": 0.5},
            sources=(MEANING,),
            features=side.semantic_features,
            reasons=side.semantic_reasons,
        ),
        Signal(
            "graph",
            {"graph": 1.0},
            sources=(PARTNERS_OF_PARTNERS,),
            features=_graph_features,
            reasons=_graph_reasons,
        ),
        Signal(
            "reciprocity",
            {"offers_sought": 1.0, "seeks_offered": 0.8},
            sources=(WORDS,),
            features=_reciprocity_features,
            reasons=_reciprocity_reasons,
        ),
        Signal(
            "taxonomy",
            {"taxonomy": 0.3},
            features=side.taxonomy_features,
            reasons=sector_reasons,
        ),
        Signal(
            "place",
            {"place": 0.2},
            features=side.commune_features,
            reasons=side.commune_reasons,
        ),
        Signal(
            "language",
            {"language": 0.1},
            features=side.language_features,
            reasons=side.language_reasons,
        ),
    ),
    target=Target(match=Match, fill=_fill, display=_display, min_score=side.MIN_SCORE),
)
