import sys
import time

from django.core.management.base import BaseCommand, CommandError

from members.importing import ImportRejected, network_import
from search.services import ES_ERRORS, index_rebuild, outbox_drain

# Past this many changed records a full rebuild beats draining the outbox.
REBUILD_THRESHOLD = 500


class Command(BaseCommand):
    help = (
        "Import members and projects from JSON Lines files (spec/import-format.md). "
        "Everything is validated first; on any error nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("--members", help="members.jsonl")
        parser.add_argument("--projects", help="projects.jsonl")
        parser.add_argument(
            "--no-index",
            action="store_true",
            help="Leave the search update in the outbox (for search_sync).",
        )

    def handle(self, *args, members=None, projects=None, no_index=False, **options):
        if not members and not projects:
            raise CommandError("Give --members FILE, --projects FILE or both.")
        started = time.monotonic()
        tty = sys.stderr.isatty()

        def progress(message):
            elapsed = time.monotonic() - started
            if tty or options["verbosity"] > 1:
                self.stderr.write(f"[{elapsed:6.1f}s] {message}")

        try:
            report = network_import(
                members_path=members, projects_path=projects, progress=progress
            )
        except ImportRejected as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"members: {report.members_created} created, {report.members_updated} "
            f"updated, {report.members_unchanged} unchanged; projects: "
            f"{report.projects_created} created, {report.projects_updated} updated, "
            f"{report.projects_unchanged} unchanged"
        )
        if no_index or not report.changed:
            return
        try:
            if report.changed > REBUILD_THRESHOLD:
                progress("rebuilding the search indices")
                for document in ("member", "project"):
                    index_rebuild(document=document)
            progress("draining the search outbox")
            drained = outbox_drain(include_deferred=True)
        except ES_ERRORS as exc:
            self.stderr.write(
                f"Imported, but the search index is not updated ({exc}); "
                "run `python manage.py search_sync` when Elasticsearch is back."
            )
            return
        self.stdout.write(
            f"search: indexed {drained.indexed}, removed {drained.deleted}, "
            f"{drained.failed} left for search_sync "
            f"({time.monotonic() - started:.1f}s in all)"
        )
