from django.conf import settings
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


def content_language_choices() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


class TextLanguageMixin(models.Model):
    """The language an item is written in, when it is not its locale's.

    An item published in one language only is copied untranslated into the
    other locales' trees; templates mark it with `lang` (WCAG 3.1.2) so screen
    readers pronounce it in its own language.
    """

    content_language = models.CharField(
        _("written in"),
        max_length=8,
        choices=content_language_choices,
        blank=True,
        help_text=_(
            "Only for an untranslated text: the language it is written in. "
            "Leave empty once the text is in this page's language."
        ),
    )

    class Meta:
        abstract = True

    @property
    def text_language(self) -> str:
        return self.content_language or self.locale.language_code
