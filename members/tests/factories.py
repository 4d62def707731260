import factory

from members.models import Member, MemberKind


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"Coopérative test {n}")
    kind = MemberKind.ENTREPRENEUR
    description = "Une coopérative bruxelloise qui rénove des logements sociaux."
