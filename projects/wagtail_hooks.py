from django.utils.translation import gettext_lazy as _

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from projects.models import Project


class ProjectViewSet(SnippetViewSet):
    model = Project
    icon = "pick"
    menu_label = _("Experiments")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["title", "stage", "status", "owner", "updated_at"]
    list_filter = ["status", "stage"]
    search_fields = ["title", "summary"]
    search_backend_name = None


register_snippet(ProjectViewSet)
