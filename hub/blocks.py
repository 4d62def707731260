"""StreamField blocks for the editorial pages and the site settings."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

# Editors link to pages of this site ("/members/", "#contact") as often as to
# other sites, so a link accepts a site path or an anchor besides a full URL.
_LOCAL_LINK = re.compile(r"^(/(?!/)|#|\?)")


def validate_link(value: str) -> None:
    if not value or _LOCAL_LINK.match(value) or value.startswith(("mailto:", "tel:")):
        return
    URLValidator(schemes=["http", "https"])(value)


class LinkURLBlock(blocks.CharBlock):
    """A URL, a site path such as `/members/`, a `mailto:` or a `tel:` link."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("validators", [validate_link])
        super().__init__(**kwargs)


class LinkStructValue(blocks.StructValue):
    @property
    def href(self) -> str:
        page = self.get("page")
        if page is not None and page.live:
            return page.url or ""
        return self.get("url") or ""

    @property
    def link_text(self) -> str:
        page = self.get("page")
        label = self.get("label") or self.get("button_label")
        return label or (page.title if page is not None else self.get("url", ""))


def _require_one_target(value, *, page_field="page", url_field="url"):
    page, url = value.get(page_field), value.get(url_field)
    if bool(page) == bool(url):
        message = _("Choose a page or enter a URL, not both.")
        if not page and not url:
            message = _("Choose a page or enter a URL.")
        raise StructBlockValidationError(
            block_errors={url_field: ValidationError(message)}
        )


class LinkBlock(blocks.StructBlock):
    label = blocks.CharBlock(
        label=_("Label"),
        max_length=80,
        required=False,
        help_text=_("Leave empty to use the title of the chosen page."),
    )
    page = blocks.PageChooserBlock(label=_("Page"), required=False)
    url = LinkURLBlock(
        label=_("URL"),
        required=False,
        help_text=_("A full URL, or a path on this site such as /members/."),
    )

    class Meta:
        icon = "link"
        label = _("Link")
        value_class = LinkStructValue
        form_classname = "struct-block link-block"

    def clean(self, value):
        value = super().clean(value)
        _require_one_target(value)
        if not value.get("page") and not value.get("label"):
            raise StructBlockValidationError(
                block_errors={
                    "label": ValidationError(_("A link to a URL needs a label."))
                }
            )
        return value


class LinkListBlock(blocks.StreamBlock):
    link = LinkBlock()

    class Meta:
        icon = "list-ul"


class HeadingBlock(blocks.CharBlock):
    class Meta:
        icon = "title"
        label = _("Heading")
        template = "blocks/heading.html"
        form_classname = "title"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        label=_("Alternative text"),
        max_length=250,
        required=False,
        help_text=_(
            "What the image shows, for people who cannot see it. When empty, the "
            "image's own description is used; with neither, the image is treated "
            "as decorative."
        ),
    )
    caption = blocks.CharBlock(label=_("Caption"), max_length=300, required=False)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "blocks/image.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Quote"))
    attribution = blocks.CharBlock(
        label=_("Attribution"), max_length=200, required=False
    )

    class Meta:
        icon = "openquote"
        label = _("Quote")
        template = "blocks/quote.html"


class CallToActionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), max_length=120)
    text = blocks.TextBlock(label=_("Text"), required=False)
    page = blocks.PageChooserBlock(label=_("Link to a page"), required=False)
    url = LinkURLBlock(label=_("or to a URL"), required=False)
    button_label = blocks.CharBlock(label=_("Button label"), max_length=60)

    class Meta:
        icon = "pick"
        label = _("Call to action")
        template = "blocks/call_to_action.html"
        value_class = LinkStructValue

    def clean(self, value):
        value = super().clean(value)
        _require_one_target(value)
        return value


class TestimonialBlock(blocks.StructBlock):
    quote = blocks.TextBlock(label=_("Quote"))
    person = blocks.CharBlock(label=_("Person"), max_length=120)
    organisation = blocks.CharBlock(
        label=_("Organisation"), max_length=200, required=False
    )
    member = SnippetChooserBlock(
        "members.Member",
        label=_("Member profile"),
        required=False,
        help_text=_("Links the organisation name to its profile on the network."),
    )

    class Meta:
        icon = "openquote"
        label = _("Testimonial")
        template = "blocks/testimonial.html"


class ContactPersonBlock(blocks.StructBlock):
    name = blocks.CharBlock(label=_("Name"), max_length=120)
    role = blocks.CharBlock(label=_("Role"), max_length=120, required=False)
    image = ImageChooserBlock(label=_("Photo"), required=False)
    phone = blocks.CharBlock(label=_("Phone"), max_length=40, required=False)
    email = blocks.EmailBlock(label=_("E-mail"), required=False)

    class Meta:
        icon = "user"
        label = _("Contact person")
        template = "blocks/contact_person.html"


class EmbedMediaBlock(EmbedBlock):
    class Meta:
        icon = "media"
        label = _("Embedded media")
        template = "blocks/embed.html"
        help_text = _("A link to a video or other media, e.g. on YouTube or Vimeo.")


class BodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        label=_("Text"),
        icon="pilcrow",
        features=["h3", "h4", "bold", "italic", "ol", "ul", "link", "document-link"],
        template="blocks/paragraph.html",
    )
    image = ImageBlock()
    quote = QuoteBlock()
    call_to_action = CallToActionBlock()
    embed = EmbedMediaBlock()
    testimonial = TestimonialBlock()
    contact_person = ContactPersonBlock()
