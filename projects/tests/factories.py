import factory

from projects.models import PartnerRole, Project, ProjectPartner


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    title = factory.Sequence(lambda n: f"Experiment {n}")
    summary = "Testing shared heat pumps in a social housing block."


class ProjectPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectPartner

    project = factory.SubFactory(ProjectFactory)
    member = factory.SubFactory("members.tests.factories.MemberFactory")
    role = PartnerRole.PARTNER
