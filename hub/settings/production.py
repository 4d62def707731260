import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production.")
    return value


DEBUG = False
SECRET_KEY = _required("SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in _required("ALLOWED_HOSTS").split(",") if h.strip()]
ELASTICSEARCH_URL = _required("ELASTICSEARCH_URL")
# A limit counted per process is no limit behind several workers.
if CACHES["limits"]["BACKEND"].endswith(("LocMemCache", "DummyCache")):  # noqa: F405
    raise ImproperlyConfigured(
        "HUB_RATELIMIT_CACHE_URL must name a cache every process shares "
        "(db://TABLE or redis://…), not a per-process one."
    )
# A page, match or search cached per process outlives a publish on another
# process; files are shared by one machine only, so several machines need Redis.
HUB_WEB_MACHINES = int(os.environ.get("HUB_WEB_MACHINES", "1"))
for _alias in ("pages", "matches", "search"):
    _backend = CACHES[_alias]["BACKEND"]  # noqa: F405
    if _backend.endswith(("LocMemCache", "DummyCache")) or (
        HUB_WEB_MACHINES > 1 and not _backend.endswith("RedisCache")
    ):
        raise ImproperlyConfigured(
            f"The {_alias} cache must be shared by every web process: set "
            "HUB_REDIS_URL (required when HUB_WEB_MACHINES > 1)."
        )

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Off only for plain-HTTP runs on loopback (bench/load.py); never in a deployment.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Joining the browsers' preload list is a one-way commitment, so it is opt-in;
# without it `check --deploy` would warn (security.W021) on every deployment.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

# Static files served by the app itself, compressed and cache-busted; in
# development runserver serves them from the finders.
MIDDLEWARE = [
    MIDDLEWARE[0],  # noqa: F405 - SecurityMiddleware first
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[1:],  # noqa: F405
]

# Load balancers and Prometheus call these over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# One JSON object per line (time, level, logger, message, exception) for the
# log collector; HUB_LOG_FORMAT=plain keeps the plain lines.
if os.environ.get("HUB_LOG_FORMAT", "json") == "json":
    LOGGING["formatters"]["json"] = {  # noqa: F405
        "()": "pythonjsonlogger.json.JsonFormatter",
        "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
    }
    LOGGING["handlers"]["console"]["formatter"] = "json"  # noqa: F405
