"""Limits on what a caller may do in a while: the JSON API's throttles, and
the counters of actions that e-mail someone else or write for an anonymous
visitor (partner and manager invitations, the public contact form).

Every count lives in the `limits` cache, which all the web processes share
(`HUB_RATELIMIT_CACHE_URL`: Django's database cache by default, Redis for
several machines; production refuses a per-process cache). allauth's limits
(members' log-in and password reset, also applied to Wagtail's admin by
`hub.admin_forms`) and django-ninja's count in the `default` cache, which the
settings make the same one.

django-ninja's throttles parse their rate once, when the API module is
imported; these read `HUB_API_RATE_ANON` / `HUB_API_RATE_AUTH` on each
request, so settings (and tests) can change them.
"""

import hashlib
import re
import time

from django.conf import settings
from django.core.cache import caches

from ninja.throttling import AnonRateThrottle, AuthRateThrottle

LIMITS_CACHE = "limits"
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def client_ip(request) -> str:
    """The caller's address: `REMOTE_ADDR`, or with `HUB_TRUSTED_PROXIES` = n
    the n-th X-Forwarded-For entry from the right (the address the outermost
    trusted proxy saw). Entries further left are the caller's own claims."""
    trusted = settings.HUB_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if trusted > 0 and hops:
        return hops[-min(trusted, len(hops))]
    return request.META.get("REMOTE_ADDR", "")


def rate_parse(rate: str) -> tuple[int, int]:
    """ "5/h" → (5, 3600); "10/5m" → (10, 300)."""
    match = _RATE.match(rate)
    if not match:
        raise ValueError(f"Not a rate: {rate!r} (write e.g. 5/h or 10/15m)")
    count, times, unit = match.groups()
    return int(count), int(times or 1) * _SECONDS[unit]


def limit_consume(*, action: str, key: str) -> bool:
    """Count one `action` by `key` (a user id, an address…); False once the
    count passes the rate `HUB_RATE_LIMITS[action]` in the current window.

    Fixed windows of the rate's period: at a window's edge a caller may get up
    to twice the count in one period, the price of one counter per key.
    """
    rate = settings.HUB_RATE_LIMITS.get(action)
    if not rate:
        return True
    allowed, period = rate_parse(rate)
    digest = hashlib.blake2b(key.encode(), digest_size=12).hexdigest()
    window = int(time.time() // period)
    cache_key = f"hub:limit:{action}:{digest}:{window}"
    cache = caches[LIMITS_CACHE]
    cache.add(cache_key, 0, period + 1)
    try:
        used = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, period + 1)
        used = 1
    return used <= allowed


def limits_cache_table_create(sender, using="default", **kwargs) -> None:
    """After `migrate`, create the database cache's table if a cache uses one
    (idempotent), so the limits work without a separate step."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class _SettingsRate:
    setting = ""

    def __init__(self):
        self.rate = None

    @property
    def cache(self):
        return caches[LIMITS_CACHE]

    def get_ident(self, request):
        return client_ip(request)

    def allow_request(self, request) -> bool:
        self.rate = getattr(settings, self.setting)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


class AnonApiThrottle(_SettingsRate, AnonRateThrottle):
    """Anonymous callers, per client IP address."""

    setting = "HUB_API_RATE_ANON"


class AuthApiThrottle(_SettingsRate, AuthRateThrottle):
    """Authenticated callers, per credential (per IP for anonymous ones)."""

    setting = "HUB_API_RATE_AUTH"
