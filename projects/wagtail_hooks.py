from django.utils.translation import gettext_lazy as _

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from hub.moderation_admin import ProjectDecisionColumn, project_decision_urlpatterns
from projects.models import Project


class ProjectViewSet(SnippetViewSet):
    model = Project
    icon = "pick"
    menu_label = _("Experiments")
    menu_order = 210
    add_to_admin_menu = True
    list_display = [
        "title",
        "stage",
        "status",
        "owner",
        "updated_at",
        ProjectDecisionColumn(),
    ]
    list_filter = ["status", "stage"]
    search_fields = ["title", "summary"]
    search_backend_name = None

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), *project_decision_urlpatterns()]


register_snippet(ProjectViewSet)
