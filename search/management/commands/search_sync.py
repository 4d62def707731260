from django.core.management.base import BaseCommand, CommandError

from search.models import OutboxEntry
from search.services import outbox_drain


class Command(BaseCommand):
    help = "Drain the search outbox into Elasticsearch (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help="Also retry rows still waiting for their backoff to pass.",
        )
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        report = outbox_drain(
            include_deferred=options["all"], batch_size=options["batch_size"]
        )
        left = OutboxEntry.objects.count()
        self.stdout.write(
            f"indexed {report.indexed}, deleted {report.deleted}, "
            f"failed {report.failed}; {left} rows left in the outbox"
        )
        if report.errors:
            raise CommandError(f"Elasticsearch refused the drain: {report.errors[0]}")
