import contextlib
import logging
import signal

from django.core.management.base import BaseCommand

from hub.scheduler import entries, scheduler_build


class Command(BaseCommand):
    help = (
        "Enqueue the periodic tasks (outbox drain every minute, daily re-index "
        "of expired offers and seeks, reminders, pruning) for `db_worker` to run. "
        "Run one per site; stop it with Ctrl+C or SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--list",
            dest="show",
            action="store_true",
            help="Print the schedule and exit.",
        )
        parser.add_argument(
            "--once",
            metavar="ENTRY",
            help="Enqueue this entry now (e.g. expired-items-reindex) and exit.",
        )
        parser.add_argument(
            "--day",
            help="With --once: the ISO date given to a daily entry's task.",
        )

    def handle(self, *args, show, once, day, **options):
        if show:
            for entry in entries():
                self.stdout.write(f"{entry.id:24} {entry.trigger}")
            return
        if once:
            chosen = {entry.id: entry for entry in entries()}.get(once)
            if chosen is None:
                names = ", ".join(entry.id for entry in entries())
                self.stderr.write(f"No entry {once!r}; the entries are: {names}")
                raise SystemExit(2)
            result = chosen.enqueue(**({"day": day} if day else {}))
            self.stdout.write(f"Enqueued {once}: task {result.id}")
            return
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        logging.getLogger("hub.scheduler").setLevel(logging.INFO)
        if not logging.getLogger("hub.scheduler").handlers:
            handler = logging.StreamHandler(self.stdout)
            logging.getLogger("hub.scheduler").addHandler(handler)
        scheduler = scheduler_build()
        signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
        for job in scheduler.get_jobs():
            self.stdout.write(f"scheduled {job.id:24} {job.trigger}")
        self.stdout.write("Scheduler running; it only enqueues, db_worker runs.")
        with contextlib.suppress(KeyboardInterrupt):
            scheduler.start()
