from django import template
from django.urls import reverse

from members.follows import follow_exists, follows_of
from members.models import Member
from members.notifications import notifications_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """The signed-in person's unread notifications (0 for visitors)."""
    request = context.get("request")
    return notifications_unread_count(getattr(request, "user", None))


@register.inclusion_tag("alerts/_follow_button.html", takes_context=True)
def follow_button(context, subject, following=None):
    """Follow / Following for a member or an experiment."""
    request = context.get("request")
    user = getattr(request, "user", None)
    is_member = isinstance(subject, Member)
    if following is None:
        following = follow_exists(user=user, subject=subject)
    name = "alerts:follow_member" if is_member else "alerts:follow_project"
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "subject": subject,
        "following": following,
        "follow_url": reverse(name, kwargs={"slug": subject.slug}),
        "follow_id": f"follow-{'member' if is_member else 'project'}-{subject.slug}",
        "follow_error": context.get("follow_error", ""),
    }


@register.simple_tag(takes_context=True)
def my_follows(context) -> dict:
    """What the signed-in person follows: {"members": [...], "projects": [...]}."""
    user = getattr(context.get("request"), "user", None)
    if not getattr(user, "is_authenticated", False):
        return {"members": [], "projects": []}
    follows = follows_of(user=user)
    return {
        "members": [f for f in follows if f.member_id],
        "projects": [f for f in follows if f.project_id],
    }
