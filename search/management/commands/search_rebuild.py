from django.core.management.base import BaseCommand, CommandError

from search.client import SearchUnavailable
from search.documents import DOCUMENTS
from search.services import ES_ERRORS, index_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the search indices from the database into new indices and swap "
        "the aliases atomically; searches keep working meanwhile."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only", choices=sorted(DOCUMENTS), help="Rebuild one index only."
        )

    def handle(self, *args, only=None, **options):
        for document in [only] if only else list(DOCUMENTS):
            try:
                report = index_rebuild(document=document)
            except (SearchUnavailable, *ES_ERRORS) as exc:
                raise CommandError(f"Rebuild of {document}s failed: {exc}") from exc
            self.stdout.write(
                f"{document}s: {report.indexed} documents into {report.index}; "
                f"{report.removed_after_swap} queued for reconciliation"
            )
