"""Write outbox rows for every change that alters an indexed document."""

from django.db.models.signals import post_delete, post_save

from members.models import Member
from projects.models import Project, ProjectPartner
from search.services import outbox_enqueue


def member_changed(sender, instance: Member, **kwargs):
    targets = [("member", instance.pk)]
    if kwargs.get("signal") is post_save:
        # Project documents carry their partners' names.
        targets += [
            ("project", pk)
            for pk in instance.partnerships.values_list("project_id", flat=True)
        ]
    outbox_enqueue(targets=targets)


def project_changed(sender, instance: Project, **kwargs):
    targets = [("project", instance.pk)]
    if kwargs.get("signal") is post_save:
        targets += [
            ("member", pk)
            for pk in instance.partnerships.values_list("member_id", flat=True)
        ]
    outbox_enqueue(targets=targets)


def partnership_changed(sender, instance: ProjectPartner, **kwargs):
    outbox_enqueue(
        targets=[("project", instance.project_id), ("member", instance.member_id)]
    )


def register():
    for name, signal in (("saved", post_save), ("deleted", post_delete)):
        for sender, handler in (
            (Member, member_changed),
            (Project, project_changed),
            (ProjectPartner, partnership_changed),
        ):
            signal.connect(
                handler, sender=sender, dispatch_uid=f"search-{sender.__name__}-{name}"
            )
