import json

from django.core.management.base import BaseCommand, CommandError

from hub.redis_node import LocalRedis, RedisError


class Command(BaseCommand):
    help = (
        "Start, stop or report the local Redis (Debian's redis-server, loopback "
        "only) that shares rate limits, pages and matches between web "
        "processes; `start` prints the HUB_REDIS_URL to export."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["start", "stop", "status"])
        parser.add_argument(
            "--name", default="dev", help="Which local Redis (default: dev)."
        )
        parser.add_argument("--json", action="store_true", help="Print status as JSON.")

    def handle(self, *args, action, name, **options):
        server = LocalRedis(name)
        if action == "start":
            try:
                state = server.start()
            except RedisError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                self.style.SUCCESS(
                    f"Redis ({name}) is up at {state.url} (pid {state.pid}, "
                    f"files in {state.workdir})"
                )
            )
            self.stdout.write(f"export HUB_REDIS_URL={state.url}")
        elif action == "stop":
            if server.stop():
                self.stdout.write(self.style.SUCCESS(f"Stopped the {name} Redis."))
            else:
                self.stdout.write(f"No {name} Redis was running.")
        else:
            state = server.running()
            if options["json"]:
                payload = {"running": bool(state)}
                if state:
                    payload.update(url=state.url, pid=state.pid, workdir=state.workdir)
                self.stdout.write(json.dumps(payload))
            elif state:
                self.stdout.write(f"Redis ({name}) is running at {state.url}")
                self.stdout.write(f"export HUB_REDIS_URL={state.url}")
            else:
                self.stdout.write(f"No {name} Redis is running.")
