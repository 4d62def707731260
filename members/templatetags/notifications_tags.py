from django import template

from members.notifications import notifications_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """The signed-in person's unread notifications (0 for visitors)."""
    request = context.get("request")
    return notifications_unread_count(getattr(request, "user", None))
