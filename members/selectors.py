"""Reads about members, with the visibility rules applied."""

from members.models import Member, MemberStatus


def viewer_is_member(*, user) -> bool:
    """Logged-in users who manage a published profile count as network members."""
    if not user.is_authenticated:
        return False
    return Member.objects.filter(
        managers__user=user, status=MemberStatus.PUBLISHED
    ).exists()


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
