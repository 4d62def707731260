"""One elasticsearch-dsl Document per index; only public, published data goes in.

A profile section that its member made "members only" or "private, used for
matching" is left out of the member document: the index serves anonymous
visitors. Contact data (e-mail, phone) never enters it.
"""

import re
from collections.abc import Callable

from django.db.models import Model, Prefetch, Q

from elasticsearch_dsl import (
    Boolean,
    Completion,
    Date,
    DenseVector,
    Document,
    Integer,
    Keyword,
    MetaField,
    Text,
    analyzer,
    token_filter,
)

from members.models import Member, Offer, Seek, Visibility
from members.permissions import (
    member_may_appear,
    member_status_may_appear,
    project_may_appear,
    project_status_may_appear,
)
from projects.models import (
    NeedStatus,
    Project,
    ProjectNeed,
    ProjectPartner,
)
from search import embeddings
from search.text import experiment_text, fold, stem_folded

# Core-only analysis (no analysis-common): standard tokens, lower case, and the
# French, Dutch and English stop words of the core `stop` filter.
_STOP = {
    lang: token_filter(f"hub_stop_{lang}", type="stop", stopwords=f"_{name}_")
    for lang, name in (("fr", "french"), ("nl", "dutch"), ("en", "english"))
}
TEXT = analyzer(
    "hub_text",
    tokenizer="standard",
    filter=["lowercase", *_STOP.values()],
)
WORDS = analyzer("hub_words", tokenizer="standard", filter=["lowercase"])
# What Django's `slug` path converter accepts.
# The vector is indexed (k-NN) but kept out of the stored _source: every hit
# of every search reads its document's stored block to return its _id, and a
# vector (512 floats as JSON) made that block several times larger. Fetching
# 400 candidates' doc values at 100,000 members took 55 ms with vectors in
# _source, 13 ms without. Readers of a record's vector ask for it as a doc
# value (`docvalue_fields: ["embedding"]`), which also reads an index built
# before this change.
VECTOR_OUT_OF_SOURCE = MetaField(excludes=["embedding"])

SLUG_RE = re.compile(r"[-a-zA-Z0-9_]+")


def text_field(**kwargs):
    return Text(analyzer=TEXT, **kwargs)


class MemberDocument(Document):
    # The record's key as a doc value: searches that read doc values only
    # skip the stored fields, _id included (search/matchmaking/elastic.py).
    pk = Integer()
    slug = Keyword()
    name = text_field(fields={"raw": Keyword()})
    kind = Keyword()
    is_organisation = Boolean()
    legal_form = Keyword()
    headline = text_field()
    description = text_field()
    sectors = Keyword()
    sector_labels = text_field()
    disciplines = Keyword()
    discipline_labels = text_field()
    skills = text_field()
    offers = text_field()
    seeks = text_field()
    seeks_kinds = Keyword()
    languages = Keyword()
    commune = Keyword()
    city = Keyword()
    country = Keyword()
    open_to_collaboration = Boolean()
    emes_verified = Boolean()
    regional_recognition = Boolean()
    # Offsets in the postings: the fragment cited as a reason is found without
    # analysing the whole record again (the longest text field).
    track_record = text_field(index_options="offsets")
    project_ids = Keyword()
    url = Keyword(index=False)
    created_at = Date()
    # Python-analysed copies of the searchable text (see search/text.py).
    folded = text_field()
    stemmed = Text(analyzer=WORDS)
    suggest = Completion(analyzer="simple", preserve_separators=False)
    embedding = DenseVector(dims=embeddings.DIMENSIONS, index=True, similarity="cosine")

    class Meta:
        dynamic = MetaField("strict")
        source = VECTOR_OUT_OF_SOURCE

    TEXT_FIELDS = (
        "name",
        "headline",
        "description",
        "sector_labels",
        "discipline_labels",
        "skills",
        "offers",
        "seeks",
        "track_record",
    )
    # What `source` reads: these columns, plus the relations below.
    ROW_FIELDS = (
        "pk",
        "slug",
        "name",
        "kind",
        "is_organisation",
        "legal_form",
        "headline",
        "description",
        "skills",
        "languages",
        "commune",
        "city",
        "country",
        "visibility",
        "open_to_collaboration",
        "emes_verified",
        "regional_recognition",
        "recognition_verified",
        "created_at",
    )
    RELATIONS = ("sectors", "disciplines", "offers", "seeks", "projects")

    @classmethod
    def indexable(cls):
        return Member.objects.published().prefetch_related(
            "sectors",
            "disciplines",
            Prefetch("offers", queryset=Offer.objects.active()),
            Prefetch("seeks", queryset=Seek.objects.active()),
            Prefetch("partnerships", queryset=_member_partnerships()),
        )

    @classmethod
    def from_instance(cls, member: Member) -> "MemberDocument":
        return cls(
            meta={"id": member.pk},
            **cls.source(cls.record(member), url=member.get_absolute_url()),
        )

    @classmethod
    def record(cls, member: Member) -> dict:
        """What `source` reads, from a member loaded with `indexable()`."""
        record = {field: getattr(member, field) for field in cls.ROW_FIELDS}
        record["sectors"] = [(t.slug, t.labels) for t in member.sectors.all()]
        record["disciplines"] = [(t.slug, t.labels) for t in member.disciplines.all()]
        record["offers"] = [o.text for o in member.offers.all()]
        record["seeks"] = [(s.text, s.kind) for s in member.seeks.all()]
        record["projects"] = [
            (p.project.pk, p.project.title, p.project.summary, p.project.keywords)
            for p in member.partnerships.all()
            if project_may_appear(p.project)
        ]
        return record

    @classmethod
    def records(cls, pks: list[int]) -> dict[int, dict]:
        """What `source` reads, for many members: one query per relation."""
        records = _rows(cls, pks)
        _attach(records, "sectors", _terms(Member.sectors, records))
        _attach(records, "disciplines", _terms(Member.disciplines, records))
        _attach(
            records,
            "offers",
            Offer.objects.active()
            .filter(_among("member_id", records))
            .order_by("id")
            .values_list("member_id", "text"),
        )
        _attach(
            records,
            "seeks",
            (
                (member_id, (text, kind))
                for member_id, text, kind in Seek.objects.active()
                .filter(_among("member_id", records))
                .order_by("id")
                .values_list("member_id", "text", "kind")
            ),
        )
        partnerships = (
            _member_partnerships()
            .filter(_among("member_id", records))
            .values_list(
                "member_id",
                "project_id",
                "project__title",
                "project__summary",
                "project__keywords",
                "project__status",
                "project__owner__status",
            )
        )
        _attach(
            records,
            "projects",
            (
                (row[0], row[1:-2])
                for row in partnerships
                if project_status_may_appear(row[-2], row[-1])
            ),
        )
        return records

    @classmethod
    def source(cls, member: dict, *, url: str) -> dict:
        """The index document of a member `record`: only its public sections."""
        visibility = member["visibility"]

        def public(section):
            return visibility.get(section, Visibility.PUBLIC) == Visibility.PUBLIC

        projects = member["projects"]
        seeks = member["seeks"]
        fields = {
            "pk": member["pk"],
            "slug": member["slug"],
            "name": member["name"],
            "kind": member["kind"],
            "is_organisation": member["is_organisation"],
            "legal_form": member["legal_form"] or None,
            "headline": member["headline"],
            "description": member["description"],
            **_taxonomy(member),
            "open_to_collaboration": member["open_to_collaboration"],
            "emes_verified": member["emes_verified"],
            "track_record": [_project_line(*p[1:]) for p in projects],
            "project_ids": [p[0] for p in projects],
            "url": url,
        }
        if public("skills"):
            fields["skills"] = member["skills"]
        if public("offers"):
            fields["offers"] = member["offers"]
        if public("seeks"):
            fields["seeks"] = [text for text, _ in seeks]
            fields["seeks_kinds"] = sorted({kind for _, kind in seeks if kind})
        if public("languages"):
            fields["languages"] = member["languages"]
        if public("location"):
            fields["commune"] = member["commune"] or None
            fields["city"] = member["city"] or None
            fields["country"] = member["country"] or None
        if public("recognition"):
            # A badge only once an editor verified it (issue 16, class 6).
            fields["regional_recognition"] = bool(
                member["regional_recognition"] and member["recognition_verified"]
            )
        fields["created_at"] = member["created_at"]
        _add_analysed_text(fields, cls.TEXT_FIELDS)
        fields["suggest"] = _suggestions(
            [member["name"]], fields["sector_labels"], fields["discipline_labels"]
        )
        return _non_empty(fields)


class ProjectDocument(Document):
    pk = Integer()  # as MemberDocument.pk
    slug = Keyword()
    title = text_field(fields={"raw": Keyword()})
    summary = text_field()
    description = text_field()
    keywords = text_field(fields={"raw": Keyword()})
    stage = Keyword()
    sectors = Keyword()
    sector_labels = text_field()
    disciplines = Keyword()
    discipline_labels = text_field()
    sdgs = Integer()
    languages = Keyword()
    commune = Keyword()
    country = Keyword()
    needs = text_field()
    needs_kinds = Keyword()
    partners = text_field()
    partner_ids = Keyword()
    partner_slugs = Keyword()
    url = Keyword(index=False)
    created_at = Date()
    folded = text_field()
    stemmed = Text(analyzer=WORDS)
    suggest = Completion(analyzer="simple", preserve_separators=False)
    embedding = DenseVector(dims=embeddings.DIMENSIONS, index=True, similarity="cosine")

    class Meta:
        dynamic = MetaField("strict")
        source = VECTOR_OUT_OF_SOURCE

    TEXT_FIELDS = (
        "title",
        "summary",
        "description",
        "keywords",
        "sector_labels",
        "discipline_labels",
        "needs",
        "partners",
    )
    # What `source` reads: these columns, plus the relations below.
    ROW_FIELDS = (
        "pk",
        "slug",
        "title",
        "summary",
        "description",
        "keywords",
        "stage",
        "sdgs",
        "languages",
        "commune",
        "country",
        "created_at",
    )
    RELATIONS = ("sectors", "disciplines", "needs", "partners")

    @staticmethod
    def ranking_text(source: dict) -> str:
        """The text an experiment's matchmaking encodes (`DraftProject.text`):
        encoded when the experiment is indexed, so that its first ranking
        reads the vector instead of computing it (tens of milliseconds)."""
        return experiment_text(
            source.get("title", ""),
            source.get("summary", ""),
            source.get("description", ""),
            source.get("keywords", ()),
            source.get("needs", ()),
        )

    @classmethod
    def indexable(cls):
        return Project.objects.published().prefetch_related(
            "sectors",
            "disciplines",
            Prefetch("needs", queryset=_open_needs()),
            Prefetch("partnerships", queryset=_project_partnerships()),
        )

    @classmethod
    def from_instance(cls, project: Project) -> "ProjectDocument":
        return cls(
            meta={"id": project.pk},
            **cls.source(cls.record(project), url=project.get_absolute_url()),
        )

    @classmethod
    def record(cls, project: Project) -> dict:
        """What `source` reads, from a project loaded with `indexable()`."""
        record = {field: getattr(project, field) for field in cls.ROW_FIELDS}
        record["sectors"] = [(t.slug, t.labels) for t in project.sectors.all()]
        record["disciplines"] = [(t.slug, t.labels) for t in project.disciplines.all()]
        record["needs"] = [(n.text, n.kind) for n in project.needs.all()]
        record["partners"] = [
            (p.member.pk, p.member.name, p.member.slug)
            for p in project.partnerships.all()
            if member_may_appear(p.member)
        ]
        return record

    @classmethod
    def records(cls, pks: list[int]) -> dict[int, dict]:
        """What `source` reads, for many projects: one query per relation."""
        records = _rows(cls, pks)
        _attach(records, "sectors", _terms(Project.sectors, records))
        _attach(records, "disciplines", _terms(Project.disciplines, records))
        _attach(
            records,
            "needs",
            (
                (project_id, (text, kind))
                for project_id, text, kind in _open_needs()
                .filter(_among("project_id", records))
                .order_by("id")
                .values_list("project_id", "text", "kind")
            ),
        )
        partnerships = (
            _project_partnerships()
            .filter(_among("project_id", records))
            .values_list(
                "project_id",
                "member_id",
                "member__name",
                "member__slug",
                "member__status",
            )
        )
        _attach(
            records,
            "partners",
            (
                (row[0], row[1:-1])
                for row in partnerships
                if member_status_may_appear(row[-1])
            ),
        )
        return records

    @classmethod
    def source(cls, project: dict, *, url: str) -> dict:
        """The index document of a project `record`."""
        partners = project["partners"]
        needs = project["needs"]
        fields = {
            "pk": project["pk"],
            "slug": project["slug"],
            "title": project["title"],
            "summary": project["summary"],
            "description": project["description"],
            "keywords": project["keywords"],
            "stage": project["stage"],
            **_taxonomy(project),
            "sdgs": project["sdgs"],
            "languages": project["languages"],
            "commune": project["commune"] or None,
            "country": project["country"] or None,
            "needs": [text for text, _ in needs],
            "needs_kinds": sorted({kind for _, kind in needs if kind}),
            "partners": [name for _, name, _ in partners],
            "partner_ids": [pk for pk, _, _ in partners],
            "partner_slugs": [slug for _, _, slug in partners],
            "url": url,
            "created_at": project["created_at"],
        }
        _add_analysed_text(fields, cls.TEXT_FIELDS)
        fields["suggest"] = _suggestions(
            [project["title"]], project["keywords"], fields["sector_labels"]
        )
        return _non_empty(fields)


# Confirmed partnerships; whether the other end is published is checked in
# Python, after the query: SQLite, lacking statistics, would drive a join on
# that status from the status index, reading every published record for each
# batch.
def _member_partnerships():
    """A member's confirmed partnerships, with their projects."""
    return (
        ProjectPartner.objects.filter(confirmed=True)
        .select_related("project__owner")
        .order_by("pk")
    )


def _project_partnerships():
    """A project's confirmed partnerships, with their members."""
    return (
        ProjectPartner.objects.filter(confirmed=True)
        .select_related("member")
        .order_by("pk")
    )


def _open_needs():
    return ProjectNeed.objects.filter(status=NeedStatus.OPEN)


def _rows(doc_class, pks) -> dict[int, dict]:
    """Column values of the indexable records among `pks`, with empty relations."""
    rows = (
        doc_class.indexable()
        .prefetch_related(None)
        .filter(_among("pk", pks))
        .order_by()
        .values(*doc_class.ROW_FIELDS)
    )
    wanted = set(pks)
    records = {}
    for row in rows:
        if row["pk"] in wanted:
            row.update((name, []) for name in doc_class.RELATIONS)
            records[row["pk"]] = row
    return records


def _among(column: str, pks) -> Q:
    """A filter on `column` keeping at least `pks`, maybe a few more.

    A rebuild asks for runs of consecutive keys: a range is much cheaper to
    build and to run than a long IN list. Callers drop the extra rows.
    """
    pks = list(pks)
    if pks and max(pks) - min(pks) < 2 * len(pks):
        return Q(**{f"{column}__gte": min(pks), f"{column}__lte": max(pks)})
    return Q(**{f"{column}__in": pks})


def _attach(records: dict[int, dict], relation: str, pairs) -> None:
    """Append each (record id, value) of `pairs`, in order, to the relation."""
    for pk, value in pairs:
        if (record := records.get(pk)) is not None:
            record[relation].append(value)


def _terms(m2m, records: dict[int, dict]):
    """(record id, (slug, labels)) of a taxonomy relation, in the terms' order.

    The order is the one a prefetch gives: the term model's default ordering.
    """
    field = m2m.field
    owner = f"{field.m2m_field_name()}_id"
    term = f"{field.m2m_reverse_field_name()}_id"
    terms = {
        t.pk: (position, (t.slug, t.labels))
        for position, t in enumerate(field.related_model.objects.all())
    }
    links = m2m.through.objects.filter(_among(owner, records))
    return (
        (pk, terms[term_id][1])
        for pk, term_id in sorted(
            links.values_list(owner, term),
            key=lambda link: (link[0], terms[link[1]][0]),
        )
    )


def _slug_url(doc_class) -> Callable[[str], str]:
    """`get_absolute_url` for many slugs: one `reverse()`, then formatting."""
    placeholder = "slug-placeholder"
    model = doc_class.indexable().model
    head, tail = model(slug=placeholder).get_absolute_url().rsplit(placeholder, 1)

    def url(slug: str) -> str:
        if SLUG_RE.fullmatch(slug):
            return f"{head}{slug}{tail}"
        return model(slug=slug).get_absolute_url()

    return url


def _project_line(title: str, summary: str, keywords: list[str]) -> str:
    """One line of a member's track record: what the project was about."""
    return ". ".join(part for part in (title, summary, ", ".join(keywords)) if part)


def _taxonomy(record: dict) -> dict:
    """Slugs and FR/NL/EN labels of a member's or project's sectors and disciplines."""
    out = {}
    for field_name in ("sectors", "disciplines"):
        terms = record[field_name]
        out[field_name] = [slug for slug, _ in terms]
        out[f"{field_name[:-1]}_labels"] = [
            label for _, labels in terms for label in labels
        ]
    return out


def _non_empty(fields: dict) -> dict:
    """What elasticsearch-dsl's `to_dict` keeps: no None, no empty list or dict."""
    return {k: v for k, v in fields.items() if v not in ([], {}, None)}


def _values(fields: dict, field: str) -> list[str]:
    value = fields.get(field)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _add_analysed_text(fields: dict, text_fields) -> None:
    text = " \n ".join(v for field in text_fields for v in _values(fields, field))
    fields["folded"] = folded = fold(text)
    fields["stemmed"] = stem_folded(folded)


def _suggestions(*groups) -> dict:
    inputs = []
    for group in groups:
        for value in group or []:
            value = str(value).strip()
            if value:
                inputs += [value[:100], fold(value)[:100]]
    return {"input": list(dict.fromkeys(inputs))}


def embedding_text(doc) -> str:
    """What the sentence encoder reads for a document: its main text fields."""
    return _embedding_text(doc.TEXT_FIELDS, doc.to_dict())


def encoded_texts(doc_class, source: dict) -> list[str]:
    """The texts indexing `source` encodes: the document's own text (its
    `embedding`), then, for experiments, the text their ranking reads."""
    texts = [_embedding_text(doc_class.TEXT_FIELDS, source)]
    if ranking_text := getattr(doc_class, "ranking_text", None):
        texts.append(ranking_text(source))
    return texts


def _embedding_text(text_fields, source: dict) -> str:
    parts = []
    for field in text_fields:
        if field in ("partners", "track_record"):
            continue
        parts.extend(_values(source, field))
    track = _values(source, "track_record")[:10]
    return ". ".join(parts + track)


def documents_prepare(doc_class, objects) -> list[dict | None]:
    """Index-ready sources for `objects`, with embeddings computed in one batch.

    `objects` are model instances loaded with `indexable()`, or primary keys:
    those are read as rows with one query per relation, much faster for many
    records, and a key whose record is not (or no longer) indexable gives None.
    """
    objects = list(objects)
    if objects and not isinstance(objects[0], Model):
        records = doc_class.records(objects)
        url = _slug_url(doc_class)
        sources = [
            doc_class.source(record, url=url(record["slug"]))
            if (record := records.get(pk)) is not None
            else None
            for pk in objects
        ]
    else:
        sources = [
            doc_class.source(doc_class.record(obj), url=obj.get_absolute_url())
            for obj in objects
        ]
    present = [source for source in sources if source is not None]
    if embeddings.enabled() and present:
        texts = [encoded_texts(doc_class, s) for s in present]
        # Ranking texts are encoded in the same batches; only the cache keeps
        # their vectors.
        vectors = embeddings.embed_cached([t for group in texts for t in group])
        position = 0
        for source, group in zip(present, texts, strict=True):
            source["embedding"] = vectors[position]
            position += len(group)
    return sources


DOCUMENTS: dict[str, type[Document]] = {
    "member": MemberDocument,
    "project": ProjectDocument,
}
