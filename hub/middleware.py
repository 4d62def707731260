"""Security headers that Django does not set by itself, and the page cache.

The public site runs under a strict Content-Security-Policy (scripts and
styles from our own origin only, or carrying the request's nonce). Wagtail's
admin relies on inline scripts and styles, so its URLs get the relaxed
policy of `HUB_ADMIN_CONTENT_SECURITY_POLICY`.

Editorial pages change only when an editor publishes, yet each one costs
some twenty queries and a full template render; anonymous visitors get them
from the cache (`EditorialPageCacheMiddleware`).
"""

import re

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from csp.middleware import CSPMiddleware, PolicyParts


def _admin_prefix() -> str | None:
    try:
        return reverse("wagtailadmin_home")
    except NoReverseMatch:
        return None


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's policy for admin URLs."""

    def get_policy_parts(self, request, response, report_only: bool = False):
        parts: PolicyParts = super().get_policy_parts(
            request=request, response=response, report_only=report_only
        )
        if report_only or parts.config is not None:
            return parts
        prefix = _admin_prefix()
        if prefix and request.path_info.startswith(prefix):
            parts.config = settings.HUB_ADMIN_CONTENT_SECURITY_POLICY
        return parts


class PermissionsPolicyMiddleware:
    """Switch off browser features the site never uses (camera, geolocation…)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "HUB_PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response


# What Django's {% csrf_token %} renders: each visitor gets their own token.
CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_CSRF_PLACEHOLDER = b"__hub_csrf_token__"
_GENERATION_KEY = "hub:pages:generation"
# Redis shared by every web process of every machine when HUB_REDIS_URL is
# set, else files shared by the processes of one machine (hub/settings/base.py):
# a page rendered by one serves all, and a publish empties it for all.
PAGE_CACHE = "pages"


def page_cache():
    return caches[PAGE_CACHE]


def page_cache_clear() -> None:
    """Forget every cached page (publish, unpublish, move, settings change).

    One increment of a generation counter: atomic in Redis, so two machines
    publishing at once both move it on, and every process reads it per request.
    """
    cache = page_cache()
    cache.add(_GENERATION_KEY, 0, None)
    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:  # expired or evicted between the two calls
        cache.set(_GENERATION_KEY, 1, None)


def page_cache_generation() -> int:
    """Part of every page cache key: `page_cache_clear` moves it on."""
    return page_cache().get(_GENERATION_KEY, 0)


class EditorialPageCacheMiddleware:
    """Serve anonymous visitors' Wagtail pages from the cache for a short while.

    Only GET requests without a session or messages cookie use it, so nobody
    logged in, nobody with a pending message and nobody who passed a page's
    password gets a shared copy; only full 200 pages of `wagtail_serve`
    without view restrictions and without a form are stored. The CSRF token
    of the language switcher is put back per visitor. `page_cache_clear`
    (on publish, see `hub/signal_handlers.py`) empties it at once for every
    process sharing the `pages` cache; copies expire after
    `HUB_PAGE_CACHE_SECONDS` anyway.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "_hub_page_cache_key", None)
        if key and self._storable(response):
            content = CSRF_INPUT.sub(
                rb"\g<1>" + _CSRF_PLACEHOLDER + rb"\g<2>", response.content
            )
            page_cache().set(
                key,
                (response["Content-Type"], content),
                settings.HUB_PAGE_CACHE_SECONDS,
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not self._cacheable(request):
            return None
        key = (
            f"hub:page:{page_cache_generation()}:{translation.get_language()}:"
            f"{request.get_host()}:{request.get_full_path()}"
        )
        cached = page_cache().get(key)
        if cached is None:
            request._hub_page_cache_key = key
            return None
        content_type, content = cached
        token = get_token(request).encode()
        response = HttpResponse(
            content.replace(_CSRF_PLACEHOLDER, token), content_type=content_type
        )
        response["X-Page-Cache"] = "hit"
        return response

    @staticmethod
    def _cacheable(request) -> bool:
        match = request.resolver_match
        return bool(
            settings.HUB_PAGE_CACHE_SECONDS > 0
            and request.method == "GET"
            and match is not None
            and match.url_name == "wagtail_serve"
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and CookieStorage.cookie_name not in request.COOKIES
            and not request.headers.get("HX-Request")
        )

    @staticmethod
    def _storable(response) -> bool:
        from wagtail.contrib.forms.models import FormMixin
        from wagtail.models import Page

        page = (getattr(response, "context_data", None) or {}).get("page")
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and isinstance(page, Page)
            and not isinstance(page, FormMixin)
            and not page.get_view_restrictions().exists()
        )
