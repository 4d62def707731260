from django.conf import settings
from django.urls import include, path

from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from hub import views as hub_views
from search import views as search_views
from search.api import api as search_api

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("api/v1/", search_api.urls),
    path("accounts/", include("allauth.urls")),
    path("contacts/", include("members.contact_urls")),
    path("dashboard/", include("members.dashboard_urls")),
    path("documents/", include(wagtaildocs_urls)),
    path("search/suggest/", search_views.autocomplete, name="search_autocomplete"),
    path("search/", hub_views.site_search, name="search"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("members/", include("members.urls")),
    path("projects/", include("projects.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
