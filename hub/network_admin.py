"""The editors' network view in the Wagtail admin, and its CSV downloads."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from hub.moderation import user_may_moderate
from hub.network_health import network_health, network_isolated_rows
from hub.spreadsheets import spreadsheet_rows_write
from members.models import Member, MemberKind

CSV_VIEWS = ("matrix", "bridges", "language-bridges", "isolated", "trends")


def _check_editor(request) -> None:
    if not user_may_moderate(user=request.user, model=Member):
        raise PermissionDenied


class NetworkHealthView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "network/admin_health.html"
    page_title = gettext_lazy("Network health")
    header_icon = "group"
    breadcrumbs_items = [
        {"url": reverse_lazy("wagtailadmin_home"), "label": gettext_lazy("Home")},
        {"url": "", "label": gettext_lazy("Network health")},
    ]

    def dispatch(self, request, *args, **kwargs):
        _check_editor(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        health = network_health(fresh=self.request.GET.get("fresh") == "1")
        kinds = [label for _value, label in health.kinds]
        context.update(
            health=health,
            matrix_rows=list(zip(kinds, health.matrix, strict=True)),
            kind_labels=kinds,
            kind_label=dict(MemberKind.choices),
            csv_views=CSV_VIEWS,
        )
        return context


def _csv_rows(view: str, health) -> tuple[list, object]:
    kind = dict(MemberKind.choices)
    if view == "matrix":
        labels = [str(label) for _value, label in health.kinds]
        return [_("Kind"), *labels], (
            [labels[i], *row] for i, row in enumerate(health.matrix)
        )
    if view in ("bridges", "language-bridges"):
        bridges = health.bridges if view == "bridges" else health.language_bridges
        return [_("Member"), _("Kind"), _("Brokerage"), _("Partners"), _("Slug")], (
            [b.name, str(kind.get(b.kind, b.kind)), b.score, b.partners, b.slug]
            for b in bridges
        )
    if view == "isolated":
        return [_("Member"), _("Kind"), _("Slug")], (
            [name, str(kind.get(k, k)), slug]
            for _pk, name, slug, k in network_isolated_rows(health)
        )
    header = [
        _("Month"),
        _("New members"),
        _("New experiments"),
        _("Contact requests"),
        _("From a suggestion"),
        _("Accepted"),
        _("Led to a collaboration"),
    ]
    return header, (
        [
            row["month"].isoformat()[:7],
            row["members"],
            row["experiments"],
            row["contacts"],
            row["suggested"],
            row["accepted"],
            row["collaborations"],
        ]
        for row in health.trends
    )


def network_health_csv(request, view: str):
    _check_editor(request)
    if view not in CSV_VIEWS:
        raise Http404
    health = network_health()
    header, rows = _csv_rows(view, health)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="network-{view}.csv"'
    computed = f"# computed {health.computed_at.isoformat(timespec='seconds')}"
    spreadsheet_rows_write(response, [[computed], header, *rows])
    return response


@hooks.register("register_admin_urls")
def register_network_urls():
    return [
        path("network/", NetworkHealthView.as_view(), name="network_health"),
        path("network/<slug:view>.csv", network_health_csv, name="network_health_csv"),
    ]


class NetworkMenuItem(MenuItem):
    def is_shown(self, request):
        return user_may_moderate(user=request.user, model=Member)


@hooks.register("register_admin_menu_item")
def register_network_menu_item():
    return NetworkMenuItem(
        gettext_lazy("Network health"),
        reverse("network_health"),
        icon_name="group",
        order=250,
    )
