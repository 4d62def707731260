"""Saved searches and message preferences of the signed-in person, and the
one-click unsubscribe page (no log-in: the signed token says who)."""

from urllib.parse import parse_qs

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from members.models import (
    AlertFrequency,
    MessageKind,
    Notification,
    SavedSearch,
    SearchDocument,
)
from members.notifications import (
    EMAIL_ONLY_KINDS,
    MAX_SAVED_SEARCHES,
    channels_allowed,
    message_preference_set,
    notifications_mark_read,
    saved_search_create,
    unsubscribe_token_read,
)
from search.selectors import FACETS


@login_required
def saved_search_list(request):
    searches = SavedSearch.objects.filter(user=request.user)
    kinds = [
        {
            "kind": kind,
            "label": label,
            "email": email,
            "site": site,
            "email_only": kind in EMAIL_ONLY_KINDS,
        }
        for kind, label in MessageKind.choices
        for email, site in [channels_allowed(user=request.user, kind=kind)]
    ]
    return render(
        request,
        "alerts/saved_searches.html",
        {
            "searches": searches,
            "frequencies": AlertFrequency.choices,
            "kinds": kinds,
            "max_searches": MAX_SAVED_SEARCHES,
        },
    )


@login_required
@require_POST
def saved_search_save(request):
    """Save the search described by the posted `document` and `search` (the
    search page's query string)."""
    document = request.POST.get("document", "")
    if document not in SearchDocument.values:
        return redirect("alerts:list")
    params = parse_qs(request.POST.get("search", "")[:2000])
    filters = {name: params[name] for name in FACETS[document] if name in params}
    try:
        search = saved_search_create(
            user=request.user,
            document=document,
            query=(params.get("q") or [""])[0],
            filters=filters,
            frequency=request.POST.get("frequency", AlertFrequency.DAILY),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Search “%(name)s” saved: new results will be e-mailed to you.")
            % {"name": search.name},
        )
    return redirect("alerts:list")


@login_required
@require_POST
def saved_search_update(request, pk: int):
    search = get_object_or_404(SavedSearch, pk=pk, user=request.user)
    name = request.POST.get("name", "").strip()[:120]
    frequency = request.POST.get("frequency", "")
    if not name:
        messages.error(request, _("A saved search needs a name."))
        return redirect("alerts:list")
    search.name = name
    if frequency in AlertFrequency.values:
        search.frequency = frequency
    search.save(update_fields=["name", "frequency"])
    messages.success(request, _("Saved search updated."))
    return redirect("alerts:list")


@login_required
@require_POST
def saved_search_delete(request, pk: int):
    search = get_object_or_404(SavedSearch, pk=pk, user=request.user)
    search.delete()
    messages.success(request, _("Saved search deleted."))
    return redirect("alerts:list")


@login_required
@require_POST
def preferences_update(request):
    """Each kind by e-mail (`email`) and in the site (`site`); a form without
    the `site` column leaves that channel as it was."""
    by_email = set(request.POST.getlist("email"))
    in_site = set(request.POST.getlist("site"))
    channels = request.POST.get("channels", "email").split()
    for kind in MessageKind.values:
        message_preference_set(
            user=request.user,
            kind=kind,
            email=kind in by_email,
            site=(kind in in_site) if "site" in channels else None,
        )
    messages.success(request, _("Your notification preferences were saved."))
    return redirect("alerts:list")


# RFC 8058: mail clients POST without a session or a CSRF token; the signed
# token is the proof, and all it can do is turn one kind of e-mail off.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        user_id, kind = unsubscribe_token_read(token)
    except signing.BadSignature:
        return render(request, "alerts/unsubscribe.html", {"invalid": True}, status=400)
    user = get_object_or_404(get_user_model(), pk=user_id)
    context = {"kind_label": MessageKind(kind).label, "token": token}
    if request.method == "POST":
        message_preference_set(user=user, kind=kind, email=False)
        context["done"] = True
    context["action"] = reverse("alerts:unsubscribe", kwargs={"token": token})
    return render(request, "alerts/unsubscribe.html", context)


@login_required
def notification_list(request):
    items = Notification.objects.filter(user=request.user)[:100]
    return render(request, "alerts/notifications.html", {"items": items})


@login_required
@require_POST
def notification_read(request):
    """Mark one notification (`pk`) or all of them read, then follow its link
    (or come back to the list)."""
    pk = request.POST.get("pk")
    if pk and pk.isdigit():
        item = get_object_or_404(Notification, pk=int(pk), user=request.user)
        notifications_mark_read(user=request.user, pk=item.pk)
        if item.url and url_has_allowed_host_and_scheme(
            item.url, allowed_hosts=_allowed_hosts(request)
        ):
            return redirect(item.url)
    else:
        notifications_mark_read(user=request.user)
    return redirect("alerts:notifications")


def _allowed_hosts(request) -> set[str]:
    from urllib.parse import urlsplit

    from django.conf import settings

    hosts = {request.get_host()}
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    if base:
        hosts.add(urlsplit(base).netloc)
    return hosts


@login_required
def notification_bell(request):
    """The bell alone, for htmx to refresh its count."""
    response = render(request, "alerts/_bell.html")
    response["Cache-Control"] = "private, no-store"
    return response
