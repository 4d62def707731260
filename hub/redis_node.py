"""Local Redis for development and tests, started like the local
Elasticsearch node (both are `hub.processes.LocalProcess`): Debian's
`redis-server`, loopback only, a free port, its files in a directory under
/tmp, a state file in HUB_STATE_DIR (default .hub/) naming the pid.

Redis holds the caches that every web process of every machine must share
(rate limits, pages, matches: hub/settings/base.py, HUB_REDIS_URL). They are
caches, so nothing is written to disk; keys without an expiry (the cache
generations) are never evicted.

This module does not import Django: the test session drives it before
settings are configured.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import time
from pathlib import Path

from hub.processes import LocalProcess, ProcessState, free_port

REDIS_SERVER = "redis-server"
MAX_MEMORY = "256mb"


class RedisError(RuntimeError):
    pass


def redis_server() -> str:
    path = shutil.which(REDIS_SERVER) or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )
    if path is None:
        raise RedisError(
            "redis-server is not installed (Debian: apt-get install redis-server)."
        )
    return path


def ping(port: int, *, timeout: float = 2.0) -> bool:
    """True when a Redis answers PING on 127.0.0.1:`port`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisState(ProcessState):
    url_format = "redis://127.0.0.1:{port}/0"


class LocalRedis(LocalProcess):
    """One named Redis ("dev", or one per test session) and its state file."""

    kind = "redis"
    state_class = RedisState
    poll = 0.05

    def _marks(self, state: RedisState) -> list[bytes]:
        # redis-server renames its process "redis-server 127.0.0.1:<port>".
        return [b"redis-server", f":{state.port}".encode()]

    def running(self) -> RedisState | None:
        state = super().running()
        if state and ping(state.port):
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
        process = self._launch(
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
            workdir,
            "redis.log",
        )
        state = RedisState(
            name=self.name,
            pid=process.pid,
            port=port,
            workdir=str(workdir),
            started_at=time.time(),
        )
        self._write_state(state)
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
        return super().stop(timeout=timeout)
