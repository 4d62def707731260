"""Editors' views in the Wagtail admin: the claims queue (approve or refuse)
and merging a duplicate profile into the one kept."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wagtail.snippets.widgets import AdminSnippetChooser

from members.models import Claim, ClaimStatus, Member
from members.services import claims as claim_services
from members.services.merge import member_merge
from members.services.profiles import user_is_editor


def _check_editor(request) -> None:
    if not user_is_editor(user=request.user):
        raise PermissionDenied


class ClaimRefuseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason given to the claimant"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def claims_list(request):
    _check_editor(request)
    return TemplateResponse(
        request,
        "members/admin/claims.html",
        {
            "claims": claim_services.claims_pending(),
            "refuse_form": ClaimRefuseForm(),
            "page_title": _("Claims of profiles"),
            "header_icon": "user",
        },
    )


def _pending_claim(pk) -> Claim:
    return get_object_or_404(Claim, pk=pk, status=ClaimStatus.PENDING)


@require_POST
def claim_approve(request, pk):
    _check_editor(request)
    claim = _pending_claim(pk)
    try:
        claim_services.claim_approve(claim=claim, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(user)s now owns the profile of %(name)s; they were told.")
            % {"user": claim.user, "name": claim.member.name},
        )
    return HttpResponseRedirect(reverse("members_claims"))


@require_POST
def claim_refuse(request, pk):
    _check_editor(request)
    claim = _pending_claim(pk)
    form = ClaimRefuseForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    claim_services.claim_refuse(claim=claim, user=request.user, reason=reason)
    messages.success(
        request,
        _("The claim of %(name)s is refused; the claimant was told.")
        % {"name": claim.member.name},
    )
    return HttpResponseRedirect(reverse("members_claims"))


class MemberMergeForm(forms.Form):
    # Choosers, not selects: an imported network has thousands of profiles.
    keep = forms.ModelChoiceField(
        label=gettext_lazy("Profile to keep"),
        queryset=Member.objects.all(),
        widget=AdminSnippetChooser(Member),
    )
    duplicate = forms.ModelChoiceField(
        label=gettext_lazy("Duplicate, to merge into it and remove"),
        queryset=Member.objects.all(),
        widget=AdminSnippetChooser(Member),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I checked: both profiles are the same organisation or person."
        ),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("keep") and cleaned.get("keep") == cleaned.get("duplicate"):
            raise ValidationError(_("Choose two different profiles."))
        return cleaned


def member_merge_view(request):
    """GET: choose the two profiles and see both; POST with the confirmation
    ticked: merge."""
    _check_editor(request)
    data = request.POST if request.method == "POST" else request.GET or None
    form = MemberMergeForm(data)
    if form.is_valid() and request.method == "POST" and form.cleaned_data["confirm"]:
        keep = form.cleaned_data["keep"]
        report = member_merge(
            keep=keep, duplicate=form.cleaned_data["duplicate"], user=request.user
        )
        moved = ", ".join(f"{n} {name}" for name, n in report.moved.items())
        messages.success(
            request,
            _("Merged into %(name)s (moved: %(moved)s).")
            % {"name": keep.name, "moved": moved or "-"},
        )
        return HttpResponseRedirect(
            reverse("wagtailsnippets_members_member:edit", args=[keep.pk])
        )
    return TemplateResponse(
        request,
        "members/admin/merge.html",
        {
            "form": form,
            "preview": form.is_valid(),
            "page_title": _("Merge duplicate profiles"),
            "header_icon": "group",
        },
    )


def admin_urlpatterns() -> list:
    return [
        path("members/claims/", claims_list, name="members_claims"),
        path(
            "members/claims/<int:pk>/approve/",
            claim_approve,
            name="members_claim_approve",
        ),
        path(
            "members/claims/<int:pk>/refuse/", claim_refuse, name="members_claim_refuse"
        ),
        path("members/merge/", member_merge_view, name="members_merge"),
    ]
