from django.db import models
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel
from wagtail.images import get_image_model_string
from wagtail.models import Page

# Search engines cut meta descriptions at about 160 characters.
META_DESCRIPTION_LENGTH = 160


def plain_text(value) -> str:
    """Text of a rich-text (HTML) or plain value, whitespace collapsed."""
    return " ".join(strip_tags(str(value or "")).split())


class HubPageMixin(models.Model):
    """What every editorial page shares: sharing metadata and a plain summary.

    Templates read `og_image`, `og_type` and `get_summary()` so that listings,
    search results and the `<meta>`/Open Graph tags agree on one description.
    """

    social_image = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("social sharing image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Shown when the page is shared on social networks. Defaults to the "
            "page's main image."
        ),
    )

    promote_panels = [*Page.promote_panels, FieldPanel("social_image")]

    og_type = "website"

    class Meta:
        abstract = True

    def get_intro_text(self) -> str:
        """The page's own introduction as plain text; pages override this."""
        return plain_text(getattr(self, "intro", ""))

    def get_main_image(self):
        return None

    def get_summary(self) -> str:
        return self.search_description or self.get_intro_text()

    def get_meta_description(self) -> str:
        return Truncator(self.get_summary()).chars(META_DESCRIPTION_LENGTH)

    @property
    def og_image(self):
        return self.social_image or self.get_main_image()
