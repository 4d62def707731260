"""Template tags for the language switcher and language-aware links."""

import hashlib
import json

from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation

from wagtail.models import Page

from hub.language import (
    language_choices,
    localize_link,
    page_urls_by_language,
    path_in_language,
    path_without_language,
)
from hub.middleware import page_cache, page_cache_generation
from hub.site_urls import absolute_url

register = template.Library()


def _current_page(context) -> Page | None:
    page = context.get("page")
    return page if isinstance(page, Page) and page.pk else None


@register.simple_tag(takes_context=True)
def language_switch(context) -> dict:
    """The switcher's `next` and, per language, its name and the page's address.

    `next` stays on the same page and names no language: the current path
    without its prefix, which the language middleware sends to the chosen
    language once `set_language` has stored it; for a Wagtail page, a redirect
    to its translation, whose slug may differ.
    """
    request = context.get("request")
    current = translation.get_language()
    page = _current_page(context)
    languages = []
    page_urls = {}
    if page is not None and request is not None:
        page_urls = page_urls_by_language(request=request, page=page)
    for code, name in language_choices():
        url = page_urls.get(code, "")
        if request is not None and page is None:
            url = path_in_language(request=request, language_code=code)
        languages.append(
            {"code": code, "name": name, "current": code == current, "url": url}
        )
    if page is not None:
        next_url = reverse("page_in_language", args=[page.pk])
    elif request is not None:
        next_url = path_without_language(request.get_full_path())
    else:
        next_url = "/"
    return {"next": next_url, "languages": languages}


@register.simple_tag(takes_context=True)
def hreflang_links(context) -> list[dict]:
    """Absolute addresses of what the page shows in each language, then
    `x-default` (the default language's), for `<link rel="alternate">`.

    A Wagtail page lists its live translations only (the switcher's fallback to
    a home page is no alternate); any other page under a language prefix exists
    in every language. The query string is left out, like the canonical link.
    """
    request = context.get("request")
    if request is None or getattr(request, "resolver_match", None) is None:
        return []
    page = _current_page(context)
    urls = {}
    if page is not None:
        for translated in page.get_translations(inclusive=True).live():
            code = translated.locale.language_code
            with translation.override(code):
                parts = translated.get_url_parts(request)
            if parts and parts[2]:
                urls[code] = parts[2]
    elif path_without_language(request.path) != request.path:
        for code, _name in settings.LANGUAGES:
            urls[code] = translate_url(request.path, code)
    links = [
        {"code": code, "url": absolute_url(request=request, url=urls[code])}
        for code, _name in settings.LANGUAGES
        if code in urls
    ]
    if len(links) < 2:
        return []  # a page in one language has no alternate
    if settings.LANGUAGE_CODE in urls:
        default = absolute_url(request=request, url=urls[settings.LANGUAGE_CODE])
        links.append({"code": "x-default", "url": default})
    return links


@register.simple_tag(takes_context=True)
def localized_links(context, stream) -> list[dict]:
    """The links of a `LinkListBlock` stream in the active language.

    Every page shows the navigation and footer links, and resolving their
    pages' translations costs a few queries per link: they are kept with the
    page cache (`hub/middleware.py`), which a publish empties.
    """
    request = context.get("request")
    if not stream:
        return []
    key = None
    seconds = settings.HUB_PAGE_CACHE_SECONDS
    raw_data = getattr(stream, "raw_data", None)
    if seconds > 0 and raw_data is not None:
        raw = json.dumps(list(raw_data), sort_keys=True, default=str)
        host = request.get_host() if request is not None else ""
        key = (
            f"hub:links:{page_cache_generation()}:{translation.get_language()}:"
            f"{host}:{hashlib.sha256(raw.encode()).hexdigest()}"
        )
        links = page_cache().get(key)
        if links is not None:
            return links
    links = []
    for block in stream:
        href, text = localize_link(value=block.value, request=request)
        if href:
            links.append({"href": href, "text": text})
    if key:
        page_cache().set(key, links, seconds)
    return links


@register.simple_tag(takes_context=True)
def localized_page_url(context, page) -> str:
    """The address of `page` in the active language (itself without translation)."""
    # A missing setting reaches the tag as "" (the template's invalid value).
    if not isinstance(page, Page) or not page.live:
        return ""
    return page.localized.get_url(context.get("request")) or ""


@register.simple_tag(takes_context=True)
def localized_link(context, value) -> dict:
    """One link value (a `LinkBlock` or call to action) in the active language."""
    href, text = localize_link(value=value, request=context.get("request"))
    return {"href": href, "text": text}
