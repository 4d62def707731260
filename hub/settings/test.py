from .base import *  # noqa: F403

SECRET_KEY = "test-only-insecure-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # The same store as `default` (one LocMem location): limits are cleared
    # with it. hub/tests/test_trust_limits.py runs real processes on the
    # database cache.
    "limits": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
    },
    "matches": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "matches",
    },
    "search": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "search",
    },
    "renditions": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "renditions",
    },
}
# Tests change pages and read them again; hub/tests/test_page_cache.py turns
# the page cache on.
HUB_PAGE_CACHE_SECONDS = 0
HUB_MATCH_CACHE_SECONDS = 0
# search/tests/test_result_cache.py turns it on.
HUB_SEARCH_CACHE_SECONDS = 0
# Tests load the graph hundreds of times; search/tests/test_suggestions.py
# turns the freeze on.
HUB_GC_FREEZE = False
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
HUB_INDEX_PREFIX = "test"
HUB_SEARCH_TIMEOUT = 10.0
WAGTAILADMIN_BASE_URL = "http://testserver"
# Without the `search_index` fixture a test must not write to any real node:
# port 9 (discard) refuses connections, like an Elasticsearch outage.
ELASTICSEARCH_URL = "http://127.0.0.1:9"
# Throttles stay out of the way of ordinary tests; hub/tests/test_security.py
# lowers them to check that they bite.
HUB_API_RATE_ANON = "100000/m"
HUB_API_RATE_AUTH = "100000/m"
HUB_RATE_LIMITS = dict.fromkeys(HUB_RATE_LIMITS, "100000/m")  # noqa: F405
