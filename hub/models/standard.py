from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from hub.blocks import BodyBlock
from hub.models.base import HubPageMixin


class StandardPage(HubPageMixin, Page):
    """A free-form page (about, how it works, privacy policy, ...)."""

    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]

    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
    ]

    parent_page_types = ["hub.HomePage", "hub.StandardPage"]
    subpage_types = ["hub.StandardPage", "hub.FormPage"]

    class Meta:
        verbose_name = _("standard page")
        verbose_name_plural = _("standard pages")

    def get_main_image(self):
        # The first image of the body stands for the page when it is shared.
        for block in self.body:
            if block.block_type == "image":
                return block.value["image"]
        return None
