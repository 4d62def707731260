"""Wagtail's admin log-in and password reset, under the same limits as the
members' (allauth's `ACCOUNT_RATE_LIMITS`, counted in the shared cache): the
admin is no way around them."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wagtail.admin.forms.auth import LoginForm, PasswordResetForm

from allauth.core import ratelimit


class AdminLoginForm(LoginForm):
    """Refuses any password, even the right one, once an address or a user
    name has failed too often ("login_failed": per address and per name)."""

    def clean(self):
        key = (self.cleaned_data.get("username") or "").strip().lower()
        if self.request is not None and not ratelimit.consume(
            self.request, action="login_failed", key=key, dry_run=True
        ):
            raise ValidationError(
                _("Too many failed log-in attempts. Try again in a few minutes."),
                code="rate_limited",
            )
        try:
            return super().clean()
        except ValidationError:
            if self.request is not None:
                ratelimit.consume(self.request, action="login_failed", key=key)
            raise


class AdminPasswordResetForm(PasswordResetForm):
    """Sends nothing past the "reset_password" limit (per address and per
    e-mail); the page answers as usual, so it says nothing about accounts."""

    def save(self, *args, request=None, **kwargs):
        key = self.cleaned_data["email"].strip().lower()
        if request is not None and not ratelimit.consume(
            request, action="reset_password", key=key
        ):
            return None
        return super().save(*args, request=request, **kwargs)
