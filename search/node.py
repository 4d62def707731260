"""Local Elasticsearch node for development and tests.

Fetches the pinned `integ-test-zip` distribution from Maven Central, checks
its SHA-512, caches it outside the work tree and runs a single-node,
loopback-only node with security off and its data in a temporary directory.
`LocalCluster` runs several such nodes as one loopback cluster (named
`<name>-1`, `<name>-2`, ...), which is how failover is tested. State files,
pid checks and stopping are those of every local server
(`hub.processes.LocalProcess`, shared with the Redis launcher).
Elasticsearch refuses to run as root, so under root the node runs as an
unprivileged system user that this module creates.

This module does not import Django: the test session and the management
command both drive it, and it must work before settings are configured.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from hub.processes import (
    LocalProcess,
    ProcessState,
    alive,
    free_port,
    state_dir,
    tail,
)

ES_VERSION = "8.19.21"
MAVEN_REPOSITORY = "https://repo1.maven.org/maven2"
ARTIFACT_PATH = "org/elasticsearch/distribution/integ-test-zip/elasticsearch"
NODE_USER = "hub-es"
HEAP = "512m"
MIN_JAVA = 17


class NodeError(RuntimeError):
    """The node cannot be fetched, started or reached; the message says why."""


def es_version() -> str:
    return os.environ.get("HUB_ELASTICSEARCH_VERSION", ES_VERSION)


def cache_dir() -> Path:
    """Where the zip and its unpacked tree live, outside the work tree.

    Under root the tree must be readable by the node user, and root's home is
    not, so root caches in /var/cache.
    """
    configured = os.environ.get("HUB_CACHE_DIR")
    if configured:
        return Path(configured)
    if os.geteuid() == 0:
        return Path("/var/cache/hub")
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "hub"


def snapshot_dir(cluster: str) -> Path:
    """The node's `path.repo`: where `fs` snapshot repositories may live.

    Every node of a cluster shares it, and it outlives the nodes' data, so a
    wiped cluster can be restored from it (manage.py hub_backup/hub_restore).
    """
    configured = os.environ.get("HUB_ES_SNAPSHOT_DIR")
    if configured:
        return Path(configured)
    return cache_dir() / "es-snapshots" / cluster


# -- fetching -----------------------------------------------------------------


def download(url: str, dest: Path) -> None:
    """Fetch `url` into `dest` whole or not at all (NodeError on failure)."""
    tmp = dest.with_suffix(dest.suffix + ".part")
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(tmp, "wb") as f:
            shutil.copyfileobj(response, f, length=1 << 20)
    except (urllib.error.URLError, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise NodeError(f"Could not download {url}: {exc}") from exc
    tmp.replace(dest)


def _read_url(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read().decode().strip()
    except (urllib.error.URLError, OSError) as exc:
        raise NodeError(f"Could not download {url}: {exc}") from exc


def file_digest(path: Path, algorithm: str) -> str:
    """Hex digest of a file, as the repository's checksum files give it."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, algorithm).hexdigest()


def ensure_distribution(*, log=print) -> Path:
    """Return the unpacked Elasticsearch home, fetching and verifying it once."""
    version = es_version()
    root = cache_dir() / "elasticsearch"
    home = root / f"elasticsearch-{version}"
    if (home / "bin" / "elasticsearch").exists():
        return home
    root.mkdir(parents=True, exist_ok=True)
    repository = os.environ.get("HUB_MAVEN_REPOSITORY", MAVEN_REPOSITORY).rstrip("/")
    name = f"elasticsearch-{version}.zip"
    url = f"{repository}/{ARTIFACT_PATH}/{version}/{name}"
    archive = root / name
    expected = _read_url(url + ".sha512").split()[0].lower()
    if not archive.exists() or file_digest(archive, "sha512") != expected:
        log(f"Downloading Elasticsearch {version} (integ-test-zip) from {url}")
        download(url, archive)
    actual = file_digest(archive, "sha512")
    if actual != expected:
        archive.unlink(missing_ok=True)
        raise NodeError(
            f"Checksum mismatch for {name}: expected {expected}, got {actual}."
        )
    staging = Path(tempfile.mkdtemp(dir=root, prefix=".unpack-"))
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.infolist():
                extracted = Path(zf.extract(member, staging))
                mode = (member.external_attr >> 16) & 0o777
                if mode:
                    extracted.chmod(mode)
        unpacked = staging / f"elasticsearch-{version}"
        if not (unpacked / "bin" / "elasticsearch").exists():
            raise NodeError(f"{name} does not contain bin/elasticsearch.")
        _make_world_readable(unpacked)
        with contextlib.suppress(OSError):
            unpacked.rename(home)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    root.chmod(0o755)
    return home


def _make_world_readable(tree: Path) -> None:
    for path in [tree, *tree.rglob("*")]:
        mode = path.stat().st_mode
        extra = 0o555 if path.is_dir() or mode & 0o111 else 0o444
        path.chmod(mode | extra)


# -- Java ---------------------------------------------------------------------


def _java_major(java: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(java), "-XshowSettings:properties", "-version"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"java\.specification\.version = (\d+)", out.stderr)
    return int(match.group(1)) if match else None


def find_java_home(
    *, environ: dict | None = None, jvm: Path = Path("/usr/lib/jvm")
) -> Path:
    """A JDK of version 17 or newer: ES_JAVA_HOME, JAVA_HOME, PATH, /usr/lib/jvm."""
    environ = os.environ if environ is None else environ
    candidates: list[Path] = []
    for var in ("ES_JAVA_HOME", "JAVA_HOME"):
        if environ.get(var):
            candidates.append(Path(environ[var]))
    on_path = shutil.which("java", path=environ.get("PATH", ""))
    if on_path:
        candidates.append(Path(os.path.realpath(on_path)).parent.parent)
    if jvm.is_dir():
        candidates.extend(sorted(p for p in jvm.iterdir() if p.is_dir()))
    seen = []
    for home in candidates:
        java = home / "bin" / "java"
        if home in seen or not java.exists():
            continue
        seen.append(home)
        major = _java_major(java)
        if major and major >= MIN_JAVA:
            return home
    looked = ", ".join(str(p) for p in seen) or "nothing"
    raise NodeError(
        f"Elasticsearch needs Java {MIN_JAVA} or newer and none was found "
        f"(looked at ES_JAVA_HOME, JAVA_HOME, PATH and /usr/lib/jvm: {looked}). "
        "Install one, e.g. `apt-get install openjdk-17-jre-headless`, or set "
        "ES_JAVA_HOME."
    )


# -- the node ----------------------------------------------------------------


def _node_user() -> tuple[int, int] | None:
    """Under root, the unprivileged (uid, gid) the node runs as; else None."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(NODE_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                "--user-group",
                NODE_USER,
            ],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(NODE_USER)
    return entry.pw_uid, entry.pw_gid


@dataclass
class NodeState(ProcessState):
    version: str
    transport_port: int = 0


class LocalNode(LocalProcess):
    """One named node (e.g. "dev" or "test") and its state file."""

    kind = "elasticsearch"
    state_class = NodeState

    def health(self) -> dict | None:
        state = self.running()
        if not state:
            return None
        return _get_json(f"{state.url}/_cluster/health", timeout=5)

    # lifecycle -------------------------------------------------------------
    def start(self, *, timeout: float = 180, log=print, wait: bool = True) -> NodeState:
        """Start the node (or return it if it answers) and wait until it is up.

        A node stopped with `keep_data=True` starts again on the same data
        directory and port. With `wait=False` it returns once the process is
        launched (the nodes of a cluster elect a master only together).
        """
        state = self.running()
        if state and (not wait or _get_json(f"{state.url}/_cluster/health", timeout=5)):
            return state
        if state:
            self.stop()
        home = ensure_distribution(log=log)
        java_home = find_java_home()
        owner = _node_user()
        previous = self.state()
        if previous and (Path(previous.workdir) / "config").is_dir():
            workdir, port = Path(previous.workdir), previous.port
            transport_port = previous.transport_port
        else:
            workdir, port, transport_port = self._prepare(home)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ES_JAVA_HOME": str(java_home),
            "ES_PATH_CONF": str(workdir / "config"),
            "ES_TMPDIR": str(workdir / "tmp"),
            "ES_JAVA_OPTS": f"-Xms{HEAP} -Xmx{HEAP} -Djava.io.tmpdir={workdir / 'tmp'}",
            "LANG": "C.UTF-8",
        }
        repo = Path(_read_settings(workdir).get("path.repo", [""])[0] or workdir)
        repo.mkdir(parents=True, exist_ok=True)
        if owner:
            for path in [workdir, *workdir.rglob("*"), repo, *repo.rglob("*")]:
                os.chown(path, *owner)
            env["HOME"] = str(workdir)
        workdir.chmod(0o755)
        process = self._launch(
            [str(home / "bin" / "elasticsearch")],
            workdir,
            "console.log",
            env=env,
            user=owner[0] if owner else None,
            group=owner[1] if owner else None,
            extra_groups=[] if owner else None,
        )
        state = NodeState(
            name=self.name,
            pid=process.pid,
            port=port,
            workdir=str(workdir),
            version=es_version(),
            started_at=time.time(),
            transport_port=transport_port,
        )
        self._write_state(state)
        if not wait:
            return state
        self.wait(state, process=process, timeout=timeout)
        return state

    def wait(
        self, state: NodeState, *, process=None, timeout: float = 180, status="yellow"
    ) -> None:
        """Wait until the node answers with a cluster of at least `status`."""
        workdir = Path(state.workdir)
        deadline = time.monotonic() + timeout
        wanted = ("yellow", "green") if status == "yellow" else ("green",)
        while time.monotonic() < deadline:
            # Until the launcher script execs Java, the command line does not
            # name the work directory yet: only a gone pid means it exited.
            exited = process.poll() is not None if process else not alive(state.pid)
            if exited:
                log = tail(workdir / "console.log")
                if process:
                    self._cleanup(state)
                raise NodeError(
                    f"Elasticsearch {self.name} exited while starting. "
                    f"Last lines of its log:\n{log}"
                )
            health = _get_json(
                f"{state.url}/_cluster/health?wait_for_status={status}&timeout=1s",
                timeout=5,
            )
            if health and health.get("status") in wanted:
                return
            time.sleep(0.5)
        log = tail(workdir / "console.log")
        self.stop()
        raise NodeError(
            f"Elasticsearch did not answer within {timeout:.0f}s. Log:\n{log}"
        )

    def _prepare(
        self,
        home: Path,
        *,
        port: int | None = None,
        transport_port: int | None = None,
        cluster: dict | None = None,
    ) -> tuple[Path, int, int]:
        """A fresh work directory with its own config, data and logs; its ports.

        `cluster` (cluster name, seed hosts, initial masters) replaces the
        single-node discovery.
        """
        workdir = Path(tempfile.mkdtemp(prefix=f"hub-es-{self.name}-"))
        config = workdir / "config"
        shutil.copytree(home / "config", config)
        for sub in ("data", "logs", "tmp"):
            (workdir / sub).mkdir()
        port = port or free_port()
        transport_port = transport_port or free_port()
        settings = {
            "cluster.name": f"hub-{self.name}",
            "node.name": f"hub-{self.name}",
            "network.host": "127.0.0.1",
            "http.port": port,
            "transport.port": transport_port,
            "discovery.type": "single-node",
            "xpack.security.enabled": False,
            "path.data": str(workdir / "data"),
            "path.logs": str(workdir / "logs"),
            "path.repo": [str(snapshot_dir(self.name))],
            "cluster.routing.allocation.disk.threshold_enabled": False,
            "action.destructive_requires_name": False,
        }
        if cluster:
            del settings["discovery.type"]
            settings.update(cluster)
        (config / "elasticsearch.yml").write_text(
            "".join(f"{k}: {json.dumps(v)}\n" for k, v in settings.items())
        )
        return workdir, port, transport_port

    def prepare(self, **kwargs) -> NodeState:
        """Write the node's configuration and state without starting it."""
        workdir, port, transport_port = self._prepare(ensure_distribution(), **kwargs)
        state = NodeState(
            name=self.name,
            pid=0,
            port=port,
            workdir=str(workdir),
            version=es_version(),
            started_at=0.0,
            transport_port=transport_port,
        )
        self._write_state(state)
        return state


class LocalCluster:
    """Several local nodes forming one loopback cluster, or one plain node.

    With one node this is `LocalNode(name)` itself (same name, state file and
    single-node discovery). With more, the nodes are `LocalNode("<name>-1")`
    and so on, and `elasticsearch-<name>.cluster.json` lists them, so `stop`
    and `status` find them all.
    """

    def __init__(self, name: str = "dev", *, nodes: int | None = None):
        self.name = name
        self.cluster_file = state_dir() / f"elasticsearch-{name}.cluster.json"
        recorded = self._recorded()
        self.size = nodes or recorded or 1
        if self.size == 1:
            self.nodes = [LocalNode(name)]
        else:
            self.nodes = [LocalNode(f"{name}-{i}") for i in range(1, self.size + 1)]

    def _recorded(self) -> int:
        try:
            return len(json.loads(self.cluster_file.read_text())["nodes"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0

    @property
    def urls(self) -> list[str]:
        """URLs of the nodes that run (in node order)."""
        return [state.url for node in self.nodes if (state := node.running())]

    @property
    def url(self) -> str | None:
        """The comma-separated list that ELASTICSEARCH_URL takes."""
        return ",".join(self.urls) or None

    def running(self) -> list[NodeState]:
        return [state for node in self.nodes if (state := node.running())]

    def health(self) -> dict | None:
        for node in self.nodes:
            health = node.health()
            if health:
                return health
        return None

    def start(self, *, timeout: float = 240, log=print) -> list[NodeState]:
        """Start every node (keeping the data of nodes stopped with keep_data)
        and wait until the cluster is green (yellow for one node)."""
        if self.size == 1:
            return [self.nodes[0].start(timeout=timeout, log=log)]
        ensure_distribution(log=log)
        prepared = [node.state() for node in self.nodes]
        if not all(s and (Path(s.workdir) / "config").is_dir() for s in prepared):
            for node in self.nodes:
                node.stop()
            ports = [(free_port(), free_port()) for _ in self.nodes]
            cluster = {
                "cluster.name": f"hub-{self.name}",
                "discovery.seed_hosts": [f"127.0.0.1:{t}" for _, t in ports],
                "cluster.initial_master_nodes": [f"hub-{n.name}" for n in self.nodes],
                "path.repo": [str(snapshot_dir(self.name))],
            }
            for node, (http, transport) in zip(self.nodes, ports, strict=True):
                node.prepare(port=http, transport_port=transport, cluster=cluster)
        self.cluster_file.parent.mkdir(parents=True, exist_ok=True)
        self.cluster_file.write_text(
            json.dumps({"nodes": [node.name for node in self.nodes]})
        )
        states = [node.start(log=log, wait=False) for node in self.nodes]
        for node, state in zip(self.nodes, states, strict=True):
            node.wait(state, timeout=timeout)
        self.wait(status="green", timeout=timeout)
        return states

    def wait(self, *, status: str = "green", timeout: float = 240) -> None:
        """Wait until the running nodes report a cluster of `status`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for url in self.urls:
                health = _get_json(
                    f"{url}/_cluster/health?wait_for_status={status}&timeout=1s"
                    f"&wait_for_nodes={len(self.running())}",
                    timeout=5,
                )
                if health and not health.get("timed_out"):
                    return
            time.sleep(0.5)
        raise NodeError(f"Cluster {self.name} did not reach {status} in {timeout}s.")

    def stop(self, *, keep_data: bool = False) -> bool:
        """Stop every node; True if any was running."""
        stopped = [node.stop(keep_data=keep_data) for node in self.nodes]
        if not keep_data:
            self.cluster_file.unlink(missing_ok=True)
        return any(stopped)


def _read_settings(workdir: Path) -> dict:
    """The node's elasticsearch.yml as written by `_prepare` (one JSON value a line)."""
    settings = {}
    with contextlib.suppress(OSError):
        for line in (workdir / "config" / "elasticsearch.yml").read_text().splitlines():
            key, sep, value = line.partition(": ")
            if sep:
                with contextlib.suppress(ValueError):
                    settings[key] = json.loads(value)
    return settings


def _get_json(url: str, *, timeout: float) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None
