from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from search.models import OutboxEntry


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


@hooks.register("register_admin_viewset")
def register_outbox_viewset():
    return OutboxEntryViewSet("search_outbox")
