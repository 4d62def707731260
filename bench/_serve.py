"""Serve the hub under gunicorn on loopback, with real data, for benchmarks.

    from _serve import HubServer

    with HubServer(members="m.jsonl", projects="p.jsonl") as server:
        requests.get(server.url + "/en/members/")
        ...                               # everything is stopped on exit

    python bench/_serve.py --demo          # serve the demo network until Ctrl-C
    python bench/_serve.py --members m.jsonl --projects p.jsonl --workers 2

What `HubServer.start()` does, each step in a subprocess with the same
environment (so the caller's own Django, if any, is untouched):

1. Elasticsearch: `ELASTICSEARCH_URL` when set, else the local node named
   `bench` (`search/node.py`), started if needed and, like `bench/_setup.py`
   does, left running for other benchmarks that share it (`stop_node=True`
   stops a node this helper started). The indices live under a fresh
   `HUB_INDEX_PREFIX` and are deleted at exit.
2. Database: `database_url` (e.g. a PostgreSQL URL, or an SQLite file already
   loaded by another benchmark, with `load=False`), else a throwaway SQLite
   file in a temporary directory; `migrate` runs either way.
3. Data: `hub_import --members --projects` of JSON Lines files in the import
   format (`spec/import-format.md`), or `hub_demo` with `demo=True`, then
   `search_rebuild`. Skipped with `load=False`.
4. `collectstatic`, then gunicorn (`hub.wsgi`) on a free loopback port with
   `hub.settings.production`: DEBUG off, whitenoise serving compressed static
   files, a throwaway SECRET_KEY, ALLOWED_HOSTS=127.0.0.1,localhost, no HTTPS
   redirect (plain HTTP on loopback) and API throttling lifted so that the load
   generator measures the views, not the rate limiter.
5. Waits until the home page answers, and registers `stop()` with atexit.

Gunicorn writes one access-log line per request to `server.access_log` as
tab-separated fields: method, path, query string, status, server time in
microseconds (`%(D)s`, measured by gunicorn around the WSGI call), and the
`X-Search-Took` and `X-Search-Wall` response headers (Elasticsearch's `took`
and the client-side time of its calls, ms, or `-`), which `bench/_wsgi.py`
adds: gunicorn serves that instrumented wrapper of `hub.wsgi`), and the
`X-Bench-Endpoint` request header (a load generator's label, or `-`).
`read_access_log()` parses it. `worker_rss()` gives each worker's resident
memory, for the flat-memory check of a long run.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ACCESS_LOG_FORMAT = (
    "%(m)s\t%(U)s\t%(q)s\t%(s)s\t%(D)s\t%({x-search-took}o)s\t%({x-search-wall}o)s"
    "\t%({x-bench-endpoint}i)s"
)


@dataclass
class AccessLine:
    method: str
    path: str
    status: int
    server_ms: float
    search_took_ms: float | None
    search_wall_ms: float | None
    endpoint: str


def _log(message: str) -> None:
    print(f"[serve] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    """Resident set size of a process, in KiB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pids) -> float:
    """User + system CPU seconds of the processes (0 for any that is gone)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def listening_pids(port: int) -> list[int]:
    """The processes holding a socket that listens on loopback `port`."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(parts[9])
    pids = []
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        with contextlib.suppress(OSError):
            for fd in fd_dir.iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:[") and target[8:-1] in inodes:
                        pids.append(int(fd_dir.parent.name))
                        break
    return pids


class HubServer:
    """A gunicorn-served hub on loopback, with its data and index; see module."""

    def __init__(
        self,
        *,
        members: str | Path | None = None,
        projects: str | Path | None = None,
        demo: bool = False,
        database_url: str | None = None,
        index_prefix: str | None = None,
        load: bool = True,
        rebuild: bool = True,
        workers: int | None = None,
        threads: int | None = None,
        settings: str = "hub.settings.production",
        stop_node: bool = False,
        extra_env: dict | None = None,
        timeout: float = 60,
    ):
        self.members, self.projects, self.demo = members, projects, demo
        self.load, self.rebuild = load, rebuild
        self.workers = workers or int(os.environ.get("BENCH_WORKERS", "2"))
        self.threads = threads or int(os.environ.get("BENCH_THREADS", "4"))
        self.stop_node = stop_node
        self.timeout = timeout
        self.workdir = Path(tempfile.mkdtemp(prefix="hub-serve-"))
        self.database_url = database_url or f"sqlite:///{self.workdir / 'hub.db'}"
        self.index_prefix = index_prefix or f"serve-{uuid.uuid4().hex[:8]}"
        self.own_indices = index_prefix is None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = self.workdir / "access.log"
        self.error_log = self.workdir / "gunicorn.log"
        self.settings = settings
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen | None = None
        self._node = None
        self.env: dict[str, str] = {}

    # -- set-up --------------------------------------------------------------
    def _elasticsearch_url(self) -> str:
        url = os.environ.get("ELASTICSEARCH_URL")
        if url:
            return url
        sys.path.insert(0, str(ROOT))
        from search.node import LocalNode

        node = LocalNode("bench")
        if not node.running():
            self._node = node  # ours to stop
        return node.start(log=_log).url

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE=self.settings,
            DATABASE_URL=self.database_url,
            HUB_INDEX_PREFIX=self.index_prefix,
            ELASTICSEARCH_URL=self._elasticsearch_url(),
            SECRET_KEY=f"bench-{uuid.uuid4().hex}",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_SSL_REDIRECT="0",
            STATIC_ROOT=str(self.workdir / "static"),
            MEDIA_ROOT=str(self.workdir / "media"),
            # Shared by this server's workers only, and gone with the workdir.
            HUB_PAGE_CACHE_DIR=str(self.workdir / "page-cache"),
            HUB_MATCH_CACHE_DIR=str(self.workdir / "match-cache"),
            HUB_SEARCH_CACHE_DIR=str(self.workdir / "search-cache"),
            HUB_API_RATE_ANON="1000000/m",
            HUB_API_RATE_AUTH="1000000/m",
            PYTHONUNBUFFERED="1",
        )
        env.update({k: str(v) for k, v in self.extra_env.items()})
        return env

    def manage(self, *args: str, quiet: bool = True) -> str:
        """Run `manage.py <args>` with the server's environment; its stdout."""
        started = time.perf_counter()
        result = subprocess.run(
            [PYTHON, str(ROOT / "manage.py"), *args],
            cwd=ROOT,
            # Rebuilds and imports wait longer than a search may.
            env={"HUB_SEARCH_TIMEOUT": "120", **self.env},
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise RuntimeError(
                f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
            )
        if not quiet:
            _log(f"manage.py {args[0]}: {time.perf_counter() - started:.1f}s")
        return result.stdout

    def prepare(self) -> HubServer:
        """Steps 1 to 3 and `collectstatic`, without starting gunicorn (an
        in-process replay such as bench/load_profile.py runs on this)."""
        self.env = self._environment()
        atexit.register(self.stop)
        self.manage("migrate", "--noinput")
        if self.load:
            if self.demo:
                self.manage("hub_demo", quiet=False)
            if self.members or self.projects:
                args = ["hub_import", "--no-index"]
                if self.members:
                    args += ["--members", str(self.members)]
                if self.projects:
                    args += ["--projects", str(self.projects)]
                self.manage(*args, quiet=False)
        if self.load or self.rebuild:
            self.manage("search_rebuild", quiet=False)
        self.manage("collectstatic", "--noinput")
        return self

    def start(self) -> HubServer:
        self.prepare()
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "_wsgi:application",
                "--pythonpath",
                f"{ROOT},{ROOT / 'bench'}",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--worker-class",
                "gthread" if self.threads > 1 else "sync",
                "--timeout",
                "120",
                # Longer than the load test's pauses between requests (up to
                # 2.5 s): with gunicorn's 2 s default, a client reusing a
                # connection the server just closed gets no answer.
                "--keep-alive",
                "10",
                "--access-logfile",
                str(self.access_log),
                "--access-logformat",
                ACCESS_LOG_FORMAT,
                "--error-logfile",
                str(self.error_log),
            ],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._wait_ready()
        _log(f"serving on {self.url} (workers={self.workers}, threads={self.threads})")
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    "gunicorn exited while starting:\n"
                    + self.error_log.read_text()[-4000:]
                )
            with (
                contextlib.suppress(urllib.error.URLError, OSError),
                urllib.request.urlopen(self.url + "/", timeout=5) as response,
            ):
                if response.status < 500 and len(self.worker_pids()) >= 1:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer on {self.url} in time")

    # -- observation -----------------------------------------------------------
    def worker_pids(self) -> list[int]:
        if not self.process:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in children.read_text().split()]
        except OSError:
            return []

    def worker_rss(self) -> dict[int, int]:
        """KiB resident per worker pid."""
        return {pid: rss_kib(pid) for pid in self.worker_pids()}

    def read_access_log(self, *, since: int = 0) -> tuple[list[AccessLine], int]:
        """Access lines from byte offset `since`; the new offset."""
        lines = []
        with open(self.access_log, "rb") as f:
            f.seek(since)
            data = f.read()
        end = since + len(data)
        for raw in data.decode(errors="replace").splitlines():
            parts = raw.split("\t")
            if len(parts) < 8:
                continue
            took, wall = parts[5].strip(), parts[6].strip()
            lines.append(
                AccessLine(
                    method=parts[0],
                    path=parts[1] + (f"?{parts[2]}" if parts[2] else ""),
                    status=int(parts[3]),
                    server_ms=int(parts[4]) / 1000,
                    search_took_ms=float(took) if took not in ("", "-") else None,
                    search_wall_ms=float(wall) if wall not in ("", "-") else None,
                    endpoint=parts[7].strip(),
                )
            )
        return lines, end

    def access_log_size(self) -> int:
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    # -- tear-down ---------------------------------------------------------------
    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        if self.own_indices and self.env.get("ELASTICSEARCH_URL"):
            with contextlib.suppress(Exception):
                request = urllib.request.Request(
                    f"{self.env['ELASTICSEARCH_URL']}/{self.index_prefix}-*",
                    method="DELETE",
                )
                urllib.request.urlopen(request, timeout=30).close()
            self.own_indices = False
        if self._node and self.stop_node:
            self._node.stop()
            self._node = None
        if self.workdir.exists() and not os.environ.get("BENCH_KEEP_WORKDIR"):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members")
    parser.add_argument("--projects")
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--database-url")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--threads", type=int)
    args = parser.parse_args()
    with HubServer(
        members=args.members,
        projects=args.projects,
        demo=args.demo,
        database_url=args.database_url,
        workers=args.workers,
        threads=args.threads,
    ) as server:
        print(f"Serving {server.url}  (Ctrl-C stops)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while server.process.poll() is None:
                time.sleep(1)


if __name__ == "__main__":
    main()
