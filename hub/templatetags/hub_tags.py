import re
from urllib.parse import urljoin

from django import template
from django.conf import settings
from django.utils.text import Truncator

from wagtail.models import Page, Site

from hub.models.base import META_DESCRIPTION_LENGTH

register = template.Library()


def _site_name(request) -> str:
    site = Site.find_for_request(request) if request is not None else None
    return (site and site.site_name) or settings.WAGTAIL_SITE_NAME


@register.simple_tag(takes_context=True)
def site_name(context) -> str:
    """The name of the current Wagtail site, or WAGTAIL_SITE_NAME."""
    return _site_name(context.get("request"))


def _absolute(request, url: str) -> str:
    # Against the site's configured root URL, like Wagtail's `full_url`, so
    # that canonical, og:url and og:image agree whatever host was requested.
    if not url or request is None:
        return url or ""
    site = Site.find_for_request(request)
    if site is not None:
        return urljoin(site.root_url + "/", url)
    return request.build_absolute_uri(url)


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
        canonical = canonical or page.get_full_url(request) or ""
        og_type = getattr(page, "og_type", og_type)
        image = getattr(page, "og_image", None)
    elif request is not None:
        canonical = canonical or _absolute(request, request.path)

    return {
        "request": request,
        "title": title,
        "description": Truncator(description).chars(META_DESCRIPTION_LENGTH),
        "canonical_url": canonical,
        "og_type": og_type,
        "og_image": image,
        "og_image_url": image_url,
        "site_name": _site_name(request),
        "page": page,
    }
