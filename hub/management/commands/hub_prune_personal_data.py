from django.core.management.base import BaseCommand

from members.services.privacy import prune_expired_personal_data


class Command(BaseCommand):
    help = (
        "Delete personal data past its retention period (HUB_RETENTION_DAYS): "
        "dismissed suggestions, contact-form submissions, closed reports."
    )

    def handle(self, *args, **options):
        counts = prune_expired_personal_data()
        self.stdout.write(
            "Deleted {dismissals} dismissals, {contact_form_submissions} "
            "contact-form submissions, {reports} closed reports.".format(**counts)
        )
