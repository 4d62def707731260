from pathlib import Path

from django.core.management.base import BaseCommand

from members.exporting import network_export


class Command(BaseCommand):
    help = (
        "Export members and projects as members.jsonl and projects.jsonl in the "
        "import format: published records and public fields only, unless --private."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="Directory to write into.")
        parser.add_argument(
            "--private",
            action="store_true",
            help="Include private contact data and unpublished records.",
        )

    def handle(self, *args, out, private=False, **options):
        counts = network_export(out=Path(out), private=private)
        self.stdout.write(
            f"wrote {counts['members']} members and {counts['projects']} projects "
            f"to {out}" + (" (including private data)" if private else "")
        )
