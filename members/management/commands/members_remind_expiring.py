from django.core.management.base import BaseCommand

from members.services.profiles import REMINDER_DAYS, expiring_items_remind


class Command(BaseCommand):
    help = (
        "E-mail the managers of members whose offers or needs expire within "
        f"{REMINDER_DAYS} days (or have expired), once per line. Run it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=REMINDER_DAYS,
            help="Remind about lines expiring within this many days.",
        )

    def handle(self, *args, days, **options):
        sent = expiring_items_remind(within_days=days)
        self.stdout.write(f"{sent} reminder e-mail(s) sent.")
