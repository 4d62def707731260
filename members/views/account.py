"""A person's own account: their language, and the way to their e-mail
addresses, password and data."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.translation import gettext as _

from allauth.account.models import EmailAddress

from members.accounts import (
    AccountSettingsForm,
    account_language,
    account_language_set,
    language_cookie_set,
)


@login_required
def account_settings(request):
    """Show and change the account's language; the site follows the change."""
    user = request.user
    form = AccountSettingsForm(
        request.POST or None, initial={"language": account_language(user)}
    )
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        account_language_set(user=user, language=language)
        translation.activate(language)
        messages.success(request, _("Your account settings are saved."))
        target = translate_url(reverse("dashboard:account_settings"), language)
        response = redirect(target)
        language_cookie_set(response, language)
        return response
    return render(
        request,
        "members/account_settings.html",
        {
            "form": form,
            "email_addresses": EmailAddress.objects.filter(user=user).order_by(
                "-primary", "email"
            ),
            "has_password": user.has_usable_password(),
        },
    )
