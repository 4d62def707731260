"""HTTP caching headers: validators for anonymous visitors, `private` for the rest.

An anonymous visitor's page (an editorial page, a profile, an experiment, a
search) gets an `ETag` (no `Last-Modified`: a page also shows other records,
which its own publication date does not cover), with `Cache-Control:
no-cache`: the browser keeps the page and asks each time whether it changed,
and an unchanged page is a `304` with no body. Nothing is ever `public` when
it is personal: every HTML page carries the visitor's CSRF token (the
language switcher is a form) and most set a cookie, so those are `private`;
only a response that sets no cookie and holds no token (the JSON API's
searches and records) may be kept by a shared cache, still revalidated each
time. Every anonymous answer varies on `Cookie` (a signed-in person's
differs). Signed-in people's pages get `private` and no validators.

The CSRF token is masked afresh on every response, so a hash of the bytes
would never match twice: the ETag hashes the page with the tokens taken out,
plus the visitor's CSRF secret (a copy is valid only with its own cookie)
and the language.
"""

import hashlib

from django.conf import settings
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.translation import get_language

from hub.middleware import CSRF_INPUT


def _anonymous(request) -> bool:
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated) and (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def _etag(request, content: bytes) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(CSRF_INPUT.sub(rb"\g<1>\g<2>", content))
    digest.update(request.META.get("CSRF_COOKIE", "").encode())
    digest.update((get_language() or "").encode())
    return f'"{digest.hexdigest()}"'


class HttpCacheMiddleware:
    """See the module docstring. Sits outside the session and CSRF middleware,
    so that it sees the cookies they set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" in response and (
            "no-store" in response["Cache-Control"]
            or "private" in response["Cache-Control"]
        ):
            return response
        if not _anonymous(request):
            patch_cache_control(response, private=True)
            return response
        if (
            request.method not in ("GET", "HEAD")
            or response.status_code != 200
            or response.streaming
        ):
            return response
        # A signed-in person's answer differs: shared caches key on Cookie.
        patch_vary_headers(response, ("Cookie",))
        if response.cookies or CSRF_INPUT.search(response.content):
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(response, public=True, no_cache=True)
        # The ETag only: a page also shows other records (a call's fitting
        # members, the home page's latest), which its own publication date
        # does not cover, so `If-Modified-Since` alone must not earn a 304.
        response.headers.setdefault("ETag", _etag(request, response.content))
        return get_conditional_response(
            request, etag=response["ETag"], response=response
        )
