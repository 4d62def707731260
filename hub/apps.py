from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = _("Editorial site")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from hub import signal_handlers  # noqa: F401
        from hub.throttling import limits_cache_table_create

        # Rate limits count in Django's database cache by default: its table
        # comes with `migrate`, wherever the site is set up.
        post_migrate.connect(
            limits_cache_table_create, sender=self, dispatch_uid="hub-limits-table"
        )
