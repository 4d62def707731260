from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from elasticsearch import ApiError, TransportError

from hub.backup import BackupError, site_restore


class Command(BaseCommand):
    help = (
        "Restore a directory written by hub_backup: the database and files are "
        "replaced; the index comes from the snapshot (or is rebuilt from the "
        "database with --rebuild or when there is none), then reconciled."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Rebuild the index from the restored database, ignoring the snapshot.",
        )
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Do not ask before replacing the current database.",
        )

    def handle(self, *args, directory, rebuild, yes, **options):
        if not yes and options.get("interactive", True):
            answer = input(
                "This replaces the current database, files and index. Type 'yes': "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            manifest, method = site_restore(directory, rebuild=rebuild)
        except (BackupError, ApiError, TransportError, OSError) as exc:
            raise CommandError(f"Restore failed: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest.created_at} "
                f"(index: {'snapshot' if method == 'snapshot' else 'rebuilt'})."
            )
        )
