from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from elasticsearch import ApiError, TransportError

from hub.backup import BackupError, site_backup


class Command(BaseCommand):
    help = (
        "Back up the site into an empty directory: the database (pg_dump, or a "
        "copy of the SQLite file), uploaded files, and an Elasticsearch snapshot "
        "when the nodes have path.repo (else the index is rebuilt on restore)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path, help="Directory.")

    def handle(self, *args, out, **options):
        try:
            manifest = site_backup(out)
        except (BackupError, ApiError, TransportError, OSError) as exc:
            raise CommandError(f"Backup failed: {exc}") from exc
        self.stdout.write(f"database: {manifest.database['file']}")
        self.stdout.write(f"files: {'media/' if manifest.media else 'none'}")
        search = manifest.search
        if search["method"] == "snapshot":
            self.stdout.write(
                f"search: snapshot {search['snapshot']} in the "
                f"{search['repository']} repository"
            )
        else:
            self.stdout.write(f"search: {search['note']}")
        self.stdout.write(self.style.SUCCESS(f"Backed up into {out}"))
