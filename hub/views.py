from django.shortcuts import render


def site_search(request):
    # Placeholder until the editorial search lands.
    return render(request, "hub/search.html", {"query": request.GET.get("q", "")})
