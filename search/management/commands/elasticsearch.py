import json

from django.core.management.base import BaseCommand, CommandError

from search.node import LocalNode, NodeError, ensure_distribution, es_version


class Command(BaseCommand):
    help = (
        "Start, stop or report the local single-node Elasticsearch used in "
        "development (the pinned integ-test-zip from Maven Central)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["fetch", "start", "stop", "status"])
        parser.add_argument(
            "--name",
            default="dev",
            help="Which local node (default: dev; the test session uses 'test').",
        )
        parser.add_argument("--json", action="store_true", help="Print status as JSON.")

    def handle(self, *args, action, name, **options):
        node = LocalNode(name)
        if action == "fetch":
            # The test session blocks every address beyond this machine, so
            # `make test` fetches the distribution before pytest starts.
            try:
                path = ensure_distribution(log=lambda msg: self.stdout.write(msg))
            except NodeError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"Elasticsearch {es_version()} distribution: {path}")
        elif action == "start":
            try:
                state = node.start(log=lambda msg: self.stdout.write(msg))
            except NodeError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                self.style.SUCCESS(
                    f"Elasticsearch {state.version} ({name}) is up at {state.url} "
                    f"(pid {state.pid}, data in {state.workdir})"
                )
            )
            self.stdout.write(f"export ELASTICSEARCH_URL={state.url}")
        elif action == "stop":
            if node.stop():
                self.stdout.write(self.style.SUCCESS(f"Stopped the {name} node."))
            else:
                self.stdout.write(f"No {name} node was running.")
        else:
            state = node.running()
            health = node.health() if state else None
            if options["json"]:
                payload = {"running": bool(state), "health": health}
                if state:
                    payload.update(url=state.url, pid=state.pid, version=state.version)
                self.stdout.write(json.dumps(payload))
            elif state:
                status = health["status"] if health else "not answering"
                self.stdout.write(
                    f"Elasticsearch {state.version} ({name}) at {state.url}: "
                    f"pid {state.pid}, cluster {status}"
                )
            else:
                self.stdout.write(
                    f"No {name} node is running (pinned version {es_version()})."
                )
                raise SystemExit(3)
