from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from hub import health, network_map
from hub import views as hub_views
from hub.language import page_in_active_language, set_language
from search import views as search_views
from search.api import api as search_api

# Machine-facing and admin URLs keep one address whatever the language.
urlpatterns = [
    # Load balancers and Prometheus (hub/health.py).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("admin/", include(wagtailadmin_urls)),
    path("api/v1/", search_api.urls),
    path("documents/", include(wagtaildocs_urls)),
    # The switcher, which also keeps a signed-in person's choice on the account.
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("i18n/page/<int:page_id>/", page_in_active_language, name="page_in_language"),
    path("sitemap.xml", hub_views.sitemap, name="sitemap"),
    path("robots.txt", hub_views.robots_txt, name="robots_txt"),
    path("favicon.ico", hub_views.favicon, name="favicon"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Every page a person reads lives under /en/, /fr/ or /nl/. An unprefixed path
# ("/", "/members/") redirects to the visitor's language: the remembered choice
# (cookie), then Accept-Language, then LANGUAGE_CODE (LocaleMiddleware). The
# account pages are prefixed too, so the links in e-mails (confirmation,
# password reset) open in the language the e-mail was written in.
urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("contacts/", include("members.contact_urls")),
    path("dashboard/", include("members.dashboard_urls")),
    path("alerts/", include("members.notifications_urls")),
    path("search/suggest/", search_views.autocomplete, name="search_autocomplete"),
    path("search/", hub_views.site_search, name="search"),
    # Before the member and experiment URLs: "map" would read as a slug.
    path("members/map/", network_map.member_map, name="members_map"),
    path("projects/map/", network_map.project_map, name="projects_map"),
    path("members/", include("members.urls")),
    path("projects/", include("projects.urls")),
    path("report/", include("hub.moderation_urls")),
    path("meet/", include("events.urls")),
    path("", include(wagtail_urls)),
)
