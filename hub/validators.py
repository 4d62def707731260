"""Checks shared by the models' validation."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0 and C1 control characters and the Unicode line and paragraph separators:
# in a name or a title they break e-mail subjects (a header injection Django
# refuses with an error once the record is saved) and log lines.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line_errors(instance, fields) -> dict[str, ValidationError]:
    """An error for each of `fields` of `instance` holding a control character."""
    return {
        name: ValidationError(
            _("Write this on one line, without line breaks or control characters."),
            code="control_characters",
        )
        for name in fields
        if CONTROL_CHARACTERS.search(getattr(instance, name, "") or "")
    }
