"""Editors merge a duplicate profile into the one they keep.

Everything that points at the duplicate moves to the kept profile: partners
and ownership of experiments (the track record), affiliations, offers and
seeks, contact requests, dismissals, managers, invitations, claims, reports.
The move goes over every relation to `Member`, so a relation added later moves
too. A row that would tie the kept profile to itself (a contact request
between the two, a dismissal of one by the other), or repeat one the kept
profile has (both partners of one experiment, one manager of both), goes.

The duplicate's own fields are not copied, so nothing it kept private (e-mail,
phone, sections shown to members only) lands on the kept profile's public
page; only its identifiers (external id, enterprise number) move when the kept
profile has none, so re-imports and the register find the kept profile. Its
address answers 301 to the kept profile (`MemberRedirect`). The index hears of
every change through the outbox: moved rows and both profiles are saved or
deleted with the usual signals.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from members.models import (
    ManagerRole,
    Member,
    MemberManager,
    MemberRedirect,
)
from members.services.profiles import user_is_editor

# Identifiers that move to the kept profile when it has none.
IDENTIFIERS = ("external_id", "enterprise_number")


@dataclass
class MergeReport:
    moved: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)

    def count(self, book: dict, model) -> None:
        name = str(model._meta.verbose_name_plural)
        book[name] = book.get(name, 0) + 1


def _member_links(model) -> list[models.ForeignKey]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model is Member
    ]


def _move_row(row, link, *, keep: Member, report: MergeReport) -> None:
    """Point `row`'s `link` at `keep`, or delete the row when it would tie
    `keep` to itself or repeat a row `keep` already has."""
    others = [f for f in _member_links(type(row)) if f is not link]
    if any(getattr(row, f.attname) == keep.pk for f in others):
        row.delete()
        report.count(report.dropped, type(row))
        return
    setattr(row, link.name, keep)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        if isinstance(row, MemberManager) and row.role == ManagerRole.OWNER:
            keep.managers.filter(user_id=row.user_id).update(role=ManagerRole.OWNER)
        type(row)._default_manager.filter(pk=row.pk).delete()
        report.count(report.dropped, type(row))
    else:
        report.count(report.moved, type(row))


def member_merge(*, keep: Member, duplicate: Member, user) -> MergeReport:
    """Merge `duplicate` into `keep` (see the module's docstring)."""
    if not user_is_editor(user=user):
        raise PermissionDenied(_("Only editors merge profiles."))
    if keep.pk == duplicate.pk:
        raise ValidationError(_("Choose two different profiles."))
    report = MergeReport()
    with transaction.atomic():
        keep = Member.objects.select_for_update().get(pk=keep.pk)
        duplicate = Member.objects.select_for_update().get(pk=duplicate.pk)
        for relation in Member._meta.related_objects:
            if not relation.one_to_many and not relation.one_to_one:
                continue
            model, link = relation.related_model, relation.field
            for row in model._default_manager.filter(**{link.name: duplicate}):
                _move_row(row, link, keep=keep, report=report)
        keep.sectors.add(*duplicate.sectors.all())
        keep.disciplines.add(*duplicate.disciplines.all())
        taken = {
            name: getattr(duplicate, name)
            for name in IDENTIFIERS
            if getattr(duplicate, name) and not getattr(keep, name)
        }
        if taken:
            Member.objects.filter(pk=duplicate.pk).update(**dict.fromkeys(taken, None))
            for name, value in taken.items():
                setattr(keep, name, value)
        slug = duplicate.slug
        duplicate.delete()
        MemberRedirect.objects.update_or_create(slug=slug, defaults={"member": keep})
        keep.save()
    return report
