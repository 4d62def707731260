"""Rate limits for the JSON API, read from settings when a request arrives.

django-ninja's throttles parse their rate once, when the API module is
imported; these read `HUB_API_RATE_ANON` / `HUB_API_RATE_AUTH` on each
request, so settings (and tests) can change them.
"""

from django.conf import settings

from ninja.throttling import AnonRateThrottle, AuthRateThrottle


class _SettingsRate:
    setting = ""

    def __init__(self):
        self.rate = None

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
