from django.utils.translation import gettext_lazy as _

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from members.models import Member


class MemberViewSet(SnippetViewSet):
    model = Member
    icon = "group"
    menu_label = _("Members")
    menu_order = 200
    add_to_admin_menu = True
    list_display = ["name", "kind", "status", "updated_at"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "description"]
    search_backend_name = None


register_snippet(MemberViewSet)
