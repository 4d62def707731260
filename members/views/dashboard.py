"""The signed-in user's dashboard and privacy self-service."""

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.forms import AccountDeleteForm
from members.models import ContactOrigin, Member
from members.permissions import member_may_prepare
from members.services.contact import contact_requests_for
from members.services.privacy import (
    user_data_export,
    user_delete,
    user_deletion_preview,
)
from members.services.profiles import DASHBOARD_EXPIRY_DAYS, expiring_items_for
from members.services.suggestions import dismissal_create
from projects.models import Project, ProjectPartner
from search.client import SearchUnavailable
from search.suggestions import member_suggestions

# Suggestions cost a few queries per profile: the dashboard shows them for the
# first profiles only.
SUGGESTION_PROFILES = 5
SUGGESTION_SIZE = 5


def _contact_url(member: Member, other_slug: str) -> str:
    message = _(
        "Hello, the hub suggested that %(name)s and you could work together. "
        "Would you like to talk about it?"
    ) % {"name": member.name}
    query = urlencode(
        {
            "sender": member.slug,
            "message": message,
            "via": ContactOrigin.MEMBER_SUGGESTION,
        }
    )
    return f"{reverse('contacts:new', args=[other_slug])}?{query}"


def _suggestions(members) -> dict:
    """Experiments to join and people to meet for each managed profile."""
    entries = []
    for member in members[:SUGGESTION_PROFILES]:
        try:
            found = member_suggestions(member=member, size=SUGGESTION_SIZE)
        except SearchUnavailable:
            return {"suggestions_unavailable": True}
        entries.append(
            {
                "member": member,
                "projects": [
                    {
                        "id": m.project_id,
                        "title": m.source.get("title", ""),
                        "url": m.source.get("url", ""),
                        "reasons": m.reasons,
                    }
                    for m in found["projects"]
                ],
                "people": [
                    {
                        "id": m.member_id,
                        "name": m.source.get("name", ""),
                        "url": m.source.get("url", ""),
                        "reasons": m.reasons,
                        "contact_url": _contact_url(member, m.source.get("slug", "")),
                    }
                    for m in found["members"]
                ],
            }
        )
    return {"suggestions": entries}


@login_required
def dashboard(request):
    members = Member.objects.managed_by(request.user).order_by("name")
    contact_requests = contact_requests_for(user=request.user)
    return render(
        request,
        "members/dashboard.html",
        {
            # A suspended or refused profile is offered nobody to contact.
            **_suggestions([m for m in members if member_may_prepare(m)]),
            "members": members,
            "manager_invitations": request.user.manager_invitations.select_related(
                "member"
            ).order_by("-created_at"),
            "projects": Project.objects.filter(owner__in=members)
            .select_related("owner")
            .order_by("-created_at"),
            "partnerships": ProjectPartner.objects.filter(
                confirmed=False, member__in=members
            )
            .select_related("project", "member")
            .order_by("-pk"),
            "incoming": contact_requests.incoming[:20],
            "outgoing": contact_requests.outgoing[:20],
            "expiring": expiring_items_for(members=members),
            "expiry_days": DASHBOARD_EXPIRY_DAYS,
            "today": timezone.localdate(),
        },
    )


def _managed_member(request, member_pk) -> Member:
    return get_object_or_404(Member.objects.managed_by(request.user), pk=member_pk)


@login_required
@require_POST
def dismiss_project(request, member_pk, project_pk):
    """Hide a suggested experiment from one of the user's profiles for good."""
    member = _managed_member(request, member_pk)
    # Only what could have been suggested (published): another member's draft
    # is a 404, as its page is, and its title is never echoed.
    project = get_object_or_404(Project.objects.published(), pk=project_pk)
    dismissal_create(user=request.user, member=member, suggested_project=project)
    messages.success(
        request,
        _("“%(title)s” will not be suggested again.") % {"title": project.title},
    )
    return redirect(f"{reverse('dashboard:home')}#projects-to-join")


@login_required
@require_POST
def dismiss_member(request, member_pk, other_pk):
    """Hide a suggested member from one of the user's profiles for good."""
    member = _managed_member(request, member_pk)
    other = get_object_or_404(Member.objects.published(), pk=other_pk)
    dismissal_create(user=request.user, member=member, suggested_member=other)
    messages.success(
        request, _("%(name)s will not be suggested again.") % {"name": other.name}
    )
    return redirect(f"{reverse('dashboard:home')}#people-to-meet")


@login_required
def privacy(request):
    return render(
        request,
        "members/privacy.html",
        {
            "form": AccountDeleteForm(user=request.user),
            "preview": user_deletion_preview(user=request.user),
        },
    )


@login_required
def privacy_export(request):
    data = user_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    filename = f"my-data-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def privacy_delete(request):
    form = AccountDeleteForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(
            request,
            "members/privacy.html",
            {"form": form, "preview": user_deletion_preview(user=request.user)},
            status=400,
        )
    user = request.user
    logout(request)
    user_delete(user=user)
    messages.success(request, _("Your account and your data are deleted."))
    return redirect("/")
