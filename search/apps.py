from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Network search")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from search import signal_handlers
        from search.matchmaking import signal_handlers as matchmaking_handlers

        signal_handlers.register()
        matchmaking_handlers.register()
