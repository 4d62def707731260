"""One elasticsearch-dsl Document per index; only public, published data goes in.

A profile section that its member made "members only" or "private, used for
matching" is left out of the member document: the index serves anonymous
visitors. Contact data (e-mail, phone) never enters it.
"""

from django.db.models import Prefetch

from elasticsearch_dsl import Boolean, Document, Integer, Keyword, MetaField, Text

from members.models import Member, Offer, Seek, Visibility
from projects.models import NeedStatus, Project, ProjectNeed, ProjectPartner


def _public(member: Member, section: str) -> bool:
    return member.visibility_of(section) == Visibility.PUBLIC


class MemberDocument(Document):
    slug = Keyword()
    name = Text(fields={"raw": Keyword()})
    kind = Keyword()
    is_organisation = Boolean()
    legal_form = Keyword()
    headline = Text()
    description = Text()
    sectors = Keyword()
    sector_labels = Text()
    disciplines = Keyword()
    discipline_labels = Text()
    skills = Text()
    offers = Text()
    seeks = Text()
    seeks_kinds = Keyword()
    languages = Keyword()
    commune = Keyword()
    city = Keyword()
    country = Keyword()
    open_to_collaboration = Boolean()
    emes_verified = Boolean()
    regional_recognition = Boolean()
    track_record = Text()
    project_ids = Keyword()
    url = Keyword(index=False)

    class Meta:
        dynamic = MetaField("strict")

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
            sectors=[s.slug for s in member.sectors.all()],
            sector_labels=[label for s in member.sectors.all() for label in s.labels],
            disciplines=[d.slug for d in member.disciplines.all()],
            discipline_labels=[
                label for d in member.disciplines.all() for label in d.labels
            ],
            open_to_collaboration=member.open_to_collaboration,
            emes_verified=member.emes_verified,
            track_record=[f"{p.title}. {p.summary}" for p in projects],
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
        return doc


class ProjectDocument(Document):
    slug = Keyword()
    title = Text(fields={"raw": Keyword()})
    summary = Text()
    description = Text()
    keywords = Text(fields={"raw": Keyword()})
    stage = Keyword()
    sectors = Keyword()
    sector_labels = Text()
    disciplines = Keyword()
    discipline_labels = Text()
    sdgs = Integer()
    languages = Keyword()
    commune = Keyword()
    country = Keyword()
    needs = Text()
    needs_kinds = Keyword()
    partners = Text()
    partner_ids = Keyword()
    partner_slugs = Keyword()
    url = Keyword(index=False)

    class Meta:
        dynamic = MetaField("strict")

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
        return cls(
            meta={"id": project.pk},
            slug=project.slug,
            title=project.title,
            summary=project.summary,
            description=project.description,
            keywords=project.keywords,
            stage=project.stage,
            sectors=[s.slug for s in project.sectors.all()],
            sector_labels=[label for s in project.sectors.all() for label in s.labels],
            disciplines=[d.slug for d in project.disciplines.all()],
            discipline_labels=[
                label for d in project.disciplines.all() for label in d.labels
            ],
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
        )


DOCUMENTS: dict[str, type[Document]] = {
    "member": MemberDocument,
    "project": ProjectDocument,
}
