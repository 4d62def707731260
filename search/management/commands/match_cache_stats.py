import json

from django.core.management.base import BaseCommand

from search.matchmaking.cache import match_cache_stats


class Command(BaseCommand):
    help = (
        "Print the match cache's hits and misses across processes as JSON "
        '({"hits", "misses", "hit_rate"}); --reset starts counting again.'
    )

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true")

    def handle(self, *args, reset, **options):
        self.stdout.write(json.dumps(match_cache_stats(reset=reset)))
