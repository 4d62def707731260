"""The signed-in user's dashboard and privacy self-service."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.forms import AccountDeleteForm
from members.models import Member
from members.services.contact import contact_requests_for
from members.services.privacy import (
    user_data_export,
    user_delete,
    user_deletion_preview,
)
from members.services.profiles import DASHBOARD_EXPIRY_DAYS, expiring_items_for
from projects.models import Project, ProjectPartner


@login_required
def dashboard(request):
    members = Member.objects.managed_by(request.user).order_by("name")
    contact_requests = contact_requests_for(user=request.user)
    return render(
        request,
        "members/dashboard.html",
        {
            "members": members,
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
