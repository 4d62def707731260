"""One elasticsearch-dsl Document per index; only public, published data goes in.

A profile section that its member made "members only" or "private, used for
matching" is left out of the member document: the index serves anonymous
visitors. Contact data (e-mail, phone) never enters it.
"""

from django.db.models import Prefetch

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
from projects.models import NeedStatus, Project, ProjectNeed, ProjectPartner
from search import embeddings
from search.text import fold, stem

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


def text_field(**kwargs):
    return Text(analyzer=TEXT, **kwargs)


def _public(member: Member, section: str) -> bool:
    return member.visibility_of(section) == Visibility.PUBLIC


class MemberDocument(Document):
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
    track_record = text_field()
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

    @classmethod
    def indexable(cls):
        public_projects = ProjectPartner.objects.filter(
            confirmed=True, project__status="published"
        ).select_related("project")
        return Member.objects.published().prefetch_related(
            "sectors",
            "disciplines",
            Prefetch("offers", queryset=Offer.objects.active()),
            Prefetch("seeks", queryset=Seek.objects.active()),
            Prefetch("partnerships", queryset=public_projects),
        )

    @classmethod
    def from_instance(cls, member: Member) -> "MemberDocument":
        projects = [p.project for p in member.partnerships.all()]
        doc = cls(
            meta={"id": member.pk},
            slug=member.slug,
            name=member.name,
            kind=member.kind,
            is_organisation=member.is_organisation,
            legal_form=member.legal_form or None,
            headline=member.headline,
            description=member.description,
            **_taxonomy(member),
            open_to_collaboration=member.open_to_collaboration,
            emes_verified=member.emes_verified,
            track_record=[_project_line(p) for p in projects],
            project_ids=[p.pk for p in projects],
            url=member.get_absolute_url(),
        )
        if _public(member, "skills"):
            doc.skills = member.skills
        if _public(member, "offers"):
            doc.offers = [o.text for o in member.offers.all()]
        if _public(member, "seeks"):
            doc.seeks = [s.text for s in member.seeks.all()]
            doc.seeks_kinds = sorted({s.kind for s in member.seeks.all() if s.kind})
        if _public(member, "languages"):
            doc.languages = member.languages
        if _public(member, "location"):
            doc.commune = member.commune or None
            doc.city = member.city or None
            doc.country = member.country or None
        if _public(member, "recognition"):
            doc.regional_recognition = member.regional_recognition
        doc.created_at = member.created_at
        _add_analysed_text(doc, cls.TEXT_FIELDS)
        doc.suggest = _suggestions(
            [member.name], doc.sector_labels, doc.discipline_labels
        )
        return doc


class ProjectDocument(Document):
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

    @classmethod
    def indexable(cls):
        partners = ProjectPartner.objects.filter(
            confirmed=True, member__status="published"
        ).select_related("member")
        return Project.objects.published().prefetch_related(
            "sectors",
            "disciplines",
            Prefetch(
                "needs", queryset=ProjectNeed.objects.filter(status=NeedStatus.OPEN)
            ),
            Prefetch("partnerships", queryset=partners),
        )

    @classmethod
    def from_instance(cls, project: Project) -> "ProjectDocument":
        partners = [p.member for p in project.partnerships.all()]
        needs = list(project.needs.all())
        doc = cls(
            meta={"id": project.pk},
            slug=project.slug,
            title=project.title,
            summary=project.summary,
            description=project.description,
            keywords=project.keywords,
            stage=project.stage,
            **_taxonomy(project),
            sdgs=project.sdgs,
            languages=project.languages,
            commune=project.commune or None,
            country=project.country or None,
            needs=[n.text for n in needs],
            needs_kinds=sorted({n.kind for n in needs if n.kind}),
            partners=[m.name for m in partners],
            partner_ids=[m.pk for m in partners],
            partner_slugs=[m.slug for m in partners],
            url=project.get_absolute_url(),
            created_at=project.created_at,
        )
        _add_analysed_text(doc, cls.TEXT_FIELDS)
        doc.suggest = _suggestions([project.title], project.keywords, doc.sector_labels)
        return doc


def _project_line(project) -> str:
    """One line of a member's track record: what the project was about."""
    return ". ".join(
        part
        for part in (project.title, project.summary, ", ".join(project.keywords))
        if part
    )


def _taxonomy(obj) -> dict:
    """Slugs and FR/NL/EN labels of a member's or project's sectors and disciplines."""
    out = {}
    for field_name in ("sectors", "disciplines"):
        terms = list(getattr(obj, field_name).all())
        out[field_name] = [t.slug for t in terms]
        out[f"{field_name[:-1]}_labels"] = [label for t in terms for label in t.labels]
    return out


def _values(doc, field) -> list[str]:
    value = getattr(doc, field, None)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _add_analysed_text(doc, fields) -> None:
    text = " \n ".join(v for field in fields for v in _values(doc, field))
    doc.folded = fold(text)
    doc.stemmed = stem(text)


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
    parts = []
    for field in doc.TEXT_FIELDS:
        if field in ("partners", "track_record"):
            continue
        parts.extend(_values(doc, field))
    track = _values(doc, "track_record")[:10]
    return ". ".join(parts + track)


def documents_prepare(doc_class, objects) -> list[dict]:
    """Index-ready sources for `objects`, with embeddings computed in one batch."""
    docs = [doc_class.from_instance(obj) for obj in objects]
    if embeddings.enabled() and docs:
        vectors = embeddings.embed_cached([embedding_text(d) for d in docs])
        for doc, vector in zip(docs, vectors, strict=True):
            doc.embedding = vector
    return [doc.to_dict() for doc in docs]


DOCUMENTS: dict[str, type[Document]] = {
    "member": MemberDocument,
    "project": ProjectDocument,
}
