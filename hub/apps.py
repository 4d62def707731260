from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = _("Editorial site")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from hub import signal_handlers  # noqa: F401
