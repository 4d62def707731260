"""What every page's header and footer show of the site, read once.

Each page showed the site's name, its navigation and footer links, footer
text, contact details and privacy page through the Wagtail Site, the site
settings and the privacy page's translation: four to six queries and a few
cache reads on every page, for a few lines that change only when an editor
publishes or edits the settings. `site_chrome` keeps them together in the
`pages` cache (hub/middleware.py), keyed by its generation (moved on by a
publish, an unpublish, a move, a settings change and a Site change: see
hub/signal_handlers.py), the language and the host, for
`HUB_PAGE_CACHE_SECONDS` (0 turns it off). Nothing in it is personal: what
depends on the visitor (account links, the CSRF token, `aria-current`) stays
in the template.
"""

from django.conf import settings
from django.utils import translation
from django.utils.safestring import mark_safe

from wagtail.models import Page, Site
from wagtail.templatetags.wagtailcore_tags import richtext

from hub.middleware import page_cache, page_cache_generation


def _links(stream, request) -> list[dict]:
    from hub.language import localize_link

    links = []
    for block in stream or []:
        href, text = localize_link(value=block.value, request=request)
        if href:
            links.append({"href": href, "text": text})
    return links


def _page_url(page, request) -> str:
    if not isinstance(page, Page) or not page.live:
        return ""
    return page.localized.get_url(request) or ""


def _compute(request, site) -> dict:
    from hub.models.site_settings import SiteSettings

    chrome = {
        "site_name": (site and site.site_name) or settings.WAGTAIL_SITE_NAME,
        "navigation": [],
        "footer_links": [],
        "footer_text": "",
        "contact_address": "",
        "contact_email": "",
        "contact_phone": "",
        "privacy_url": "",
    }
    if site is None:
        return chrome
    values = SiteSettings.for_site(site)
    chrome.update(
        navigation=_links(values.navigation, request),
        footer_links=_links(values.footer_links, request),
        footer_text=str(richtext(values.footer_text)) if values.footer_text else "",
        contact_address=values.contact_address,
        contact_email=values.contact_email,
        contact_phone=values.contact_phone,
        privacy_url=_page_url(values.privacy_page, request),
    )
    return chrome


def site_chrome(request) -> dict:
    """The site's name, links, footer and privacy page address for `request`
    in the active language (see the module docstring). Sets the request's
    Wagtail site as `Site.find_for_request` would, from the same entry."""
    seconds = settings.HUB_PAGE_CACHE_SECONDS
    key = None
    if request is not None and seconds > 0:
        key = (
            f"hub:chrome:{page_cache_generation()}:{translation.get_language()}:"
            f"{request.get_host()}:{request.get_port()}"
        )
        cached = page_cache().get(key)
        if cached is not None:
            site, chrome = cached
            if not hasattr(request, "_wagtail_site"):
                request._wagtail_site = site
            return _safe(chrome)
    site = Site.find_for_request(request) if request is not None else None
    chrome = _compute(request, site)
    if key:
        page_cache().set(key, (site, chrome), seconds)
    return _safe(chrome)


def _safe(chrome: dict) -> dict:
    return {**chrome, "footer_text": mark_safe(chrome["footer_text"])}  # noqa: S308
