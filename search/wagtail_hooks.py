from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.model import ModelViewSet

from search.models import OutboxEntry
from search.selectors import index_health


class OutboxEntryViewSet(ModelViewSet):
    model = OutboxEntry
    icon = "resubmit"
    menu_label = _("Search outbox")
    add_to_settings_menu = True
    list_display = [
        "document",
        "object_id",
        "created_at",
        "attempts",
        "next_attempt_at",
    ]
    list_filter = ["document"]
    inspect_view_enabled = True
    form_fields = ["document", "object_id"]


class IndexHealthPanel(Component):
    """Dashboard panel: is the search index in step with the database?"""

    name = "index_health"
    order = 150
    template_name = "search/admin/index_health_panel.html"

    def get_context_data(self, parent_context=None):
        return index_health()


@hooks.register("register_admin_viewset")
def register_outbox_viewset():
    return OutboxEntryViewSet("search_outbox")


@hooks.register("construct_homepage_panels")
def add_index_health_panel(request, panels):
    if request.user.is_superuser or request.user.has_perm("search.view_outboxentry"):
        panels.append(IndexHealthPanel())
