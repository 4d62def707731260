"""Signal receivers of the editorial site: the page cache, new translations."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from wagtail.models import Page, Site
from wagtail.signals import (
    copy_for_translation_done,
    page_published,
    page_unpublished,
    post_page_move,
)

from hub.middleware import page_cache_clear
from hub.models.base import TextLanguageMixin
from hub.models.site_settings import SiteSettings
from members.models import Member
from members.permissions import member_may_appear


# Wagtail sends these with the page's own class as the sender: any page counts.
@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
def pages_changed(sender, **kwargs):
    page_cache_clear()


@receiver(post_delete, sender=Page)
def page_deleted(sender, **kwargs):
    page_cache_clear()


@receiver(post_save, sender=SiteSettings)
@receiver(post_delete, sender=SiteSettings)
@receiver(post_save, sender=Site)
@receiver(post_delete, sender=Site)
def site_settings_saved(sender, **kwargs):
    """Every page shows the site's name and settings (hub/site_chrome.py)."""
    page_cache_clear()


@receiver(post_save, sender=Member)
def member_saved(sender, instance, **kwargs):
    """A member that may not appear (suspended, refused, pending) may still be
    on a cached page: its experiments among the home page's."""
    if not member_may_appear(instance):
        page_cache_clear()


@receiver(copy_for_translation_done)
def translation_keeps_its_text_language(sender, source_obj, target_obj, **kwargs):
    """A new translation holds the source's text until someone translates it;
    it says which language that text is in, so pages mark it with `lang`."""
    source = getattr(source_obj, "specific", source_obj)
    target = getattr(target_obj, "specific", target_obj)
    if not isinstance(target, TextLanguageMixin) or not target.pk:
        return
    written_in = source.text_language
    target.content_language = (
        "" if written_in == target.locale.language_code else written_in
    )
    type(target).objects.filter(pk=target.pk).update(
        content_language=target.content_language
    )
