"""Template tags of the matchmaking pages."""

from django import template

from events.selectors import matchmaking_for_page

register = template.Library()


@register.simple_tag
def event_matchmaking(page):
    """The matchmaking event of `page` or of any of its translations."""
    return matchmaking_for_page(page=page)
