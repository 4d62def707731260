"""The Belgian enterprise number (BCE/KBO): ten digits, the first 0 or 1, the
last two a check on the first eight (97 minus their remainder modulo 97).

Typed as "0123.456.749", "BE 0123 456 749" or "0123456749"; stored as the ten
digits; shown as "0123.456.749".
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s.\-/]")


def enterprise_number_clean(value: str) -> str:
    """The ten digits of `value`, or a ValidationError saying what is wrong."""
    digits = _SEPARATORS.sub("", value or "").upper().removeprefix("BE")
    if not re.fullmatch(r"[01]\d{9}", digits):
        raise ValidationError(
            _(
                "An enterprise number has ten digits and starts with 0 or 1, "
                "e.g. 0123.456.749."
            ),
            code="invalid",
        )
    if 97 - int(digits[:8]) % 97 != int(digits[8:]):
        raise ValidationError(
            _(
                "This enterprise number does not exist: its last two digits do "
                "not match the others. Check it in the Crossroads Bank for "
                "Enterprises."
            ),
            code="check_digits",
        )
    return digits


def enterprise_number_display(digits: str) -> str:
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}" if digits else ""


class EnterpriseNumberFormField(forms.CharField):
    """Accepts the usual spellings and cleans to the ten digits."""

    def __init__(self, **kwargs):
        kwargs["max_length"] = 20
        kwargs.setdefault(
            "help_text", _("Belgian enterprise number (BCE/KBO), e.g. 0123.456.749.")
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        return enterprise_number_clean(value)


class EnterpriseNumberField(models.CharField):
    """The ten digits, or NULL: many profiles have none, no two the same one."""

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = 10
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        del kwargs["max_length"]
        return name, path, args, kwargs

    def to_python(self, value):
        value = super().to_python(value)
        if value in (None, ""):
            return None
        return enterprise_number_clean(value)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": EnterpriseNumberFormField, **kwargs})
