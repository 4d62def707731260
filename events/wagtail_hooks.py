from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from events import admin_views
from events.models import MatchmakingEvent


class MatchmakingEventViewSet(SnippetViewSet):
    model = MatchmakingEvent
    icon = "group"
    menu_label = _("Matchmaking events")
    list_display = ["page", "registration_opens", "registration_closes", "capacity"]
    add_to_admin_menu = False


register_snippet(MatchmakingEventViewSet)


@hooks.register("register_admin_urls")
def register_events_admin_urls():
    return admin_views.admin_urlpatterns()


class MatchmakingMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.user_may_run_events(request.user)


@hooks.register("register_admin_menu_item")
def register_matchmaking_menu_item():
    return MatchmakingMenuItem(
        _("Matchmaking meetings"),
        reverse("events_admin"),
        icon_name="group",
        order=207,
    )
