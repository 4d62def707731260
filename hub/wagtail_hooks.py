from django.utils.translation import gettext_lazy as _

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from hub import (
    moderation_admin,  # noqa: F401 (the reports queue and its panel)
    network_admin,  # noqa: F401 (the editors' network view)
)
from hub.taxonomy import Discipline, Sector


class TaxonomyTermViewSet(SnippetViewSet):
    list_display = ["name_en", "name_fr", "name_nl", "slug"]
    search_fields = ["name_en", "name_fr", "name_nl", "slug"]
    # The terms are not in Wagtail's search index: filter them in the database.
    search_backend_name = None
    ordering = ["name_en"]


class SectorViewSet(TaxonomyTermViewSet):
    model = Sector
    icon = "tag"


class DisciplineViewSet(TaxonomyTermViewSet):
    model = Discipline
    icon = "tag"


class TaxonomyViewSetGroup(SnippetViewSetGroup):
    items = (SectorViewSet, DisciplineViewSet)
    menu_icon = "tag"
    menu_label = _("Taxonomies")
    menu_name = "taxonomies"
    menu_order = 220


register_snippet(TaxonomyViewSetGroup)
