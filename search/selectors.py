"""Reads from the search index: faceted, typo-tolerant, cross-lingual search.

A query is matched three ways at once: against the original fields (with
fuzziness for typos), against the accent-folded copy, and against the
FR/NL/EN-stemmed copy (see search/text.py). When embeddings are on, a k-NN
clause on the multilingual sentence vectors joins the same request, so a
French query also finds a Dutch or English profile about the same thing.
Facet counts follow the usual multi-select rule: each facet is counted with
every other facet's filter applied, but not its own.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

import numpy as np
from elasticsearch_dsl import A, MultiSearch, Q, Search

from search import embeddings
from search.client import SearchUnavailable, get_client, index_alias
from search.lexicon import query_gloss, word_expansion
from search.services import ES_ERRORS
from search.text import WORD_RE, fold, stem, stem_folded

TEXT_FIELDS = {
    "member": [
        "name^4",
        "headline^2",
        "description",
        "sector_labels^2",
        "discipline_labels^2",
        "skills^2",
        "offers^2",
        "seeks",
        "track_record^0.5",
    ],
    "project": [
        "title^4",
        "summary^2",
        "description",
        "keywords^2",
        "sector_labels^2",
        "discipline_labels",
        "needs",
        "partners",
    ],
}
FUZZY_FIELDS = {"member": ["name^4"], "project": ["title^4"]}
HIGHLIGHT_FIELDS = {
    "member": ["headline", "description", "offers", "skills", "track_record"],
    "project": ["summary", "description", "keywords", "needs"],
}
# Facet name → indexed keyword field, per document type.
FACETS = {
    "member": {
        "kind": "kind",
        "sector": "sectors",
        "discipline": "disciplines",
        "commune": "commune",
        "language": "languages",
        "legal_form": "legal_form",
        "emes": "emes_verified",
        "open": "open_to_collaboration",
    },
    "project": {
        "stage": "stage",
        "need": "needs_kinds",
        "sector": "sectors",
        "sdg": "sdgs",
        "commune": "commune",
        "language": "languages",
    },
}
FACET_TITLES = {
    "kind": _("Kind"),
    "sector": _("Sector"),
    "discipline": _("Discipline"),
    "commune": _("Commune"),
    "language": _("Language"),
    "legal_form": _("Legal form"),
    "emes": _("EMES verified"),
    "open": _("Open to collaboration"),
    "stage": _("Stage"),
    "need": _("Partner sought"),
    "sdg": _("UN goal"),
}
SORTS = ("relevance", "newest")
# Semantic hits: the k nearest profiles whose cosine similarity is within
# KNN_MARGIN of the best one's (and at least KNN_FLOOR), scored from KNN_BASE
# to KNN_BASE + KNN_WEIGHT next to BM25. A fixed threshold let long queries,
# which are close to everything, bring half the network, and cut one-word
# queries, which are close to nothing in absolute terms, even when their
# nearest profiles were right.
KNN_FLOOR = 0.15
KNN_MARGIN = 0.08
KNN_BASE = 4.0
KNN_WEIGHT = 8.0
KNN_K = 50
# Queries of up to three words need them all; longer ones three in four.
MIN_WORDS_MATCHING = "3<75%"
# When the words and the encoder together find fewer than SHORT_PAGE members
# for a query of NEAR_MISS_MIN_WORDS words or more, the page is completed by
# members matching all the words but one, ranked below every other hit
# ("luchtkwaliteit meten met bewoners": the one profile on air quality says
# neither "measure" nor "residents"). Not for two-word queries, whose near
# misses share a single word ("social housing" found 62 of 64 members that way);
# a Dutch compound counts as its two words ("toegankelijke onlineformulieren").
SHORT_PAGE = 10
NEAR_MISS_MIN_WORDS = 3
NEAR_MISS_WORDS = "1<-1"
NEAR_MISS_BOOST = 0.001
# A word scores by its best-matching form, plus this share of the others: a
# word found as written, folded, stemmed and translated no longer counts
# three or four times over a word found one way.
WORD_FORMS_TIE_BREAKER = 0.3
# Each word also matches its first translations from the FR/NL/EN lexicon,
# weighted below the word itself (see search/lexicon.py).
TRANSLATIONS_PER_WORD = 4
TRANSLATION_BOOST = 0.5
# The k-NN vector is the query's plus its word-for-word English gloss's.
GLOSS_LANGUAGE = "en"
# Words of a phrase may stand this many positions apart.
PHRASE_SLOP = 2
PHRASE_BOOST = 6.0
# The nearest profile's clause against the best text match's score.
SEMANTIC_SHARE = 0.8
MAX_QUERY_WORDS = 12


@dataclass
class Hit:
    id: int
    score: float | None
    source: dict
    highlight: str = ""

    @property
    def kind_label(self) -> str:
        from members.models import MemberKind

        kind = self.source.get("kind")
        return MemberKind(kind).label if kind in MemberKind.values else ""


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    name: str
    title: str
    values: list[FacetValue] = field(default_factory=list)


@dataclass
class SearchPage:
    total: int
    hits: list[Hit]
    facets: list[Facet] = field(default_factory=list)


# Facets on integer fields; any other value matches nothing (instead of making
# Elasticsearch refuse the whole query, which read as "search unavailable").
INTEGER_FACET_FIELDS = {"sdgs"}


def _filter_clause(field_name: str, values: list[str]):
    if field_name in ("emes_verified", "open_to_collaboration"):
        values = [v == "true" for v in values]
    elif field_name in INTEGER_FACET_FIELDS:
        values = [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 10]
    return Q("terms", **{field_name: values})


def _text_query(
    document: str,
    query: str,
    min_words: str = MIN_WORDS_MATCHING,
    compounds_apart: bool = False,
):
    """Most of the query's words must match, each in any of its forms.

    A word matches as written (BM25 on the fields), accent-folded with
    fuzziness for typos, by its FR/NL/EN stems or by its translations, and
    scores by its best form (dis_max). One OR over all the words made "social
    housing" find every profile with "social" in it; now queries of up to
    three words need all of them, longer ones three in four.

    With `compounds_apart`, a Dutch compound the lexicon splits counts as its
    two words, each a clause of its own (for near misses: "toegankelijke
    onlineformulieren" is three words, as "accessible online forms" is).
    """
    clauses = _word_clauses(document, query, compounds_apart)
    if not clauses:
        return Q("match_none")
    folded_query = fold(query)
    return Q(
        "bool",
        must=[Q("bool", should=clauses, minimum_should_match=min_words)],
        should=[
            # Typos in a name or title weigh more there than in a description.
            Q(
                "multi_match",
                query=query,
                fields=FUZZY_FIELDS[document],
                fuzziness="AUTO",
                prefix_length=1,
            ),
            # Words found together rank above the same words scattered.
            Q(
                "match_phrase",
                folded={
                    "query": folded_query,
                    "slop": PHRASE_SLOP,
                    "boost": PHRASE_BOOST,
                },
            ),
        ],
    )


def _word_clauses(document: str, query: str, compounds_apart: bool) -> list:
    """One clause a query word: its forms, scored by the best (dis_max)."""
    clauses = []
    for word, folded, stems in query_words(query):
        expansion = (
            word_expansion(folded, limit=TRANSLATIONS_PER_WORD)
            if compounds_apart
            else None
        )
        if expansion and expansion.parts:
            clauses += [
                Q(
                    "bool",
                    should=[
                        _translated(part, 1.0),
                        *(_translated(t, 1.0) for t in translations),
                    ],
                    minimum_should_match=1,
                )
                for part, translations in expansion.parts
            ]
            continue
        forms = [
            Q("multi_match", query=word, fields=TEXT_FIELDS[document]),
            Q(
                "match",
                folded={"query": folded, "fuzziness": "AUTO", "prefix_length": 1},
            ),
            Q("match", stemmed={"query": stems}),
            *_translation_forms(folded),
        ]
        clauses.append(Q("dis_max", queries=forms, tie_breaker=WORD_FORMS_TIE_BREAKER))
    return clauses


def _translated(text: str, boost: float):
    """A translation matches by the stems of all its words."""
    return Q(
        "match",
        stemmed={"query": stem(text), "operator": "and", "boost": boost},
    )


def _translation_forms(folded: str) -> list:
    """A word's translations into the other two languages, as weaker alternatives.

    A Dutch compound the lexicon does not know matches through its two parts,
    each as itself or translated: "luchtkwaliteit" finds "qualité de l'air".
    """
    expansion = word_expansion(folded, limit=TRANSLATIONS_PER_WORD)
    forms = [_translated(t, TRANSLATION_BOOST) for t in expansion.translations]
    if expansion.parts:
        parts = [
            Q(
                "bool",
                should=[
                    _translated(part, 1.0),
                    *(_translated(t, 1.0) for t in translations),
                ],
                minimum_should_match=1,
            )
            for part, translations in expansion.parts
        ]
        forms.append(Q("bool", must=parts, boost=TRANSLATION_BOOST))
    return forms


def query_words(query: str) -> list[tuple[str, str, str]]:
    """(word as written, folded, stems) of each word that is not a stop word."""
    out = []
    for word in dict.fromkeys(WORD_RE.findall(query[:200])):
        folded = fold(word)
        stems = stem_folded(folded)
        if stems:
            out.append((word, folded, stems))
    return out[:MAX_QUERY_WORDS]


def _highlight_query(document: str, query: str):
    """What the snippets mark: the query's words as written.

    Highlighting with the fuzzy query made Elasticsearch expand every
    misspelling again in each of the 20 hits' long texts (most of a search's
    time); a misspelt word now gets the headline instead of a snippet.
    """
    return Q("multi_match", query=query, fields=HIGHLIGHT_FIELDS[document])


def documents_search(
    *,
    document: str,
    query: str = "",
    filters: dict[str, list[str]] | None = None,
    sort: str = "relevance",
    offset: int = 0,
    size: int = 20,
    facets: bool = True,
) -> SearchPage:
    """One page of results with facet counts; raises SearchUnavailable when down."""
    filters = {k: v for k, v in (filters or {}).items() if v and k in FACETS[document]}
    clauses = {
        name: _filter_clause(FACETS[document][name], values)
        for name, values in filters.items()
    }
    search = Search(using=get_client(), index=index_alias(document))
    if query:
        text = _text_query(document, query)
        filter_list = list(clauses.values())
        extra, found = _semantic_search(document, query, filter_list, text)
        near_misses = _near_misses(document, query)
        if near_misses is not None:
            if found is None:
                found = _count(document, text, filter_list)
            if found < SHORT_PAGE:
                extra.append(near_misses)
        search = search.query(
            Q("bool", should=[text, *extra], minimum_should_match=1) if extra else text
        )
    if clauses:
        search = search.post_filter(Q("bool", filter=list(clauses.values())))
    if facets:
        for name, field_name in FACETS[document].items():
            others = [c for n, c in clauses.items() if n != name]
            agg = A("filter", filter=Q("bool", filter=others)) if others else None
            terms = A("terms", field=field_name, size=50)
            if agg is None:
                search.aggs.bucket(name, terms)
            else:
                search.aggs.bucket(name, agg).bucket("values", terms)
    if sort == "newest" or not query:
        search = search.sort(
            {"created_at": {"order": "desc", "missing": "_last"}}, {"slug": "asc"}
        )
    search = search.highlight(
        *HIGHLIGHT_FIELDS[document],
        fragment_size=160,
        number_of_fragments=1,
        pre_tags=["<mark>"],
        post_tags=["</mark>"],
        encoder="html",
    )
    if query:
        search = search.highlight_options(
            highlight_query=_highlight_query(document, query).to_dict()
        )
    search = search.source(excludes=["embedding", "folded", "stemmed", "suggest"])
    search = search.extra(track_total_hits=True)[offset : offset + size]
    # No index yet (a new site) reads as no results, not as an outage.
    search = search.params(ignore_unavailable=True)
    response = _execute(search)
    hits = []
    for h in response:
        highlight = ""
        if hasattr(h.meta, "highlight"):
            for name in HIGHLIGHT_FIELDS[document]:
                if name in h.meta.highlight:
                    highlight = h.meta.highlight[name][0]
                    break
        hits.append(
            Hit(
                id=int(h.meta.id),
                score=h.meta.score,
                source=h.to_dict(),
                highlight=highlight,
            )
        )
    return SearchPage(
        total=response.hits.total.value,
        hits=hits,
        facets=_facets(document, response, filters) if facets else [],
    )


def _near_misses(document: str, query: str):
    """Members matching all the query's words but one, below every other hit;
    None for a query of fewer than NEAR_MISS_MIN_WORDS words.

    A Dutch compound the lexicon splits counts as its two words here, so that
    "toegankelijke onlineformulieren" gets near misses as "accessible online
    forms" does. A near miss scores a thousandth of its text score, hundredths
    of a point, where full matches and kept neighbours score from about one
    upwards.
    """
    if len(_word_clauses(document, query, True)) < NEAR_MISS_MIN_WORDS:
        return None
    return Q(
        "bool",
        must=[
            _text_query(
                document, query, min_words=NEAR_MISS_WORDS, compounds_apart=True
            )
        ],
        boost=NEAR_MISS_BOOST,
    )


def _count(document: str, text, filters: list) -> int:
    """How many documents the text query finds, counted up to SHORT_PAGE."""
    search = Search(using=get_client(), index=index_alias(document))
    search = search.query(Q("bool", must=[text], filter=filters))
    search = search.extra(size=0, track_total_hits=SHORT_PAGE)
    response = _execute(search.params(ignore_unavailable=True))
    return response.hits.total.value


def _semantic_clauses(document: str, query: str, filters: list, text) -> list:
    """The semantic clauses of `_semantic_search`, without its count."""
    return _semantic_search(document, query, filters, text)[0]


def _semantic_search(
    document: str, query: str, filters: list, text
) -> tuple[list, int | None]:
    """The profiles nearest to the query in the encoder's space, as scored clauses.

    The k nearest come from a first request; those within KNN_MARGIN of the
    nearest one (and above KNN_FLOOR) join the search as one clause each,
    weighted from KNN_BASE (at the cut-off) to KNN_BASE + KNN_WEIGHT (the
    nearest), so totals, pages and facets count the same hits as the list.
    The same request fetches the best text match's score: the nearest profile
    is worth SEMANTIC_SHARE of it. With fixed weights, the BM25 sums of a
    query of several words, which grow with every word, buried the nearest
    profiles under any profile sharing the words ("financement des
    entreprises sociales": the social enterprise federation above the funders).

    Also returns how many hits the text and semantic clauses bring at least
    (text hits counted up to SHORT_PAGE, plus the kept neighbours; None when
    the encoder is off).
    """
    if not embeddings.enabled() or not query_words(query):
        return [], None
    knn = {
        "field": "embedding",
        "query_vector": _query_vector(query),
        "k": KNN_K,
        "num_candidates": KNN_K * 4,
        **({"filter": Q("bool", filter=filters).to_dict()} if filters else {}),
    }
    alias = index_alias(document)
    probe = Search(index=alias).extra(knn=knn, size=KNN_K).source(False)
    best_text = Search(index=alias).query(Q("bool", must=[text], filter=filters))
    best_text = best_text.extra(size=1, track_total_hits=SHORT_PAGE).source(False)
    both = MultiSearch(using=get_client(), index=alias).add(probe).add(best_text)
    near, lexical = _execute(both.params(ignore_unavailable=True))
    # Elasticsearch scores a cosine similarity s as (1 + s) / 2.
    nearest = [(hit.meta.id, 2 * hit.meta.score - 1) for hit in near]
    text_found = lexical.hits.total.value
    if not nearest or nearest[0][1] < KNN_FLOOR:
        return [], text_found
    best = nearest[0][1]
    cut = max(KNN_FLOOR, best - KNN_MARGIN)
    top_text = lexical.hits[0].meta.score if lexical.hits else None
    scale = SEMANTIC_SHARE * top_text / (KNN_BASE + KNN_WEIGHT) if top_text else 1.0
    kept = [(pk, similarity) for pk, similarity in nearest if similarity >= cut]
    clauses = [
        Q(
            "constant_score",
            filter=Q("ids", values=[pk]),
            boost=scale
            * (KNN_BASE + KNN_WEIGHT * (similarity - cut) / ((best - cut) or 1)),
        )
        for pk, similarity in kept
    ]
    return clauses, text_found + len(kept)


def _query_vector(query: str) -> list[float]:
    """The query's vector, pulled towards its word-for-word English gloss.

    The encoder places some Dutch and French words far from their
    translations ("tolken", "luchtkwaliteit"); the mean of the query's vector
    and its gloss's ("interpreter", "air quality") lands near the profiles on
    the topic in any language.
    """
    words = query_words(query)
    pairs = [(word, folded) for word, folded, _ in words]
    own = " ".join(folded for _, folded in pairs)
    vector = np.asarray(embeddings.query_vector(query))
    gloss = query_gloss(pairs, into=GLOSS_LANGUAGE)
    if fold(gloss) != own:
        vector = vector + np.asarray(embeddings.query_vector(gloss))
    return (vector / (np.linalg.norm(vector) or 1.0)).tolist()


def _execute(search):
    """Run a search, retrying once: an alias swap can drop the index that an
    in-flight search was reading."""
    for attempt in (1, 2):
        try:
            return search.execute()
        except ES_ERRORS as exc:
            status = getattr(exc, "status_code", None) or getattr(exc, "status", None)
            if attempt == 1 and status in (404, 503):
                continue
            raise SearchUnavailable(str(exc)) from exc


def _facets(document, response, filters) -> list[Facet]:
    from search.labels import FacetLabels

    facet_label = FacetLabels()
    out = []
    aggregations = getattr(response, "aggregations", None)
    for name in FACETS[document]:
        if aggregations is None or name not in aggregations:
            continue
        agg = aggregations[name]
        buckets = agg["values"].buckets if "values" in agg else agg.buckets
        selected = set(filters.get(name, []))
        values = []
        for bucket in buckets:
            raw = bucket.to_dict()
            key = str(raw.get("key_as_string", raw["key"]))
            values.append(
                FacetValue(
                    value=key,
                    label=facet_label(name, key),
                    count=bucket.doc_count,
                    selected=key in selected,
                )
            )
        # A selected value with no hits left stays visible so it can be unticked.
        for value in selected - {v.value for v in values}:
            values.append(FacetValue(value, facet_label(name, value), 0, True))
        out.append(Facet(name=name, title=str(FACET_TITLES[name]), values=values))
    return out


def suggestions(*, prefix: str, size: int = 8) -> list[dict]:
    """Autocomplete over member names, experiment titles and taxonomy terms."""
    prefix = prefix.strip()[:60]
    if not prefix:
        return []
    out, seen = [], set()
    for document in ("member", "project"):
        search = Search(using=get_client(), index=index_alias(document))
        search = search.suggest(
            "s",
            fold(prefix) or prefix,
            completion={"field": "suggest", "size": size, "skip_duplicates": True},
        ).source(["name", "title", "url"])
        response = _execute(search.params(ignore_unavailable=True))
        if "suggest" not in response:
            continue
        for option in response.suggest.s[0].options:
            text = option.text
            source = option._source.to_dict()
            title = source.get("name") or source.get("title")
            # A folded input matched: show the original spelling.
            if title and fold(title)[:100] == text:
                text = title
            if text.lower() in seen:
                continue
            seen.add(text.lower())
            entry = {"text": text, "type": document}
            if title and fold(title) == fold(text):
                entry["url"] = source.get("url")
            out.append(entry)
    return out[:size]


@dataclass
class IndexHealth:
    document: str
    alias: str
    indexed: int | None
    published: int
    concrete: list[str]

    @property
    def in_step(self) -> bool:
        return self.indexed == self.published


def index_health() -> dict:
    """Documents per index against published rows, and the outbox backlog."""
    from django.db.models import Min
    from django.utils import timezone

    from search.documents import DOCUMENTS
    from search.indices import indices_behind
    from search.models import OutboxEntry

    rows = []
    error = ""
    for document, doc_class in DOCUMENTS.items():
        alias = index_alias(document)
        published = doc_class.indexable().count()
        indexed, concrete = None, []
        try:
            client = get_client()
            concrete = indices_behind(document=document, client=client)
            if concrete:
                indexed = client.count(index=alias)["count"]
        except (*ES_ERRORS, SearchUnavailable) as exc:
            error = str(exc)
        rows.append(IndexHealth(document, alias, indexed, published, concrete))
    outbox = OutboxEntry.objects.aggregate(oldest=Min("created_at"))
    oldest = outbox["oldest"]
    return {
        "indices": rows,
        "error": error,
        "outbox_length": OutboxEntry.objects.count(),
        "outbox_failing": OutboxEntry.objects.filter(attempts__gt=0).count(),
        "outbox_oldest_seconds": (
            int((timezone.now() - oldest).total_seconds()) if oldest else None
        ),
    }
