"""Image rules every upload follows, in the admin and on the front end."""

from django.utils.translation import gettext_lazy as _

from wagtail.images.forms import BaseImageForm

ALT_TEXT_HELP = _(
    "Describe what the image shows for people who cannot see it, in one short "
    "sentence (for a logo: “Logo of …”). Screen readers read it aloud."
)


class HubImageForm(BaseImageForm):
    """Wagtail's image form with the alt text (`description`) required.

    Templates use `image.description` as the `alt` attribute, so an image
    without one would be announced by its file name.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        description = self.fields.get("description")
        if description is not None:
            description.required = True
            description.label = _("Alt text")
            description.help_text = ALT_TEXT_HELP
