from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Matchmaking at events")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from events import signal_handlers  # noqa: F401
        from events.api import router
        from search.api import api

        # One API, one OpenAPI schema: the events endpoints join it.
        api.add_router("/events", router)
