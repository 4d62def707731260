from django.core.management.base import BaseCommand

from hub.demo.loader import demo_load


class Command(BaseCommand):
    help = (
        "Load the demo Brussels network: editorial pages, news, events, members "
        "and experiments. Running it again updates the same records."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-admin",
            action="store_true",
            help="Do not create the demo admin account.",
        )

    def handle(self, *args, no_admin=False, **options):
        report = demo_load(with_admin=not no_admin)
        for line in report:
            self.stdout.write(line)
