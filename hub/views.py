import re

from django.conf import settings
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from wagtail.models import Page, Site

from hub.site_urls import absolute_url
from hub.sitemaps import PageSitemap
from members.sitemaps import MemberSitemap
from projects.sitemaps import ProjectSitemap
from search.client import SearchUnavailable
from search.result_cache import documents_search_remembered

SEARCH_PER_PAGE = 10
NETWORK_PREVIEW = 5
# Longer queries are bots or pasted text; they only cost database time.
SEARCH_MAX_QUERY_LENGTH = 200


def page_search(*, query: str, site: Site | None):
    """Live, public pages of `site` that match `query` (Wagtail's page index)."""
    pages = Page.objects.live().public()
    if site is not None:
        # The tree of the visitor's language (the site's root in that locale).
        pages = pages.descendant_of(site.root_page.localized, inclusive=True)
    # Words only: the database backends' full-text syntax fails (a 500) on a
    # NUL, an unbalanced quote, a quoted "-" or no word at all (found by
    # hub/tests/test_fuzz.py).
    words = re.findall(r"\w+", query)
    if not words:
        return pages.none()
    return pages.search(" ".join(words))


def network_search(
    *, query: str, size: int = NETWORK_PREVIEW, shared: bool = False
) -> dict:
    """The first members and experiments matching `query`, from Elasticsearch
    (from the search-result cache when `shared`: an anonymous visitor)."""
    found = {"unavailable": False}
    for document in ("member", "project"):
        try:
            found[f"{document}_results"] = documents_search_remembered(
                shared=shared, document=document, query=query, size=size, facets=False
            )
        except SearchUnavailable:
            found["unavailable"] = True
            found[f"{document}_results"] = None
    return found


def site_search(request):
    """The site search page: editorial pages, members and experiments.

    Pages come from Wagtail's database search and are paginated here; members
    and experiments show their best matches with a link to their own faceted
    search.
    """
    query = request.GET.get("q", "").strip()[:SEARCH_MAX_QUERY_LENGTH]
    context = {"query": query, "page_results": None}
    if query:
        results = page_search(query=query, site=Site.find_for_request(request))
        paginator = Paginator(results, SEARCH_PER_PAGE)
        context["page_results"] = paginator.get_page(request.GET.get("page"))
        context.update(
            network_search(query=query, shared=not request.user.is_authenticated)
        )
    return render(request, "hub/search.html", context)


@require_GET
def sitemap(request):
    """Editorial pages, public profiles and experiments, in every language,
    with absolute addresses on the host of the request."""
    sitemaps = {
        "pages": PageSitemap(request=request),
        "members": MemberSitemap(),
        "projects": ProjectSitemap(),
    }
    return sitemap_views.sitemap(request, sitemaps)


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    """Everything may be crawled but the admin and the members' dashboards."""
    lines = ["User-agent: *", f"Disallow: {reverse('wagtailadmin_home')}"]
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            lines.append(f"Disallow: {reverse('dashboard:home')}")
    lines += [
        "Allow: /",
        "",
        f"Sitemap: {absolute_url(request=request, url=reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links."""
    return redirect(static("favicon.ico"), permanent=True)
