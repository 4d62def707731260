"""What followers hear of (members/follows.py): needs, stages, partners,
experiments and news, recorded when they happen."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from wagtail.signals import page_published

from hub.models import NewsPage
from members.follows import (
    follow_news_record,
    follow_partnership_record,
    follow_update_record,
)
from members.models import FollowEvent, Seek
from projects.models import Project, ProjectNeed, ProjectPartner, ProjectStatus


@receiver(pre_save, sender=Project, dispatch_uid="follow_project_before")
def project_before_save(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        instance._follow_before = None
        return
    instance._follow_before = (
        Project.objects.filter(pk=instance.pk).values_list("stage", "status").first()
    )


@receiver(post_save, sender=Project, dispatch_uid="follow_project_saved")
def project_saved(sender, instance, created, raw=False, **kwargs):
    before = getattr(instance, "_follow_before", None)
    if raw or created or before is None:
        return
    stage, status = before
    if instance.stage != stage:
        follow_update_record(
            event=FollowEvent.STAGE, project=instance, ref={"stage": instance.stage}
        )
    if status != ProjectStatus.PUBLISHED and instance.status == ProjectStatus.PUBLISHED:
        # Its partners' followers learn of the experiment once it appears.
        for partnership in instance.partnerships.filter(confirmed=True):
            follow_update_record(
                event=FollowEvent.EXPERIMENT,
                member=partnership.member,
                ref={"project": instance.pk},
            )


@receiver(post_save, sender=ProjectNeed, dispatch_uid="follow_need_saved")
def need_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        follow_update_record(
            event=FollowEvent.NEED, project=instance.project, ref={"need": instance.pk}
        )


@receiver(pre_save, sender=ProjectPartner, dispatch_uid="follow_partner_before")
def partner_before_save(sender, instance, raw=False, **kwargs):
    instance._follow_was_confirmed = bool(
        not raw
        and instance.pk
        and ProjectPartner.objects.filter(pk=instance.pk, confirmed=True).exists()
    )


@receiver(post_save, sender=ProjectPartner, dispatch_uid="follow_partner_saved")
def partner_saved(sender, instance, created, raw=False, **kwargs):
    if raw or not instance.confirmed:
        return
    if created or not getattr(instance, "_follow_was_confirmed", True):
        follow_partnership_record(instance)


@receiver(post_save, sender=Seek, dispatch_uid="follow_seek_saved")
def seek_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        # A form saving its rows again makes new rows of the same text.
        follow_update_record(
            event=FollowEvent.NEED,
            member=instance.member,
            ref={"seek_text": instance.text},
        )


@receiver(page_published, sender=NewsPage, dispatch_uid="follow_news_published")
def news_published(sender, instance, **kwargs):
    follow_news_record(instance)
