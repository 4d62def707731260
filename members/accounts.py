"""Accounts: a person's language, and django-allauth glued to the hub.

The language a person chose (at sign-up, on their account settings page or
with the language switcher) is kept in `AccountSettings`. It is applied when
they sign in, and every e-mail to them is written in it
(`account_language`, the one place that answers "which language for this
person?").
"""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import translate_url
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from allauth.account import forms as allauth_forms
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context

from hub.emails import absolute_url, email_subject, site_name
from members.models import AccountSettings

# Selectors -----------------------------------------------------------------


def _valid(language: str | None) -> str | None:
    return language if language in dict(settings.LANGUAGES) else None


def account_language_chosen(user) -> str | None:
    """The language `user` chose, or None when they never chose one."""
    if user is None or not getattr(user, "pk", None):
        return None
    try:
        return _valid(user.account_settings.language)
    except AccountSettings.DoesNotExist:
        return None


def account_language(user) -> str:
    """The language to write to `user` in: their choice, else the site's."""
    return account_language_chosen(user) or settings.LANGUAGE_CODE


def account_for_address(address: str):
    """The active account that `address` belongs to, or None."""
    found = (
        EmailAddress.objects.filter(email__iexact=address, user__is_active=True)
        .select_related("user__account_settings")
        .first()
    )
    if found is not None:
        return found.user
    return (
        get_user_model()
        .objects.filter(email__iexact=address, is_active=True)
        .select_related("account_settings")
        .order_by("pk")
        .first()
    )


def address_languages(addresses) -> dict[str, str]:
    """{address: language of its account, or the site's} for each address."""
    addresses = list(dict.fromkeys(a for a in addresses if a))
    if not addresses:
        return {}
    default = settings.LANGUAGE_CODE
    matches = Q()
    for address in addresses:
        matches |= Q(email__iexact=address)
    chosen = {}
    # A user's own e-mail field first, then allauth's addresses, which win.
    users = get_user_model().objects.filter(matches, is_active=True)
    for user in users.select_related("account_settings").order_by("-pk"):
        chosen[user.email.lower()] = account_language(user)
    emails = EmailAddress.objects.filter(matches, user__is_active=True)
    for email in emails.select_related("user__account_settings").order_by("-pk"):
        chosen[email.email.lower()] = account_language(email.user)
    return {address: chosen.get(address.lower(), default) for address in addresses}


def user_display(user) -> str:
    """How the site names a person: their name, else their e-mail address
    (never the username allauth generated for them)."""
    return user.get_full_name() or user.email or str(user)


# Services ------------------------------------------------------------------


def account_language_set(*, user, language: str) -> AccountSettings | None:
    """Store `language` as `user`'s choice (creating their settings row)."""
    if not _valid(language) or not getattr(user, "pk", None):
        return None
    account_settings, _created = AccountSettings.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    user.account_settings = account_settings
    return account_settings


def language_cookie_set(response, language: str) -> None:
    """Remember `language` for unprefixed addresses, as Django's switcher does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


# Forms ---------------------------------------------------------------------


class LanguageField(forms.ChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Language"))
        kwargs.setdefault(
            "help_text",
            _("The language of the site and of the e-mails we send you."),
        )
        super().__init__(choices=_language_choices, **kwargs)


def _language_choices() -> list[tuple[str, str]]:
    # Each language in its own name, as the switcher shows them.
    return [
        (code, capfirst(translation.get_language_info(code)["name_local"]))
        for code, _name in settings.LANGUAGES
    ]


class _HubFormMixin:
    """allauth's forms in the hub's words: sentence-case labels, "e-mail", and
    no placeholders repeating the visible labels."""

    labels: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.pop("placeholder", None)
            if name in self.labels:
                field.label = self.labels[name]


class LoginForm(_HubFormMixin, allauth_forms.LoginForm):
    labels = {"login": _("E-mail address"), "remember": _("Keep me signed in")}


class SignupForm(_HubFormMixin, allauth_forms.SignupForm):
    """Sign-up by e-mail and password, with the person's language: the page's
    unless they choose another."""

    labels = {"email": _("E-mail address"), "password2": _("Password again")}
    field_order = ["email", "password1", "password2", "language"]
    # Not required: a sign-up without it (an older form, a script) takes the
    # language of the page.
    language = LanguageField(initial=translation.get_language, required=False)

    def custom_signup(self, request, user) -> None:
        super().custom_signup(request, user)
        language = self.cleaned_data.get("language") or translation.get_language()
        account_language_set(user=user, language=language)


class AddEmailForm(_HubFormMixin, allauth_forms.AddEmailForm):
    labels = {"email": _("New e-mail address")}


class ResetPasswordForm(_HubFormMixin, allauth_forms.ResetPasswordForm):
    labels = {"email": _("E-mail address")}


class ResetPasswordKeyForm(_HubFormMixin, allauth_forms.ResetPasswordKeyForm):
    labels = {"password1": _("New password"), "password2": _("New password again")}


class ChangePasswordForm(_HubFormMixin, allauth_forms.ChangePasswordForm):
    labels = {
        "oldpassword": _("Current password"),
        "password1": _("New password"),
        "password2": _("New password again"),
    }


class SetPasswordForm(_HubFormMixin, allauth_forms.SetPasswordForm):
    labels = {"password2": _("Password again")}


class ReauthenticateForm(_HubFormMixin, allauth_forms.ReauthenticateForm):
    pass


class AccountSettingsForm(forms.Form):
    language = LanguageField()


# The allauth adapter ---------------------------------------------------------


class AccountAdapter(DefaultAccountAdapter):
    """allauth's e-mails in the recipient's language and the hub's name; the
    site switches to a person's language when they sign in."""

    def format_email_subject(self, subject: str) -> str:
        return email_subject(subject)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        user = context.get("user")
        if user is None or getattr(user, "email", "").lower() != email.lower():
            user = account_for_address(email) or user
        language = account_language_chosen(user) or translation.get_language()
        # Links were built in the language of the page that asked for the
        # e-mail: they open in the language the e-mail is written in.
        # (translate_url resolves in the active language: before the override.)
        context = {
            key: translate_url(value, language)
            if key.endswith("_url") and isinstance(value, str) and value
            else value
            for key, value in context.items()
        }
        with translation.override(language):
            context = {
                "site_name": site_name(),
                "site_url": absolute_url(
                    f"/{language}/", request=allauth_context.request
                ),
                **context,
            }
            super().send_mail(template_prefix, email, context)

    def post_login(self, request, user, **kwargs):
        language = account_language_chosen(user)
        if not language:
            return super().post_login(request, user, **kwargs)
        page_language = translation.get_language()
        # The success message and the default redirect in their language.
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = super().post_login(request, user, **kwargs)
        if isinstance(response, HttpResponseRedirect):
            # A `next` address of the page they came from, in their language
            # (translate_url resolves it in the language it was written in).
            with translation.override(page_language):
                response["Location"] = translate_url(response["Location"], language)
            language_cookie_set(response, language)
        return response
