"""The public side of moderation: a visitor reports a public profile or
experiment to the editors.

Anyone may report, signed in or not, with Django's CSRF protection and a limit
per sender (`HUB_RATE_LIMITS["report"]`: per account when signed in, per
address otherwise). Only published profiles and experiments can be reported;
anything else is a 404 that names nothing.
"""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hub.models import ReportCategory
from hub.models.moderation import REPORT_TEXT_MAX
from hub.moderation import report_create, report_targets_public
from hub.throttling import client_ip, limit_consume


class ReportForm(forms.Form):
    category = forms.ChoiceField(
        label=gettext_lazy("What is wrong?"),
        choices=ReportCategory.choices,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=gettext_lazy("Details"),
        help_text=gettext_lazy(
            "What should the editors look at? Do not write anyone's private data."
        ),
        max_length=REPORT_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


def _sender_key(request) -> str:
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"ip:{client_ip(request)}"


def report_new(request, kind: str, slug: str):
    target = report_targets_public(kind=kind, slug=slug)
    if target is None:
        raise Http404
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if not limit_consume(action="report", key=_sender_key(request)):
            form.add_error(
                None,
                _(
                    "Too many reports were sent from your connection or account "
                    "recently. Please try again later."
                ),
            )
            status = 429
        else:
            report_create(
                target=target,
                category=form.cleaned_data["category"],
                text=form.cleaned_data["text"],
                user=request.user,
            )
            messages.success(
                request,
                _("Thank you: the editors will look at your report."),
            )
            return HttpResponseRedirect(target.get_absolute_url())
    return render(
        request,
        "hub/report_form.html",
        {"form": form, "target": target, "kind": kind},
        status=status,
    )


def report_member(request, slug):
    return report_new(request, "member", slug)


def report_project(request, slug):
    return report_new(request, "project", slug)
