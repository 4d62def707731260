"""Search pages for members and experiments, and autocomplete.

The pages work without JavaScript (a GET form whose URL is shareable); with
htmx they update the results in place and push the URL, so the back button
returns to the previous search.
"""

import logging

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from search.client import SearchUnavailable
from search.result_cache import documents_search_remembered
from search.selectors import FACETS, SORTS, suggestions

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
# Elasticsearch's default result window.
MAX_RESULT_WINDOW = 10_000


def _is_partial(request) -> bool:
    # A history restore after a cache miss needs the whole page.
    return bool(
        request.headers.get("HX-Request")
        and not request.headers.get("HX-History-Restore-Request")
    )


def search_params(request, *, document: str) -> dict:
    """The query, filters, sort and page of a search request, cleaned."""
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    sort = request.GET.get("sort", "relevance")
    return {
        "query": request.GET.get("q", "").strip()[:200],
        "filters": {
            name: [v[:64] for v in request.GET.getlist(name)][:20]
            for name in FACETS[document]
            if request.GET.getlist(name)
        },
        "sort": sort if sort in SORTS else "relevance",
        "page": min(max(number, 1), MAX_RESULT_WINDOW // PAGE_SIZE),
    }


def index_search_page(request, *, document: str, template: str, partial: str = ""):
    partial = partial or f"{document}s/_search_body.html"
    params = search_params(request, document=document)
    context = {**params, "unavailable": False, "document": document}
    try:
        result = documents_search_remembered(
            shared=not request.user.is_authenticated,
            document=document,
            query=params["query"],
            filters=params["filters"],
            sort=params["sort"],
            offset=(params["page"] - 1) * PAGE_SIZE,
            size=PAGE_SIZE,
        )
    except SearchUnavailable as exc:
        logger.warning("Search unavailable: %s", exc)
        context["unavailable"] = True
    else:
        # The paginator only numbers pages; the hits come from the index.
        paginator = Paginator(range(min(result.total, MAX_RESULT_WINDOW)), PAGE_SIZE)
        if params["page"] > paginator.num_pages:
            return _page_redirect(request, paginator.num_pages)
        context.update(
            page_obj=paginator.get_page(params["page"]),
            results=result.hits,
            total=result.total,
            facets=result.facets,
            active_filters=[
                (facet, value)
                for facet in result.facets
                for value in facet.values
                if value.selected
            ],
        )
    response = render(request, partial if _is_partial(request) else template, context)
    response["Vary"] = "HX-Request"
    return response


def _page_redirect(request, number: int):
    """The same search on page `number` (a page past the end goes to the last)."""
    query = request.GET.copy()
    query.pop("page", None)
    if number > 1:
        query["page"] = str(number)
    response = redirect(
        f"{request.path}?{query.urlencode()}" if query else request.path
    )
    response["Vary"] = "HX-Request"
    return response


@require_GET
def autocomplete(request):
    """Names and taxonomy terms starting with `q`, as JSON or as <option>s."""
    try:
        items = suggestions(prefix=request.GET.get("q", ""))
    except SearchUnavailable:
        items = []
    if request.GET.get("format") == "html":
        return render(request, "search/suggestions.html", {"items": items})
    return JsonResponse({"suggestions": items})
