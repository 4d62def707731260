"""Reads about members, with the visibility rules applied."""

from members.models import Member, MemberStatus


def viewer_is_member(*, user) -> bool:
    """Logged-in users who manage a published profile count as network members."""
    if not user.is_authenticated:
        return False
    return Member.objects.published().filter(managers__user=user).exists()


def member_visible_sections(*, member: Member, user) -> set[str]:
    """The profile sections `user` may see on `member`'s page."""
    from members.models import VISIBILITY_SECTIONS

    if user.is_authenticated and (
        user.is_superuser or member.managers.filter(user=user).exists()
    ):
        return set(VISIBILITY_SECTIONS)
    to_member = viewer_is_member(user=user)
    return {
        section
        for section in VISIBILITY_SECTIONS
        if member.section_visible(section, to_member=to_member)
    }


def network_figures() -> dict:
    """Counts for the editors' dashboard panel."""
    from django.db.models import Count

    from members.models import ContactRequest, ContactStatus, MemberKind
    from projects.models import Project, ProjectStatus, Stage

    kinds = dict(Member.objects.published().values_list("kind").annotate(n=Count("id")))
    stages = dict(
        Project.objects.published().values_list("stage").annotate(n=Count("id"))
    )
    return {
        "members_by_kind": [
            (label, kinds.get(value, 0)) for value, label in MemberKind.choices
        ],
        "projects_by_stage": [
            (label, stages.get(value, 0)) for value, label in Stage.choices
        ],
        "members_pending": Member.objects.filter(status=MemberStatus.PENDING).count(),
        "projects_submitted": Project.objects.filter(
            status=ProjectStatus.SUBMITTED
        ).count(),
        "contacts_accepted": ContactRequest.objects.filter(
            status=ContactStatus.ACCEPTED
        ).count(),
        "contacts_total": ContactRequest.objects.count(),
    }
