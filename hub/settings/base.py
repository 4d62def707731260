"""Settings shared by every environment; every value comes from the environment.

`dev`, `test` and `production` are thin overrides of this module.
"""

import os
import tempfile
from pathlib import Path

from django.utils.translation import gettext_lazy as _

import dj_database_url
from csp.constants import NONCE

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "hub",
    "members",
    "projects",
    "search",
    "events",
    "allauth",
    "allauth.account",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_prometheus",
    # django-ninja's static Swagger UI: the API docs page loads it from our
    # origin (the CSP blocks the CDN copy ninja uses when it is not an app).
    "ninja",
    # Background work (hub/tasks.py, */tasks.py): Django's task framework with
    # its database backend; `manage.py db_worker` runs the tasks.
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Request counts and latency for /metrics (hub/health.py), with the
    # matching "After" middleware below.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "hub.middleware.ContentSecurityPolicyMiddleware",
    "hub.middleware.PermissionsPolicyMiddleware",
    # ETag and Cache-Control (hub/http_cache.py): outside the session and CSRF
    # middleware, so that it sees the cookies they set.
    "hub.http_cache.HttpCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, keeping 404s of the API and documents as 404s (hub/language.py).
    "hub.language.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Innermost, so that cached pages still get every header and the CSRF cookie.
    "hub.middleware.EditorialPageCacheMiddleware",
]

ROOT_URLCONF = "hub.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]
# Django's form renderer, with its commonest widget templates (inputs, selects,
# options, text areas) rendered in Python to the same bytes: most of the
# profile edit form's CPU went into them (hub/form_renderer.py).
FORM_RENDERER = "hub.form_renderer.FastWidgetRenderer"

WSGI_APPLICATION = "hub.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        # A kept connection that died (a database restart) is replaced
        # instead of failing the request that reuses it.
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers and threads write at once: take the write lock
    # when a transaction starts and wait for it, instead of failing with
    # "database is locked" halfway through (found by bench/load.py).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=30,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Accounts (django-allauth): log in by e-mail, which must be verified.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# A person's language (chosen at sign-up, applied at log-in, used for every
# e-mail to them), e-mails in the hub's name and look (members/accounts.py).
ACCOUNT_ADAPTER = "members.accounts.AccountAdapter"
ACCOUNT_FORMS = {
    name: f"members.accounts.{form}"
    for name, form in [
        ("login", "LoginForm"),
        ("signup", "SignupForm"),
        ("add_email", "AddEmailForm"),
        ("reset_password", "ResetPasswordForm"),
        ("reset_password_from_key", "ResetPasswordKeyForm"),
        ("change_password", "ChangePasswordForm"),
        ("set_password", "SetPasswordForm"),
        ("reauthenticate", "ReauthenticateForm"),
    ]
}
# People are named by their name or e-mail, never by a generated username.
ACCOUNT_USER_DISPLAY = "members.accounts.user_display"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("nl", _("Dutch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates as Brussels reads them ("3 December 2026", 18:00): hub/formats.
FORMAT_MODULE_PATH = ["hub.formats"]
# The language choice of the switcher is remembered for a year.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Brussels")
USE_I18N = True
USE_TZ = True

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static"))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "hub@localhost")


def _shared_cache(variable: str, directory: str, max_entries: int) -> dict:
    """A cache in files that every web process on the machine shares."""
    location = os.environ.get(variable, os.path.join(tempfile.gettempdir(), directory))
    return {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": location,
        "OPTIONS": {"MAX_ENTRIES": max_entries},
    }


def cache_from_url(url: str) -> dict:
    """A cache from a URL: db://TABLE (Django's database cache), redis://…,
    file:///DIRECTORY, locmem:// (one process only: tests)."""
    scheme, _sep, rest = url.partition("://")
    if scheme == "db":
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": rest or "hub_cache",
        }
    if scheme in ("redis", "rediss", "unix"):
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
        }
    if scheme == "file":
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": rest,
        }
    if scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": rest,
        }
    raise ValueError(f"HUB_RATELIMIT_CACHE_URL: unknown cache scheme in {url!r}")


# Rate limits (hub/throttling.py, allauth, the API throttles) count in a cache
# every web process shares: Django's database cache by default (its table is
# created by `migrate`), Redis when several machines serve.
# HUB_REDIS_URL (redis://HOST:PORT/DB, printed by `manage.py redis start`) puts
# the limits, the page cache and the match cache in one Redis that every web
# process of every machine shares; HUB_RATELIMIT_CACHE_URL still picks the
# limits' cache alone and wins for them.
HUB_REDIS_URL = os.environ.get("HUB_REDIS_URL", "")
HUB_RATELIMIT_CACHE_URL = os.environ.get("HUB_RATELIMIT_CACHE_URL") or (
    HUB_REDIS_URL or "db://hub_cache"
)


def _redis_or_files(prefix: str, variable: str, directory: str, entries: int) -> dict:
    """The Redis of HUB_REDIS_URL (keys under `prefix`), else files in a
    directory that the web processes of one machine share."""
    if HUB_REDIS_URL:
        return {**cache_from_url(HUB_REDIS_URL), "KEY_PREFIX": prefix}
    return _shared_cache(variable, directory, entries)


CACHES = {
    # allauth and django-ninja count their limits in the default cache.
    "default": cache_from_url(HUB_RATELIMIT_CACHE_URL),
    "limits": cache_from_url(HUB_RATELIMIT_CACHE_URL),
    # Anonymous visitors' editorial pages and the navigation's links
    # (hub/middleware.py): a page rendered by one process serves all.
    "pages": _redis_or_files("pages", "HUB_PAGE_CACHE_DIR", "hub-page-cache", 2000),
    # Ranked matches (search/match_cache.py), about 10 kB an entry: one
    # ranking serves all processes, and an index change empties it for all.
    "matches": _redis_or_files(
        "matches", "HUB_MATCH_CACHE_DIR", "hub-match-cache", 5000
    ),
    # Anonymous search results and query vectors (search/result_cache.py):
    # the popular searches of an evening cost one query, and a query is
    # encoded once for every process.
    "search": _redis_or_files(
        "search", "HUB_SEARCH_CACHE_DIR", "hub-search-cache", 5000
    ),
    # Wagtail notes every image rendition it serves here (else in `default`,
    # the database cache: several queries per logo of a result list). A
    # rendition never changes, so each process may keep its own.
    "renditions": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "renditions",
        "TIMEOUT": 600,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}
# Anonymous visitors' editorial pages (hub/middleware.py); 0 turns it off. A
# publish empties the `pages` cache for every web process at once.
HUB_PAGE_CACHE_SECONDS = int(os.environ.get("HUB_PAGE_CACHE_SECONDS", "60"))
# Matches and suggestions (search/matchmaking/cache.py). An index change drops
# the rankings it can affect (docs/matchmaking.md); this bounds what changes
# with time alone (an offer reaching its end date) and the small score shifts
# other writes cause; 0 turns it off.
HUB_MATCH_CACHE_SECONDS = int(os.environ.get("HUB_MATCH_CACHE_SECONDS", "600"))
# Anonymous search results (search/result_cache.py): a publish, an unpublish
# or an index change to a record shown in a result drops it at once; what
# other edits change shows after this many seconds; 0 turns it off.
HUB_SEARCH_CACHE_SECONDS = int(os.environ.get("HUB_SEARCH_CACHE_SECONDS", "60"))

# Background tasks are stored in the database and run by `manage.py db_worker`;
# `manage.py hub_scheduler` enqueues the periodic ones (hub/scheduler.py).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Finished task results kept this many days before the daily prune.
HUB_TASK_RESULTS_DAYS = int(os.environ.get("HUB_TASK_RESULTS_DAYS", "7"))
# Embedding cache entries that no document uses any more, and outbox rows
# superseded by a newer one for the same record, go after this many days.
HUB_EMBEDDING_CACHE_DAYS = int(os.environ.get("HUB_EMBEDDING_CACHE_DAYS", "30"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "search": {
            "handlers": ["console"],
            "level": os.environ.get("HUB_LOG_LEVEL", "INFO"),
        },
        "elastic_transport": {"handlers": ["console"], "level": "WARNING"},
        # Server errors reach the log in every environment, with the traceback.
        "django.request": {"handlers": ["console"], "level": "ERROR"},
    },
}

# Security headers. SecurityMiddleware sets nosniff, Referrer-Policy and COOP;
# XFrameOptionsMiddleware and the CSP's frame-ancestors deny framing; HSTS and
# secure cookies are switched on in production.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
_VIDEO_EMBEDS = [
    "https://www.youtube.com",
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
]
# The public site: our own scripts and styles only (htmx is served from
# static), nothing inline unless it carries the request's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'", *_VIDEO_EMBEDS],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Wagtail's admin uses inline scripts and styles and previews pages in a
# same-origin frame (hub.middleware picks this policy for admin URLs).
HUB_ADMIN_CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-inline'", "'unsafe-eval'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:", "https:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "frame-src": ["'self'", *_VIDEO_EMBEDS],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'self'"],
}
HUB_PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)

# JSON API throttling (django-ninja), per client IP for anonymous callers and
# per user for logged-in ones.
HUB_API_RATE_ANON = os.environ.get("HUB_API_RATE_ANON", "120/m")
HUB_API_RATE_AUTH = os.environ.get("HUB_API_RATE_AUTH", "600/m")
# Proxies in front of the site that append the caller's address to
# X-Forwarded-For; 0 (the default) trusts the header from nobody.
HUB_TRUSTED_PROXIES = int(os.environ.get("HUB_TRUSTED_PROXIES", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = HUB_TRUSTED_PROXIES
NINJA_NUM_PROXIES = HUB_TRUSTED_PROXIES
# Actions that e-mail someone else or write for an anonymous visitor
# (hub/throttling.py `limit_consume`), "count/period" (s, m, h, d): partner
# invitations per inviting account, and per invited member; manager
# invitations per owner; contact form submissions per address.
HUB_RATE_LIMITS = {
    "partner_invite": os.environ.get("HUB_LIMIT_PARTNER_INVITE", "20/d"),
    "partner_invite_member": os.environ.get("HUB_LIMIT_PARTNER_INVITE_MEMBER", "3/d"),
    "manager_invite": os.environ.get("HUB_LIMIT_MANAGER_INVITE", "10/d"),
    "contact_form": os.environ.get("HUB_LIMIT_CONTACT_FORM", "5/h"),
    # Reports about a profile or an experiment, per account or per address.
    "report": os.environ.get("HUB_LIMIT_REPORT", "5/h"),
}
# How long personal data with no other use is kept, in days (pruned by
# `manage.py hub_prune_personal_data`): dismissed suggestions, contact-form
# submissions, and reports once an editor closed them.
HUB_RETENTION_DAYS = {
    "dismissals": int(os.environ.get("HUB_RETENTION_DISMISSALS_DAYS", "730")),
    "contact_form_submissions": int(
        os.environ.get("HUB_RETENTION_CONTACT_FORM_DAYS", "365")
    ),
    "reports": int(os.environ.get("HUB_RETENTION_REPORTS_DAYS", "365")),
}
# Wagtail's admin log-in and password reset under allauth's limits.
WAGTAILADMIN_USER_LOGIN_FORM = "hub.admin_forms.AdminLoginForm"
WAGTAILADMIN_USER_PASSWORD_RESET_FORM = "hub.admin_forms.AdminPasswordResetForm"

# Uploads (Wagtail images and documents are the only ones): raster formats
# only (an SVG can carry scripts), bounded size and pixel count.
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
# Every image needs its alt text (`description`), which templates use as `alt`.
WAGTAILIMAGES_IMAGE_FORM_BASE = "hub.images.HubImageForm"

# Wagtail
WAGTAIL_SITE_NAME = os.environ.get("WAGTAIL_SITE_NAME", "Social Innovation Hub")
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# The admin calls no outside host: no avatars from Gravatar (which would receive
# hashes of editors' e-mails) and no release check.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Editorial pages exist once per locale (same tree, translated with
# wagtail.contrib.simple_translation); `/fr/` serves the French tree.
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# Editorial pages use Wagtail's own search on the database backend: the minimal
# Elasticsearch distribution cannot host Wagtail's index settings.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILEMBEDS_RESPONSIVE_HTML = True

# Search and the network index
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
HUB_INDEX_PREFIX = os.environ.get("HUB_INDEX_PREFIX", "hub")
# Replicas of each index: empty follows the cluster (0 on one node, 1 from
# two nodes: search/indices.py); a number fixes it.
HUB_INDEX_REPLICAS = os.environ.get("HUB_INDEX_REPLICAS", "").strip()
# Seconds an after-commit drain may wait for Elasticsearch before leaving the
# rows to `search_sync`; a save never waits longer than this.
HUB_SEARCH_TIMEOUT = float(os.environ.get("HUB_SEARCH_TIMEOUT", "5"))
# Where the local node launcher caches the Elasticsearch distribution.
HUB_CACHE_DIR = os.environ.get("HUB_CACHE_DIR", "")
HUB_SEARCH_DRAIN_ON_COMMIT = env_bool("HUB_SEARCH_DRAIN_ON_COMMIT", True)
# Sentence embeddings for cross-lingual search and matching (local, cached).
# Freeze long-lived objects out of Python's cyclic collector once the
# collaboration graph is loaded (search/graph.py): no 100 ms pauses mid-match.
HUB_GC_FREEZE = env_bool("HUB_GC_FREEZE", True)
HUB_EMBEDDINGS = env_bool("HUB_EMBEDDINGS", True)
HUB_EMBEDDING_THREADS = int(os.environ.get("HUB_EMBEDDING_THREADS", "2"))
