from django.core.management.base import BaseCommand, CommandError

from members.accounts import account_for_address
from members.models import MessageKind
from members.notifications import message_preference_set


class Command(BaseCommand):
    help = (
        "Stop every non-transactional e-mail (alerts, digests) to an address "
        "that bounces: its account's preferences are turned off; the person "
        "may turn them on again from their alerts page."
    )

    def add_arguments(self, parser):
        parser.add_argument("addresses", nargs="+", metavar="ADDRESS")

    def handle(self, *args, addresses, **options):
        unknown = []
        for address in addresses:
            user = account_for_address(address)
            if user is None:
                unknown.append(address)
                continue
            for kind in MessageKind.values:
                message_preference_set(user=user, kind=kind, email=False)
            self.stdout.write(f"Stopped alerts and digests to {address}")
        if unknown:
            raise CommandError(f"No active account for: {', '.join(unknown)}")
