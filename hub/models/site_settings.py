from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, ObjectList, TabbedInterface
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField

from hub.blocks import LinkListBlock


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    """Navigation, footer and legal links of one site, edited under Settings."""

    navigation = StreamField(
        LinkListBlock(),
        verbose_name=_("main navigation"),
        blank=True,
        help_text=_(
            "Links of the header menu, in order. When empty, the menu links to "
            "members, experiments and search."
        ),
    )
    footer_text = RichTextField(
        _("footer text"),
        blank=True,
        features=["bold", "italic", "link"],
    )
    footer_links = StreamField(
        LinkListBlock(), verbose_name=_("footer links"), blank=True
    )
    contact_address = models.TextField(
        _("contact address"),
        blank=True,
        help_text=_("Postal address shown in the footer, one line per line."),
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("privacy policy page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Linked from the footer and from the consent box of forms."),
    )

    select_related = ["privacy_page"]

    edit_handler = TabbedInterface(
        [
            ObjectList([FieldPanel("navigation")], heading=_("Navigation")),
            ObjectList(
                [
                    FieldPanel("footer_text"),
                    FieldPanel("footer_links"),
                    FieldPanel("contact_address"),
                    FieldPanel("contact_email"),
                    FieldPanel("contact_phone"),
                ],
                heading=_("Footer"),
            ),
            ObjectList([FieldPanel("privacy_page")], heading=_("Legal")),
        ]
    )

    class Meta:
        verbose_name = _("site settings")
        verbose_name_plural = _("site settings")

    @property
    def privacy_url(self) -> str:
        page = self.privacy_page
        if page is None or not page.live:
            return ""
        return page.url or ""
