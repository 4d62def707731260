import json

from django.core.management.base import BaseCommand, CommandError

from search.node import LocalCluster, NodeError, ensure_distribution, es_version


class Command(BaseCommand):
    help = (
        "Start, stop or report the local Elasticsearch used in development (the "
        "pinned integ-test-zip from Maven Central): one node, or with --nodes 3 "
        "a loopback cluster of three."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["fetch", "start", "stop", "status"])
        parser.add_argument(
            "--name",
            default="dev",
            help="Which local node (default: dev; the test session uses 'test').",
        )
        parser.add_argument(
            "--nodes",
            type=int,
            default=None,
            help="start: how many nodes form the cluster (default 1; the nodes "
            "are named NAME-1, NAME-2, ... when there are several).",
        )
        parser.add_argument("--json", action="store_true", help="Print status as JSON.")

    def handle(self, *args, action, name, nodes, **options):
        if nodes is not None and nodes < 1:
            raise CommandError("--nodes must be at least 1.")
        cluster = LocalCluster(name, nodes=nodes if action == "start" else None)
        if action == "fetch":
            # The test session blocks every address beyond this machine, so
            # `make test` fetches the distribution before pytest starts.
            try:
                path = ensure_distribution(log=lambda msg: self.stdout.write(msg))
            except NodeError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"Elasticsearch {es_version()} distribution: {path}")
        elif action == "start":
            previous = LocalCluster(name)
            if previous.size != cluster.size and previous.running():
                raise CommandError(
                    f"{name} runs {previous.size} node(s); stop it first "
                    f"(manage.py elasticsearch stop --name {name})."
                )
            try:
                states = cluster.start(log=lambda msg: self.stdout.write(msg))
            except NodeError as exc:
                raise CommandError(str(exc)) from exc
            for state in states:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Elasticsearch {state.version} ({state.name}) is up at "
                        f"{state.url} (pid {state.pid}, data in {state.workdir})"
                    )
                )
            self.stdout.write(
                f"export ELASTICSEARCH_URL={','.join(s.url for s in states)}"
            )
        elif action == "stop":
            if cluster.stop():
                what = "node" if cluster.size == 1 else f"{cluster.size} nodes"
                self.stdout.write(self.style.SUCCESS(f"Stopped the {name} {what}."))
            else:
                self.stdout.write(f"No {name} node was running.")
        else:
            self._status(cluster, name, as_json=options["json"])

    def _status(self, cluster, name, *, as_json):
        states = cluster.running()
        health = cluster.health() if states else None
        if as_json:
            payload = {"running": bool(states), "health": health}
            if states:
                payload.update(
                    url=cluster.url,
                    pid=states[0].pid,
                    version=states[0].version,
                    nodes=[
                        {"name": n.name, "running": bool(s), "url": s and s.url}
                        for n in cluster.nodes
                        for s in [n.running()]
                    ],
                )
            self.stdout.write(json.dumps(payload))
            return
        if not states:
            self.stdout.write(
                f"No {name} node is running (pinned version {es_version()})."
            )
            raise SystemExit(3)
        status = health["status"] if health else "not answering"
        for node in cluster.nodes:
            state = node.running()
            if state:
                self.stdout.write(
                    f"Elasticsearch {state.version} ({node.name}) at {state.url}: "
                    f"pid {state.pid}, cluster {status}"
                )
            else:
                self.stdout.write(f"Elasticsearch ({node.name}): stopped")
