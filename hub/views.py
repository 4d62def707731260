from django.core.paginator import Paginator
from django.shortcuts import render

from wagtail.models import Page, Site

SEARCH_PER_PAGE = 10
# Longer queries are bots or pasted text; they only cost database time.
SEARCH_MAX_QUERY_LENGTH = 200


def page_search(*, query: str, site: Site | None):
    """Live, public pages of `site` that match `query` (Wagtail's page index)."""
    pages = Page.objects.live().public()
    if site is not None:
        pages = pages.in_site(site)
    return pages.search(query)


def site_search(request):
    """The site search page.

    The context keeps one entry per kind of result (`page_results` for now),
    each a Django `Page` of results, so that members and experiments can join
    the same page later.
    """
    query = request.GET.get("q", "").strip()[:SEARCH_MAX_QUERY_LENGTH]
    page_results = None
    if query:
        results = page_search(query=query, site=Site.find_for_request(request))
        paginator = Paginator(results, SEARCH_PER_PAGE)
        page_results = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "hub/search.html",
        {"query": query, "page_results": page_results},
    )
