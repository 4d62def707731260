"""Member → experiments: published experiments, not completed, that a member
does not take part in, ranked for it.

Ranked first by how often the team's partners bring the member along, by
consortia it already worked in and by partners in its country, with its
past experiments compared one by one; a team lacking the member's kind or
holding the kind it seeks counts and says so.
"""

import math
from collections import Counter

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from elasticsearch_dsl import Q, Search

from members.models import Member, MemberKind
from projects.models import Project, ProjectPartner
from search import embeddings
from search.client import get_client, index_alias
from search.graph import collaboration_graph
from search.matchmaking import profile as side
from search.matchmaking.base import ProjectMatch, Reason, Recipe, Signal, Source, Target
from search.matchmaking.elastic import (
    cosine,
    execute,
    from_doc_values,
    ids,
    knn,
    msearch,
    sources_of,
    vector_of,
    vectors_search,
)
from search.matchmaking.facts import member_facts
from search.matchmaking.reasons import sector_reasons
from search.text import fold

PROJECT_FIELDS = [
    "title^2",
    "summary^1.5",
    "description",
    "keywords^2",
    "needs^1.5",
    "sector_labels",
    "discipline_labels",
]
PROJECT_SOURCE = [
    "slug",
    "title",
    "url",
    "stage",
    "keywords",
    "sectors",
    "disciplines",
    "languages",
    "commune",
    "country",
    "needs",
    "needs_kinds",
    "partner_ids",
]
# Candidates are read from doc values (keywords only); the suggestions shown
# then get the sources their reasons quote. Parsing whole sources (track
# records included) of 300 candidates was most of a member's match time.
PROJECT_FEATURES = [
    "sectors",
    "disciplines",
    "languages",
    "commune",
    "needs_kinds",
    "partner_ids",
]
# Past experiments of a member compared, each, with the experiments it could
# join: a track record says more one experiment at a time than blurred into
# one profile text.
TRACK_PROJECTS = 10


def own_projects(member: Member) -> set[int]:
    """Experiments the member is in (confirmed or not) or publishes."""
    partner_of = ProjectPartner.objects.filter(member=member).values_list(
        "project_id", flat=True
    )
    owned = Project.objects.filter(owner=member).values_list("pk", flat=True)
    return set(partner_of) | set(owned)


class MemberExperimentsContext(side.ProfileContext):
    semantic_text = property(lambda self: _("Close in meaning to your profile"))

    def __init__(self, *, member: Member, exclude, public_only: bool, profile=None):
        self.skip = set(exclude) | own_projects(member)
        base = Q(
            "bool",
            must_not=[Q("term", stage="completed"), Q("ids", values=ids(self.skip))],
        )
        super().__init__(
            member=member,
            public_only=public_only,
            index=index_alias("project"),
            fields=PROJECT_FEATURES,
            base=base,
            profile=profile,
        )
        self.graph = collaboration_graph()
        # Its private ties count only for its own managers (public_only=False).
        self.direct = self.graph.neighbours(member.pk, private=not public_only)
        self.track: dict[int, float] = {}
        self.paths: dict[int, list] = {}


# Sources ------------------------------------------------------------------------


def _words_searches(ctx):
    recipe, profile = ctx.recipe, ctx.profile
    clauses = []
    if recipe.active("text"):
        clauses += side.text_clauses(profile, PROJECT_FIELDS)
    if recipe.active("reciprocity") or recipe.active("text"):
        for i, offer in enumerate(profile.offers[:20]):
            clauses.append(Q("match", needs={"query": offer, "_name": f"offer:{i}"}))
    if recipe.active("text"):
        for i, skill in enumerate(profile.skills[:20]):
            clauses.append(
                Q("match_phrase", folded={"query": fold(skill), "_name": f"skill:{i}"})
            )
    return side.words_search(ctx, clauses)


def _track_searches(ctx):
    """The vectors of the member's latest published experiments, fetched in
    the first round trip with the other sources' searches."""
    past = sorted(p for p in ctx.graph.projects_of.get(ctx.member.pk, ()) if p > 0)
    past = past[-TRACK_PROJECTS:]
    if not past or not embeddings.enabled():
        return {}
    return {"track_vectors": (index_alias("project"), vectors_search(past))}


def _track_collect(ctx, responses, pool):
    """Experiments close in meaning to one of the member's latest published
    experiments: the best cosine similarity, cubed (unrelated texts are not
    far below related ones) and scaled to the best candidate's."""
    alias = index_alias("project")
    searches = {}
    for hit in responses.get("track_vectors", ()):
        vector = vector_of(hit)
        if vector:
            searches[hit["_id"]] = (
                alias,
                {
                    "knn": knn(vector, 50, ctx.base.to_dict()),
                    "_source": False,
                    "docvalue_fields": PROJECT_FEATURES,
                    "size": 50,
                },
            )
    closest: dict[int, float] = {}
    for hits in msearch(searches).values():
        for hit in hits:
            pk = int(hit["_id"])
            similarity = cosine(hit["_score"]) ** 3
            if similarity > closest.get(pk, 0.0):
                closest[pk] = similarity
            pool.add(pk, from_doc_values(hit))
    top = max(closest.values(), default=0.0) or 1.0
    ctx.track = {pk: value / top for pk, value in closest.items()}


def _graph_searches(ctx):
    """Experiments in which the member's past partners already take part."""
    strength: Counter = Counter()
    for partner, (tie, shared) in ctx.direct.items():
        for project_id in ctx.graph.projects_of.get(partner, ()):
            if project_id <= 0 or project_id in ctx.skip:
                continue
            strength[project_id] += tie
            ctx.paths.setdefault(project_id, []).append((partner, shared[0]))
    top = math.log1p(max(strength.values(), default=0) or 1)
    ctx.graph_scores = {pk: math.log1p(tie) / top for pk, tie in strength.items()}
    return side.graph_search(ctx, strength)


WORDS = Source("words", side.words_collect, _words_searches)
MEANING = Source("meaning", side.meaning_collect, side.meaning_searches)
TRACK = Source("track_record", _track_collect, _track_searches)
PARTNERS = Source("partners", side.graph_collect, _graph_searches)


# The target: experiments, each with its team ----------------------------------


def _team(graph, facts, project_id: int, source: dict) -> list[int]:
    """The experiment's partners that may appear (members/permissions.py, via
    the graph and `member_facts`): those of the graph, else its indexed ones
    (an experiment published since the graph was loaded)."""
    team = graph.members_of.get(project_id)
    if team is None:
        team = [int(pk) for pk in source.get("partner_ids", [])]
    return [m for m in team if m in facts]


def _fill(ctx, pool):
    facts = ctx.facts = member_facts(ctx.graph)
    ctx.teams = {pk: _team(ctx.graph, facts, pk, c.source) for pk, c in pool.items()}
    ctx.largest = max((len(t) for t in ctx.teams.values()), default=0)


def _display(ctx, matches):
    sources_of(matches, "project", PROJECT_SOURCE)


# Signals ------------------------------------------------------------------------


def _skills_reasons(ctx, matches):
    for match in matches:
        skills_met = side.matched_indices(
            match.candidate.values.get("matched", set()), "skill"
        )
        if skills_met:
            skills = [ctx.profile.skills[i] for i in skills_met[:3]]
            match.reasons.append(
                Reason(
                    "works_on_topic",
                    _("About %(topic)s, one of your skills")
                    % {"topic": ", ".join(skills)},
                    {"skills": skills},
                    ctx.weights.get("text", 0.0) * match.features["text"],
                )
            )


def _track_features(ctx, c):
    return {"track_record": ctx.track.get(c.id, 0.0)}


def _graph_features(ctx, c):
    """Tie strength and consortium overlap between the member and the team.

    - consortium: each past experiment of the member holding h of the team's
      partners adds h²/n (n its size): a consortium that already worked with
      the member says more than one shared partner;
    - graph_ties: the chance that one of the team's partners brings the
      member along (a partner with n experiments, k of them with the member:
      k/(n+1), combined as independent chances), as on the experiment side;
    - own_habit: the share of the member's own experiments it did with the
      team's most frequent partner of it.
    Published experiments only: private ties never enter these.
    """
    graph, direct = ctx.graph, ctx.direct
    overlap: Counter = Counter()
    left_behind = 1.0
    habit = 0
    for partner in ctx.teams[c.id]:
        tie = direct.get(partner)
        if not tie:
            continue
        shared = [p for p in tie[1] if p > 0]
        overlap.update(shared)
        left_behind *= 1 - len(shared) / (graph.degree(partner) + 1)
        habit = max(habit, len(shared))
    consortium = sum(
        h * h / len(graph.members_of.get(p, ()) or (1,)) for p, h in overlap.items()
    )
    return {
        "graph": ctx.graph_scores.get(c.id, 0.0),
        "consortium": min(1.0, math.log1p(2 * consortium) / math.log1p(10)),
        "graph_ties": 1 - left_behind,
        "own_habit": habit / (graph.degree(ctx.member.pk) + 1),
    }


def _graph_reasons(ctx, matches):
    paths = {m.project_id: ctx.paths.get(m.project_id, []) for m in matches}
    cited = side.names([p for found in paths.values() for p, _ in found])
    found_titles = side.titles([s for found in paths.values() for _, s in found])
    for match in matches:
        if not paths[match.project_id]:
            continue
        partner, shared = paths[match.project_id][0]
        params = {"partner": cited.get(partner, ""), "partner_id": partner}
        if shared > 0:
            params |= {"project": found_titles.get(shared, ""), "project_id": shared}
            text = _(
                "Your partner %(partner)s takes part (you worked together on "
                "“%(project)s”)"
            )
        else:
            params |= {"contact_request_id": -shared}
            text = _("%(partner)s, with whom you started a collaboration, takes part")
        match.reasons.append(
            Reason(
                "partner_takes_part",
                text % params,
                params,
                ctx.weights.get("graph", 0.0) * match.features["graph"],
            )
        )


def _reciprocity_features(ctx, c):
    offers_met = c.evidence["offers_met"] = side.matched_indices(
        c.values.get("matched", set()), "offer"
    )
    return {"reciprocity": 1.0 if offers_met else 0.0}


def _seeks_met_by_partners(ctx, pool, size) -> None:
    """Partners of the leading candidates who offer what the member seeks.

    One query over the partners of the best 3 × `size` candidates: cheap, and
    beyond those it would not change what is shown.
    """
    profile, weights = ctx.profile, ctx.weights
    if not profile.seeks or not pool:
        return

    def provisional(c):
        return sum(weights[k] * c.features[k] for k in weights if k != "seek_met")

    leading = sorted(pool.values(), key=lambda c: -provisional(c))[: 3 * size]
    partner_ids = {
        int(pk) for c in leading for pk in c.source.get("partner_ids", [])
    } - {ctx.member.pk}
    if not partner_ids:
        return
    clauses = [
        Q("match", offers={"query": seek, "operator": "and", "_name": f"seek:{i}"})
        for i, seek in enumerate(profile.seeks[:20])
    ]
    response = execute(
        Search(using=get_client(), index=index_alias("member"))
        .query(
            Q(
                "bool",
                should=clauses,
                minimum_should_match=1,
                filter=[Q("ids", values=ids(partner_ids))],
            )
        )
        .source(["name", "offers"])[: len(partner_ids)]
    )
    offering = {}
    for hit in response:
        seeks = [int(m.split(":")[1]) for m in hit.meta.matched_queries]
        offering[int(hit.meta.id)] = (hit.to_dict(), min(seeks))
    for c in leading:
        for pk in c.source.get("partner_ids", []):
            if int(pk) in offering:
                source, seek_index = offering[int(pk)]
                c.features["seek_met"] = 1.0
                c.evidence["seek_met"] = (int(pk), source, seek_index)
                break


def _reciprocity_reasons(ctx, matches):
    profile = ctx.profile
    for match in matches:
        s, evidence = match.source, match.candidate.evidence
        if evidence["offers_met"] and s.get("needs"):
            offer = profile.offers[evidence["offers_met"][0]]
            need = side.best_line(list(s["needs"]), offer)
            match.reasons.append(
                Reason(
                    "seeks_what_you_offer",
                    _("Seeks “%(need)s”, which you offer") % {"need": need},
                    {"need": need, "offer": offer},
                    ctx.weights.get("reciprocity", 0.0),
                )
            )
        if "seek_met" in evidence:
            partner, source, seek_index = evidence["seek_met"]
            seek = profile.seeks[seek_index]
            offer = side.best_line(list(source.get("offers", [])) or [seek], seek)
            params = {
                "partner": source.get("name", ""),
                "partner_id": partner,
                "offer": offer,
                "seek": seek,
            }
            match.reasons.append(
                Reason(
                    "partner_offers_what_you_seek",
                    _("Its partner %(partner)s offers “%(offer)s”, which you seek")
                    % params,
                    params,
                    ctx.weights.get("seek_met", 0.0),
                )
            )


def _complementarity_features(ctx, c):
    """Cross-discipline: the team has no member of this one's kind yet, and
    it holds the kinds of partner the member seeks."""
    kind, team = ctx.member.kind, ctx.teams[c.id]
    team_kinds = {ctx.facts[m][0] for m in team}
    lacking = c.evidence["lacking"] = bool(team) and kind not in team_kinds
    wanted = c.evidence["kinds_wanted"] = sorted(ctx.profile.seeks_kinds & team_kinds)
    return {
        "kind_sought": 1.0 if kind in c.source.get("needs_kinds", []) else 0.0,
        "complementarity": 1.0 if lacking else 0.0,
        "kind_wanted": 1.0 if wanted else 0.0,
    }


def _complementarity_reasons(ctx, matches):
    weights, kind = ctx.weights, ctx.member.kind
    for match in matches:
        evidence = match.candidate.evidence
        if match.features["kind_sought"]:
            label = str(MemberKind(kind).label).lower()
            match.reasons.append(
                Reason(
                    "seeks_your_kind",
                    _("Looks for a partner like you (%(kind)s)") % {"kind": label},
                    {"kind": kind},
                    weights.get("kind_sought", 0.0),
                )
            )
        if evidence["lacking"] and weights.get("complementarity"):
            label = str(MemberKind(kind).label).lower()
            match.reasons.append(
                Reason(
                    "team_lacks_your_kind",
                    _("Its team has no %(kind)s yet") % {"kind": label},
                    {"kind": kind},
                    weights["complementarity"],
                )
            )
        if evidence["kinds_wanted"] and weights.get("kind_wanted"):
            wanted = evidence["kinds_wanted"][0]
            label = str(MemberKind(wanted).label).lower()
            match.reasons.append(
                Reason(
                    "team_has_kind_you_seek",
                    _("Its team includes a %(kind)s, a partner you seek")
                    % {"kind": label},
                    {"kind": wanted},
                    weights["kind_wanted"],
                )
            )


def _place_features(ctx, c):
    features = side.commune_features(ctx, c)
    country, team = ctx.profile.country, ctx.teams[c.id]
    c.evidence["same_country"] = None
    if country and team:
        same = sum(1 for m in team if ctx.facts[m][1] == country)
        features["country_share"] = same / len(team)
        if same:
            c.evidence["same_country"] = (country, same, len(team))
    return features


def _place_reasons(ctx, matches):
    for match in matches:
        same_country = match.candidate.evidence["same_country"]
        if same_country and ctx.weights.get("country_share"):
            country, same, team = same_country
            params = {"country": country, "partners": same, "team": team}
            match.reasons.append(
                Reason(
                    "partners_in_your_country",
                    ngettext(
                        "%(partners)d of its %(team)d partners is in %(country)s",
                        "%(partners)d of its %(team)d partners are in %(country)s",
                        same,
                    )
                    % params,
                    params,
                    ctx.weights["country_share"] * match.features["country_share"],
                )
            )
    side.commune_reasons(ctx, matches)


def _team_features(ctx, c):
    """Larger teams take in more partners."""
    team, largest = ctx.teams[c.id], ctx.largest
    return {
        "team_size": math.log1p(len(team)) / math.log1p(largest) if largest else 0.0
    }


# Each feature is in 0..1; the graph ones are scaled per member. The weights of
# the features the CORDIS reverse task exercises (text, meaning, track record,
# graph, consortium, ties, own habit, complementarity, country share, team
# size) were chosen on the half of its dev queries whose id hashes to an even
# number (bench/matchmaking.py `half`), among the settings that held on the
# other half too: a region, not a peak (text and meaning 0.25-0.5, consortium
# 0.5-1 give the same recall). Tie strength leads: a team whose partners
# habitually bring the member along. A member's own habit and team size added
# nothing held out: 0. Needs, offers, seeks, sectors, places and languages are
# not in that data: their weights are set by judgement.
MEMBER_EXPERIMENTS = Recipe(
    direction="member → experiments",
    signals=(
        Signal(
            "text",
            {"text": 0.5},
            sources=(WORDS,),
            features=side.text_features,
            reasons=_skills_reasons,
        ),
        Signal(
            "semantic",
            {"semantic": 0.25},
            sources=(MEANING,),
            features=side.semantic_features,
            reasons=side.semantic_reasons,
        ),
        Signal(
            "track_record",
            {"track_record": 0.25},
            sources=(TRACK,),
            features=_track_features,
        ),
        Signal(
            "graph",
            {"graph": 0.5, "consortium": 1.0, "graph_ties": 1.5, "own_habit": 0.0},
            sources=(PARTNERS,),
            features=_graph_features,
            reasons=_graph_reasons,
        ),
        Signal(
            "reciprocity",
            {"reciprocity": 0.8, "seek_met": 0.3},
            sources=(WORDS,),
            features=_reciprocity_features,
            refine=_seeks_met_by_partners,
            reasons=_reciprocity_reasons,
        ),
        Signal(
            "complementarity",
            {"kind_sought": 0.3, "complementarity": 0.1, "kind_wanted": 0.3},
            features=_complementarity_features,
            reasons=_complementarity_reasons,
        ),
        Signal(
            "taxonomy",
            {"taxonomy": 0.3},
            features=side.taxonomy_features,
            reasons=sector_reasons,
        ),
        Signal(
            "place",
            {"place": 0.2, "country_share": 1.0},
            features=_place_features,
            reasons=_place_reasons,
        ),
        Signal(
            "language",
            {"language": 0.1},
            features=side.language_features,
            reasons=side.language_reasons,
        ),
        Signal("team", {"team_size": 0.0}, features=_team_features),
    ),
    target=Target(
        match=ProjectMatch,
        fill=_fill,
        display=_display,
        min_score=side.MIN_SCORE,
    ),
)
