"""Template tags of the matchmaking pages."""

from django import template

from events.selectors import matchmaking_for_page, participant_choices

register = template.Library()


@register.simple_tag
def event_matchmaking(page):
    """The matchmaking event of `page` or of any of its translations."""
    return matchmaking_for_page(page=page)


@register.simple_tag(takes_context=True)
def event_acting_choices(context, event):
    """The participants of `event` the signed-in user may act as."""
    return list(participant_choices(user=context["request"].user, event=event))
