"""Write outbox rows for every change that alters an indexed document; the
search-result cache follows what the indexer announces."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from hub.taxonomy import Discipline, Sector
from members.models import Member, Offer, Seek
from projects.models import Project, ProjectNeed, ProjectPartner
from search.result_cache import (
    result_cache_changed,
    result_cache_clear,
    result_cache_settled,
)
from search.services import outbox_enqueue
from search.signals import index_changed, index_refreshed


def member_changed(sender, instance: Member, **kwargs):
    targets = [("member", instance.pk)]
    if kwargs.get("signal") is post_save:
        # Project documents carry their partners' names; the experiments it
        # owns appear only while it may (members.permissions), and their
        # partners' documents carry them in their track records.
        targets += [
            ("project", pk)
            for pk in instance.partnerships.values_list("project_id", flat=True)
        ]
        owned = list(instance.owned_projects.values_list("pk", flat=True))
        targets += [("project", pk) for pk in owned]
        targets += [
            ("member", pk)
            for pk in ProjectPartner.objects.filter(project__in=owned)
            .exclude(member=instance)
            .values_list("member_id", flat=True)
        ]
    outbox_enqueue(targets=targets)


def project_changed(sender, instance: Project, **kwargs):
    targets = [("project", instance.pk)]
    if kwargs.get("signal") is post_save:
        # Member documents carry their track record.
        targets += [
            ("member", pk)
            for pk in instance.partnerships.values_list("member_id", flat=True)
        ]
    outbox_enqueue(targets=targets)


def partnership_changed(sender, instance: ProjectPartner, **kwargs):
    outbox_enqueue(
        targets=[("project", instance.project_id), ("member", instance.member_id)]
    )


def member_part_changed(sender, instance, **kwargs):
    outbox_enqueue(targets=[("member", instance.member_id)])


def project_part_changed(sender, instance, **kwargs):
    outbox_enqueue(targets=[("project", instance.project_id)])


def taxonomy_link_handler(document: str):
    """m2m_changed receiver for a member's or project's sectors or disciplines."""

    def handler(sender, instance, action, reverse, pk_set, **kwargs):
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        # Seen from the term's side, pk_set holds the members or projects.
        ids = (pk_set or []) if reverse else [instance.pk]
        outbox_enqueue(targets=[(document, pk) for pk in ids])

    return handler


def term_changed(sender, instance, **kwargs):
    """A renamed sector or discipline changes the labels in every document."""
    outbox_enqueue(
        targets=[("member", pk) for pk in instance.members.values_list("pk", flat=True)]
        + [("project", pk) for pk in instance.projects.values_list("pk", flat=True)]
    )


def index_changed_received(sender, *, document, changes, visible=True, **kwargs):
    if changes is None:  # a rebuild: anything may have changed
        result_cache_clear(visible=visible)
    else:
        result_cache_changed(document=document, changes=changes, visible=visible)


def index_refreshed_received(sender, **kwargs):
    result_cache_settled()


def register():
    index_changed.connect(index_changed_received, dispatch_uid="search-results-index")
    index_refreshed.connect(
        index_refreshed_received, dispatch_uid="search-results-refreshed"
    )
    for name, signal in (("saved", post_save), ("deleted", post_delete)):
        for sender, handler in (
            (Member, member_changed),
            (Project, project_changed),
            (ProjectPartner, partnership_changed),
            (Offer, member_part_changed),
            (Seek, member_part_changed),
            (ProjectNeed, project_part_changed),
        ):
            signal.connect(
                handler, sender=sender, dispatch_uid=f"search-{sender.__name__}-{name}"
            )
    for document, model in (("member", Member), ("project", Project)):
        for through in (model.sectors.through, model.disciplines.through):
            m2m_changed.connect(
                taxonomy_link_handler(document),
                sender=through,
                weak=False,
                dispatch_uid=f"search-{through.__name__}",
            )
    for term in (Sector, Discipline):
        post_save.connect(
            term_changed, sender=term, dispatch_uid=f"search-{term.__name__}-saved"
        )
