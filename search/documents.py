"""One elasticsearch-dsl Document per index; only public, published data goes in."""

from elasticsearch_dsl import Document, Keyword, MetaField, Text

from members.models import Member
from projects.models import Project


class MemberDocument(Document):
    slug = Keyword()
    name = Text(fields={"raw": Keyword()})
    kind = Keyword()
    description = Text()
    url = Keyword(index=False)

    class Meta:
        dynamic = MetaField("strict")

    @classmethod
    def indexable(cls):
        return Member.objects.published()

    @classmethod
    def from_instance(cls, member: Member) -> "MemberDocument":
        return cls(
            meta={"id": member.pk},
            slug=member.slug,
            name=member.name,
            kind=member.kind,
            description=member.description,
            url=member.get_absolute_url(),
        )


class ProjectDocument(Document):
    slug = Keyword()
    title = Text(fields={"raw": Keyword()})
    summary = Text()
    partners = Text()
    partner_slugs = Keyword()
    url = Keyword(index=False)

    class Meta:
        dynamic = MetaField("strict")

    @classmethod
    def indexable(cls):
        return Project.objects.published().prefetch_related("partners")

    @classmethod
    def from_instance(cls, project: Project) -> "ProjectDocument":
        partners = [m for m in project.partners.all() if m.is_public]
        return cls(
            meta={"id": project.pk},
            slug=project.slug,
            title=project.title,
            summary=project.summary,
            partners=[m.name for m in partners],
            partner_slugs=[m.slug for m in partners],
            url=project.get_absolute_url(),
        )


DOCUMENTS: dict[str, type[Document]] = {
    "member": MemberDocument,
    "project": ProjectDocument,
}
