"""Template tags of the network views (hub/network_graph.py)."""

from django import template

from hub.network_graph import member_neighbourhood

register = template.Library()


@register.inclusion_tag("network/_member_graph.html")
def member_graph(member):
    """The member's public collaboration neighbourhood, drawn as SVG."""
    return {"graph": member_neighbourhood(member=member), "member": member}
