import re

from django import template
from django.conf import settings
from django.utils.text import Truncator

from wagtail.models import Page, Site

from hub.models.base import META_DESCRIPTION_LENGTH
from hub.site_urls import absolute_url as site_absolute_url

register = template.Library()


def _site_name(request) -> str:
    site = Site.find_for_request(request) if request is not None else None
    return (site and site.site_name) or settings.WAGTAIL_SITE_NAME


@register.simple_tag(takes_context=True)
def site_chrome(context) -> dict:
    """The site's name, navigation and footer for every page (hub/site_chrome.py)."""
    from hub.site_chrome import site_chrome as chrome

    return chrome(context.get("request"))


def _absolute(request, url: str) -> str:
    return site_absolute_url(request=request, url=url)


@register.simple_tag(takes_context=True)
def absolute_url(context, url: str) -> str:
    """`url` made absolute against the current site's root URL."""
    return _absolute(context.get("request"), url)


@register.filter
def page_summary(page) -> str:
    """Plain-text summary of any page, for listings and search results."""
    if page is None:
        return ""
    specific = page.specific if isinstance(page, Page) else page
    get_summary = getattr(specific, "get_summary", None)
    if get_summary is not None:
        return get_summary()
    return specific.search_description


@register.filter
def tel_href(phone: str) -> str:
    """A `tel:` URI for a phone number as people write it (spaces, dots...)."""
    return "tel:" + re.sub(r"[^\d+]", "", phone or "")


@register.simple_tag
def elided_page_range(page_obj, on_each_side: int = 2, on_ends: int = 1):
    """Page numbers around the current page, with `…` for the gaps."""
    return page_obj.paginator.get_elided_page_range(
        page_obj.number, on_each_side=on_each_side, on_ends=on_ends
    )


def _subject_description(context) -> str:
    # A profile's or an experiment's own words; both fields are always public.
    member, project = context.get("member"), context.get("project")
    if project is not None and getattr(project, "summary", ""):
        return project.summary
    if member is not None:
        return getattr(member, "headline", "") or getattr(member, "description", "")
    return ""


@register.inclusion_tag("includes/seo_tags.html", takes_context=True)
def seo_tags(context):
    """Description, canonical link and Open Graph tags for the current page.

    Wagtail pages describe themselves (`seo_title`, `search_description`,
    `og_image`, `og_type`); other views can pass `seo_title`,
    `seo_description`, `seo_image_url` and `canonical_url` in their context.
    """
    request = context.get("request")
    page = context.get("page")
    page = page.specific if isinstance(page, Page) else None

    title = context.get("seo_title") or ""
    description = context.get("seo_description") or ""
    canonical = context.get("canonical_url") or ""
    image_url = context.get("seo_image_url") or ""
    og_type = "website"
    image = None
    if page is not None:
        title = title or page.seo_title or page.title
        if not description:
            get_description = getattr(page, "get_meta_description", None)
            description = (
                get_description() if get_description else page.search_description
            )
        if not canonical:
            _site_id, _root, page_path = page.get_url_parts(request) or (0, "", "")
            canonical = _absolute(request, page_path or "")
        og_type = getattr(page, "og_type", og_type)
        image = getattr(page, "og_image", None)
    elif request is not None:
        canonical = canonical or _absolute(request, request.path)
        description = description or _subject_description(context)

    return {
        "request": request,
        "title": title,
        "description": Truncator(" ".join(description.split())).chars(
            META_DESCRIPTION_LENGTH
        ),
        "canonical_url": canonical,
        "og_type": og_type,
        "og_image": image,
        "og_image_url": image_url,
        "site_name": _site_name(request),
        "page": page,
    }


# A facet shows this many values before its "more" list.
FACET_TOP_VALUES = 6


@register.simple_tag
def facet_parts(facet, top: int = FACET_TOP_VALUES) -> dict:
    """A search facet's first values, the rest, and how many are ticked.

    A list only a little longer than `top` is shown whole: a "more" button
    for one or two values costs more than it saves.
    """
    values = list(facet.values)
    cut = top if len(values) > top + 2 else len(values)
    rest = values[cut:]
    return {
        "top": values[:cut],
        "rest": rest,
        "selected": sum(1 for value in values if value.selected),
        "rest_selected": any(value.selected for value in rest),
    }
