"""Follow and stop following a member or an experiment (htmx swaps the
button in place; without JavaScript the form posts and comes back), and the
list of what one follows."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from members.follows import (
    FollowError,
    follow_add,
    follow_remove,
    follow_subject_may_be_followed,
    follows_of,
)
from members.models import Member
from projects.models import Project


def _toggle(request, subject):
    if not follow_subject_may_be_followed(subject):
        raise Http404
    error = ""
    if request.POST.get("action") == "unfollow":
        follow_remove(user=request.user, subject=subject)
    else:
        try:
            follow_add(user=request.user, subject=subject)
        except FollowError as exc:
            error = str(exc)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "alerts/_follow_toggle.html",
            {"subject": subject, "follow_error": error},
        )
    if error:
        messages.error(request, error)
    return redirect(subject.get_absolute_url())


@login_required
@require_POST
def follow_member(request, slug: str):
    return _toggle(request, get_object_or_404(Member, slug=slug))


@login_required
@require_POST
def follow_project(request, slug: str):
    return _toggle(request, get_object_or_404(Project, slug=slug))


@login_required
def follow_list(request):
    follows = follows_of(user=request.user)
    return render(
        request,
        "alerts/follows.html",
        {
            "member_follows": [f for f in follows if f.member_id],
            "project_follows": [f for f in follows if f.project_id],
        },
    )
