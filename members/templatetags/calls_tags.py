from django import template

from members.calls import call_fitting_members, call_fitting_projects
from search.client import SearchUnavailable

register = template.Library()


@register.simple_tag
def call_fits(call) -> dict:
    """{"members", "projects", "unavailable"} that fit an open `call`."""
    if not call.is_open:
        return {"members": [], "projects": [], "unavailable": False}
    try:
        return {
            "members": call_fitting_members(call),
            "projects": call_fitting_projects(call),
            "unavailable": False,
        }
    except SearchUnavailable:
        return {"members": [], "projects": [], "unavailable": True}
