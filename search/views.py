"""Shared rendering of an index search page (members and experiments)."""

from django.core.paginator import Paginator
from django.shortcuts import render

from search.client import SearchUnavailable
from search.selectors import documents_search

PAGE_SIZE = 20
# Elasticsearch's default result window.
MAX_RESULT_WINDOW = 10_000


def index_search_page(request, *, document: str, template: str):
    query = request.GET.get("q", "").strip()
    try:
        number = min(
            max(int(request.GET.get("page", "1")), 1), MAX_RESULT_WINDOW // PAGE_SIZE
        )
    except ValueError:
        number = 1
    context = {"query": query, "unavailable": False}
    try:
        result = documents_search(
            document=document,
            query=query,
            offset=(number - 1) * PAGE_SIZE,
            size=PAGE_SIZE,
        )
    except SearchUnavailable:
        context["unavailable"] = True
        return render(request, template, context)
    # The paginator only numbers pages; the hits of this page come from the index.
    paginator = Paginator(range(min(result.total, MAX_RESULT_WINDOW)), PAGE_SIZE)
    context.update(
        page_obj=paginator.get_page(number), results=result.hits, total=result.total
    )
    return render(request, template, context)
