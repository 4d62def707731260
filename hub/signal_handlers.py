"""Empty the editorial page cache whenever what the pages show changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from hub.middleware import page_cache_clear
from hub.models.site_settings import SiteSettings


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
def site_settings_saved(sender, **kwargs):
    page_cache_clear()
