"""Local Redis for development and tests, started like the local
Elasticsearch node (search/node.py): Debian's `redis-server`, loopback only,
a free port, its files in a directory under /tmp, a state file in
HUB_STATE_DIR (default .hub/) naming the pid.

Redis holds the caches that every web process of every machine must share
(rate limits, pages, matches: hub/settings/base.py, HUB_REDIS_URL). They are
caches, so nothing is written to disk; keys without an expiry (the cache
generations) are never evicted.

This module does not import Django: the test session drives it before
settings are configured.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
REDIS_SERVER = "redis-server"
MAX_MEMORY = "256mb"


class RedisError(RuntimeError):
    pass


def state_dir() -> Path:
    return Path(os.environ.get("HUB_STATE_DIR", PROJECT_DIR / ".hub"))


def redis_server() -> str:
    path = shutil.which(REDIS_SERVER) or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )
    if path is None:
        raise RedisError(
            "redis-server is not installed (Debian: apt-get install redis-server)."
        )
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ping(port: int, *, timeout: float = 2.0) -> bool:
    """True when a Redis answers PING on 127.0.0.1:`port`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class RedisState:
    name: str
    pid: int
    port: int
    workdir: str
    started_at: float

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class LocalRedis:
    """One named Redis ("dev", or one per test session) and its state file."""

    def __init__(self, name: str = "dev"):
        self.name = name
        self.state_file = state_dir() / f"redis-{name}.json"

    def state(self) -> RedisState | None:
        try:
            return RedisState(**json.loads(self.state_file.read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def _owns(self, state: RedisState) -> bool:
        try:
            cmdline = Path(f"/proc/{state.pid}/cmdline").read_bytes()
        except OSError:
            return False
        return b"redis-server" in cmdline and f":{state.port}".encode() in cmdline

    def running(self) -> RedisState | None:
        state = self.state()
        if state and self._owns(state) and ping(state.port):
            return state
        return None

    def start(self, *, timeout: float = 30) -> RedisState:
        """Start Redis (or return the one already running) and wait for PING."""
        state = self.running()
        if state:
            return state
        self.stop()
        port = free_port()
        workdir = Path(tempfile.mkdtemp(prefix=f"hub-redis-{self.name}-"))
        log_file = open(workdir / "redis.log", "ab")  # noqa: SIM115 - kept by child
        process = subprocess.Popen(
            [
                redis_server(),
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--dir",
                str(workdir),
                "--save",
                "",
                "--appendonly",
                "no",
                "--maxmemory",
                MAX_MEMORY,
                "--maxmemory-policy",
                "volatile-lru",
            ],
            cwd=workdir,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log_file.close()
        state = RedisState(
            name=self.name,
            pid=process.pid,
            port=port,
            workdir=str(workdir),
            started_at=time.time(),
        )
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        self.state_file.write_text(json.dumps(asdict(state)))
        deadline = time.monotonic() + timeout
        while not ping(port):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (workdir / "redis.log").read_text(errors="replace")[-2000:]
                self.stop()
                raise RedisError(f"Redis did not start on port {port}:\n{log}")
            time.sleep(0.05)
        return state

    def stop(self, *, timeout: float = 15) -> bool:
        """Stop this Redis and remove its files; True if one was running."""
        state = self.state()
        if not state:
            return False
        was_running = self._owns(state)
        if was_running:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(state.pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while self._owns(state) and time.monotonic() < deadline:
                with contextlib.suppress(ChildProcessError, OSError):
                    os.waitpid(state.pid, os.WNOHANG)
                time.sleep(0.05)
            if self._owns(state):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(state.pid, signal.SIGKILL)
        shutil.rmtree(state.workdir, ignore_errors=True)
        self.state_file.unlink(missing_ok=True)
        return was_running
