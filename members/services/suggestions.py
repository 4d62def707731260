"""Dismissed suggestions: who may dismiss what, and what stays hidden.

A project's managers dismiss suggested partners on the project page; a
member's managers dismiss suggested experiments and people on the dashboard.
A dismissed suggestion never comes back for that project or member.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from members.models import Dismissal, Member

# Selectors


def dismissed_members_for_project(*, project) -> set[int]:
    """Members that the project's managers asked not to be suggested again."""
    return set(
        Dismissal.objects.filter(project=project).values_list(
            "suggested_member_id", flat=True
        )
    )


def dismissed_for_member(*, member: Member) -> tuple[set[int], set[int]]:
    """(member ids, project ids) that `member`'s managers dismissed."""
    members, projects = set(), set()
    rows = Dismissal.objects.filter(member=member).values_list(
        "suggested_member_id", "suggested_project_id"
    )
    for member_id, project_id in rows:
        if member_id:
            members.add(member_id)
        if project_id:
            projects.add(project_id)
    return members, projects


# Services


def _check_manages(*, user, project=None, member: Member | None = None) -> None:
    from projects.services import project_managed_by

    if project is not None:
        if not project_managed_by(project=project, user=user):
            raise PermissionDenied(_("You do not manage this experiment."))
    elif not Member.objects.managed_by(user).filter(pk=member.pk).exists():
        raise PermissionDenied(_("You do not manage this member."))


def dismissal_create(
    *,
    user,
    project=None,
    member: Member | None = None,
    suggested_member: Member | None = None,
    suggested_project=None,
) -> Dismissal:
    """`user` hides a suggestion for good; dismissing twice is harmless.

    The pair is (project → suggested member), (member → suggested member) or
    (member → suggested project), and `user` must manage the project (through
    its owner) or the member.
    """
    if (project is None) == (member is None):
        raise ValidationError(_("Dismiss a suggestion for one experiment or member."))
    if (suggested_member is None) == (suggested_project is None):
        raise ValidationError(_("Dismiss one suggested member or experiment."))
    if project is not None and suggested_project is not None:
        raise ValidationError(_("Experiments are not suggested to experiments."))
    _check_manages(user=user, project=project, member=member)
    pair = {
        "project": project,
        "member": member,
        "suggested_member": suggested_member,
        "suggested_project": suggested_project,
    }
    existing = Dismissal.objects.filter(**pair).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Dismissal.objects.create(user=user, **pair)
    except IntegrityError:  # a concurrent dismissal of the same pair won
        return Dismissal.objects.get(**pair)
