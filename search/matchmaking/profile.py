"""What the member side shares: a member's profile as matching reads it, and
the signals both member → experiments and member → members score the same
way (words, meaning, sectors and disciplines, commune, languages)."""

import heapq
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from elasticsearch_dsl import Q, Search

from members.models import Member, Offer, Seek, Visibility
from members.permissions import project_appearing_q
from projects.models import Project, ProjectPartner
from search import embeddings
from search.client import get_client
from search.matchmaking.elastic import cosine, from_doc_values, knn
from search.matchmaking.elastic import ids as _ids
from search.matchmaking.reasons import (
    language_reason,
    meaning_reason,
    place_reason,
)
from search.text import stem_terms

CANDIDATES = 100
# Suggestions with a lower score are noise: one shared language, say.
MIN_SCORE = 0.15


@dataclass
class MemberProfile:
    """What a member brings to matching (public sections only if asked)."""

    text: str
    offers: list[str]
    seeks: list[str]
    skills: list[str]
    sectors: set[str]
    disciplines: set[str]
    languages: set[str]
    commune: str
    country: str
    # Kinds of partner the member seeks (`Seek.kind`).
    seeks_kinds: set[str] = field(default_factory=set)


def member_profile(member: Member, *, public_only: bool) -> MemberProfile:
    """The member's own data. Its managers see suggestions built on sections
    kept "private, used for matching"; the public API uses public ones only."""

    def shown(section):
        return not public_only or member.visibility_of(section) == Visibility.PUBLIC

    offers = list(
        Offer.objects.active().filter(member=member).values_list("text", flat=True)
    )
    seek_rows = list(
        Seek.objects.active().filter(member=member).values_list("text", "kind")
    )
    seek_rows = seek_rows if shown("seeks") else []
    seeks = [text for text, _kind in seek_rows]
    offers = offers if shown("offers") else []
    skills = [str(s) for s in member.skills or []] if shown("skills") else []
    sectors = list(member.sectors.all())
    disciplines = list(member.disciplines.all())
    # The latest published experiments first: a track record is expertise,
    # and their keywords say in which fields.
    track = (
        ProjectPartner.objects.filter(
            project_appearing_q("project__"), member=member, confirmed=True
        )
        .order_by("-project_id")
        .values_list("project__title", "project__summary", "project__keywords")[:10]
    )
    parts = [member.headline, member.description, *offers, *skills]
    parts += [label for term in sectors + disciplines for label in term.labels]
    parts += [
        ". ".join([title, summary, *(keywords or [])])
        for title, summary, keywords in track
    ]
    return MemberProfile(
        text=". ".join(p for p in parts if p),
        offers=offers,
        seeks=seeks,
        skills=skills,
        sectors={t.slug for t in sectors},
        disciplines={t.slug for t in disciplines},
        languages=set(member.languages or []) if shown("languages") else set(),
        commune=member.commune if shown("location") else "",
        country=member.country if shown("location") else "",
        seeks_kinds={kind for _text, kind in seek_rows if kind},
    )


class ProfileContext:
    """What one ranking for a member works from; each direction adds its own."""

    def __init__(
        self,
        *,
        member: Member,
        public_only: bool,
        index: str,
        fields,
        base,
        profile: MemberProfile | None = None,
    ):
        self.member, self.public_only = member, public_only
        # A caller ranking both directions for one member reads it once.
        self.profile = profile or member_profile(member, public_only=public_only)
        self.index, self.base = index, base
        # Candidates are read from doc values (keywords only); the suggestions
        # shown then get the sources their reasons quote.
        self.search = (
            Search(using=get_client(), index=index)
            .source(False)
            .extra(docvalue_fields=fields)
        )
        self.graph_scores: dict[int, float] = {}


def best_line(lines: list[str], text: str) -> str:
    """The line of `lines` sharing most stems with `text` (the first if none)."""
    wanted = set(stem_terms(text))
    return max(lines, key=lambda line: len(wanted & set(stem_terms(line))))


def matched_indices(matched: set[str], prefix: str) -> list[int]:
    """Indices of the named clauses `<prefix>:<i>` that matched."""
    return sorted(int(m.split(":")[1]) for m in matched if m.startswith(f"{prefix}:"))


def text_clauses(profile: MemberProfile, fields: list[str]) -> list:
    if not profile.text:
        return []
    return [Q("multi_match", query=profile.text[:3000], fields=fields)]


def words_search(ctx, clauses: list) -> dict:
    """One search for candidates matching any of `clauses`."""
    if not clauses:
        return {}
    search = ctx.search.query(
        Q("bool", should=clauses, minimum_should_match=1, filter=[ctx.base])
    )[:CANDIDATES]
    return {"text": (ctx.index, search.to_dict())}


def words_collect(ctx, responses, pool):
    """Hits of the words search as candidates, their score scaled to the best."""
    hits = responses.get("text", [])
    top = max((h["_score"] for h in hits), default=1.0) or 1.0
    for hit in hits:
        c = pool.add(int(hit["_id"]), from_doc_values(hit))
        c.values["text"] = hit["_score"] / top
        c.values["matched"] = set(hit.get("matched_queries") or [])


def meaning_searches(ctx):
    if not (embeddings.enabled() and ctx.profile.text):
        return {}
    vector = embeddings.query_vector(ctx.profile.text)
    clause = knn(vector, CANDIDATES, ctx.base.to_dict())
    search = ctx.search.extra(knn=clause)[: clause["k"]]
    return {"semantic": (ctx.index, search.to_dict())}


def meaning_collect(ctx, responses, pool):
    for hit in responses.get("semantic", []):
        pool.add(int(hit["_id"]), from_doc_values(hit)).values["semantic"] = cosine(
            hit["_score"]
        )


def graph_search(ctx, strength) -> dict:
    """The strongest graph candidates, fetched in the round trip of the words
    and meaning searches (the graph is read before any answer comes): those
    the other searches also find are merged by `graph_collect`."""
    strongest = heapq.nlargest(CANDIDATES, strength, key=strength.__getitem__)
    if not strongest:
        return {}
    search = ctx.search.query(
        Q("bool", filter=[ctx.base, Q("ids", values=_ids(strongest))])
    )[: len(strongest)]
    return {"graph": (ctx.index, search.to_dict())}


def graph_collect(ctx, responses, pool) -> None:
    for hit in responses.get("graph", []):
        pool.add(int(hit["_id"]), from_doc_values(hit))


# Features and reasons both member-side directions share ----------------------------


def text_features(ctx, c):
    return {"text": c.values.get("text", 0.0)}


def semantic_features(ctx, c):
    return {"semantic": c.values.get("semantic", 0.0)}


def semantic_reasons(ctx, matches):
    for match in matches:
        if match.features["semantic"] >= 0.5:
            match.reasons.append(
                meaning_reason(
                    ctx.semantic_text,
                    match.features["semantic"],
                    ctx.weights.get("semantic", 0.0),
                )
            )


def taxonomy_features(ctx, c):
    s, profile = c.source, ctx.profile
    sectors = c.evidence["sectors"] = profile.sectors & set(s.get("sectors", []))
    disciplines = profile.disciplines & set(s.get("disciplines", []))
    return {"taxonomy": min(1.0, 0.5 * len(sectors) + 0.5 * len(disciplines))}


def commune_features(ctx, c):
    commune = ctx.profile.commune
    same = bool(commune) and commune == c.source.get("commune")
    c.evidence["same_commune"] = commune if same else ""
    return {"place": 1.0 if same else 0.0}


def commune_reasons(ctx, matches):
    for match in matches:
        if commune := match.candidate.evidence["same_commune"]:
            match.reasons.append(
                place_reason("commune", commune, ctx.weights.get("place", 0.0))
            )


def language_features(ctx, c):
    languages = sorted(ctx.profile.languages & set(c.source.get("languages", [])))
    c.evidence["languages"] = languages
    return {"language": 1.0 if languages else 0.0}


def language_reasons(ctx, matches):
    for match in matches:
        for language in match.candidate.evidence["languages"][:1]:
            match.reasons.append(
                language_reason(
                    _("Speaks %(language)s like you"),
                    language,
                    ctx.weights.get("language", 0.0),
                )
            )


def names(pks) -> dict[int, str]:
    """Names a reason may cite: published members only."""
    found = Member.objects.published().filter(pk__in=set(pks))
    return dict(found.values_list("pk", "name"))


def titles(pks) -> dict[int, str]:
    """Titles a reason may cite: published experiments only."""
    positive = {pk for pk in pks if pk > 0}
    found = Project.objects.published().filter(pk__in=positive)
    return dict(found.values_list("pk", "title"))
