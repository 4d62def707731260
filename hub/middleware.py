"""Security headers that Django does not set by itself.

The public site runs under a strict Content-Security-Policy (scripts and
styles from our own origin only, or carrying the request's nonce). Wagtail's
admin relies on inline scripts and styles, so its URLs get the relaxed
policy of `HUB_ADMIN_CONTENT_SECURITY_POLICY`.
"""

from django.conf import settings
from django.urls import NoReverseMatch, reverse

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
