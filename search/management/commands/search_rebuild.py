from django.core.management.base import BaseCommand, CommandError

from search.client import SearchUnavailable
from search.documents import DOCUMENTS
from search.services import ES_ERRORS, index_merge, index_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the search indices from the database into new indices and swap "
        "the aliases atomically; searches keep working meanwhile."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only", choices=sorted(DOCUMENTS), help="Rebuild one index only."
        )
        parser.add_argument(
            "--merge",
            action="store_true",
            help=(
                "After the swap, force-merge each new index into one segment: "
                "faster searches, at the cost of a longer run."
            ),
        )

    def handle(self, *args, only=None, merge=False, **options):
        for document in [only] if only else list(DOCUMENTS):
            try:
                report = index_rebuild(document=document)
            except (SearchUnavailable, *ES_ERRORS) as exc:
                raise CommandError(f"Rebuild of {document}s failed: {exc}") from exc
            self.stdout.write(
                f"{document}s: {report.indexed} documents into {report.index}; "
                f"{report.removed_after_swap} queued for reconciliation"
            )
            if merge:
                try:
                    index_merge(document=document)
                except ES_ERRORS as exc:
                    # The new index already serves: only its speed is at stake.
                    raise CommandError(f"Merge of {document}s failed: {exc}") from exc
                self.stdout.write(f"{document}s: merged into one segment")
