"""A logo or photo uploaded from the front end, stored as a Wagtail image.

`LogoUploadMixin` adds three fields to a model form whose instance has an
image foreign key (`logo` by default): the file, its alt text (required with a
new file) and a box to remove the current one. The file is checked (raster
JPEG, PNG or WebP only, so never an SVG that could carry scripts; bounded
bytes and pixels), re-encoded without its metadata (a phone photo's EXIF can
hold where it was taken) and saved as a Wagtail image in the "Members"
collection, where editors find and moderate it.

    class MemberForm(LogoUploadMixin, forms.ModelForm): ...

The form's template needs `enctype="multipart/form-data"` and the view must
pass `request.FILES`.
"""

import io
from pathlib import Path

from django import forms
from django.core.files.images import ImageFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from wagtail.images import get_image_model
from wagtail.models import Collection

from PIL import Image as PILImage
from PIL import ImageOps

MEMBERS_COLLECTION = "Members"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000
# Pillow's format name → the extension Wagtail's file name gets.
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
ACCEPT = "image/jpeg,image/png,image/webp"


def members_collection() -> Collection:
    """The "Members" collection under the root, created on first use."""
    root = Collection.get_first_root_node()
    found = root.get_children().filter(name=MEMBERS_COLLECTION).first()
    return found or root.add_child(name=MEMBERS_COLLECTION)


def image_without_metadata(upload, image_format: str) -> io.BytesIO:
    """The upload re-encoded in its own format, upright, with no EXIF or XMP."""
    upload.seek(0)
    with PILImage.open(upload) as original:
        picture = ImageOps.exif_transpose(original)
        if image_format == "JPEG" and picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
        out = io.BytesIO()
        options = {"quality": 90} if image_format in ("JPEG", "WEBP") else {}
        picture.save(out, format=image_format, **options)
    out.seek(0)
    return out


class LogoUploadMixin(forms.Form):
    """Upload, describe or remove the image in the instance's `logo_field`."""

    logo_field = "logo"

    logo_upload = forms.ImageField(
        label=_("Logo or photo"),
        required=False,
        help_text=_("JPEG, PNG or WebP, up to %(size)s. A square image works best.")
        % {"size": filesizeformat(MAX_UPLOAD_BYTES)},
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )
    logo_alt = forms.CharField(
        label=_("Describe the image"),
        required=False,
        max_length=255,
        help_text=_(
            "Read aloud by screen readers instead of the image, e.g. “Logo of "
            "Coopérative Potager Commun” or “Portrait of Amina Benali”."
        ),
    )
    logo_remove = forms.BooleanField(
        label=_("Remove the current image"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = (
            getattr(self.instance, self.logo_field, None) if self.instance else None
        )
        if current is None:
            del self.fields["logo_remove"]
        else:
            self.fields["logo_alt"].initial = current.description

    def clean_logo_upload(self):
        upload = self.cleaned_data.get("logo_upload")
        if not upload:
            return upload
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The image is too large (%(size)s); the limit is %(limit)s."),
                code="too_large",
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(MAX_UPLOAD_BYTES),
                },
            )
        # forms.ImageField has opened the file with Pillow: `upload.image`.
        picture = upload.image
        if picture.format not in ALLOWED_FORMATS:
            raise forms.ValidationError(
                _("Upload a JPEG, PNG or WebP image."), code="format"
            )
        width, height = picture.size
        if width * height > MAX_PIXELS:
            raise forms.ValidationError(
                _("The image has too many pixels; make it smaller than 5000 × 5000."),
                code="too_many_pixels",
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        has_image = cleaned.get("logo_upload") or (
            getattr(self.instance, self.logo_field, None)
            and not cleaned.get("logo_remove")
        )
        if has_image and not (cleaned.get("logo_alt") or "").strip():
            self.add_error(
                "logo_alt",
                forms.ValidationError(
                    _("Describe the image for people who cannot see it."),
                    code="alt_required",
                ),
            )
        return cleaned

    def logo_image_create(self, upload, *, alt: str, title: str):
        image_format = upload.image.format
        content = image_without_metadata(upload, image_format)
        stem = slugify(Path(upload.name).stem)[:60] or "logo"
        extension = ALLOWED_FORMATS[image_format]
        image = get_image_model()(
            title=title[:255],
            description=alt,
            collection=members_collection(),
            file=ImageFile(content, name=f"{stem}.{extension}"),
        )
        image.save()
        return image

    def save(self, commit=True):
        cleaned = self.cleaned_data
        upload = cleaned.get("logo_upload")
        alt = " ".join((cleaned.get("logo_alt") or "").split())
        current = getattr(self.instance, self.logo_field, None)
        with transaction.atomic():
            if upload:
                title = str(self.instance) or alt
                setattr(
                    self.instance,
                    self.logo_field,
                    self.logo_image_create(upload, alt=alt, title=title),
                )
            elif cleaned.get("logo_remove"):
                setattr(self.instance, self.logo_field, None)
            elif current is not None and alt and alt != current.description:
                current.description = alt
                current.save(update_fields=["description"])
            return super().save(commit=commit)
