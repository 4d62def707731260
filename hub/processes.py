"""Local servers for development and tests: what the Elasticsearch launcher
(search/node.py) and the Redis launcher (hub/redis_node.py) share.

A launcher starts one named server ("dev", "test", a cluster's "dev-2"...) on
loopback, in its own session, with its files in a work directory, and writes
a state file in HUB_STATE_DIR (default .hub/) naming its pid, port and work
directory, so that a later command finds, reports and stops it. A pid counts
as the server only while its command line still shows the server (pids are
reused), and stopping ends the server's whole process group.

This module does not import Django: the test session and the management
commands drive the launchers before settings are configured.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def state_dir() -> Path:
    return Path(os.environ.get("HUB_STATE_DIR", PROJECT_DIR / ".hub"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ProcessState:
    """What the state file records about a started server."""

    name: str
    pid: int
    port: int
    workdir: str
    started_at: float

    url_format = "http://127.0.0.1:{port}"  # a class attribute, not a field

    @property
    def url(self) -> str:
        return self.url_format.format(port=self.port)


class LocalProcess:
    """One named local server and its state file `<kind>-<name>.json`.

    Subclasses say what they run (`start`) and how their command line is
    recognised (`_marks`).
    """

    kind = "process"
    state_class = ProcessState
    poll = 0.2  # seconds between checks while stopping

    def __init__(self, name: str = "dev"):
        self.name = name
        self.state_file = state_dir() / f"{self.kind}-{name}.json"

    # state ----------------------------------------------------------------
    def state(self):
        try:
            return self.state_class(**json.loads(self.state_file.read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def _write_state(self, state) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        self.state_file.write_text(json.dumps(asdict(state)))

    def _marks(self, state) -> list[bytes]:
        """What the server's command line contains (its work directory)."""
        return [state.workdir.encode()]

    def _owns(self, state) -> bool:
        """The pid still belongs to the server this state describes."""
        if not state.pid:
            return False
        try:
            cmdline = Path(f"/proc/{state.pid}/cmdline").read_bytes()
        except OSError:
            return False
        return all(mark in cmdline for mark in self._marks(state))

    def running(self):
        state = self.state()
        if state and self._owns(state):
            return state
        return None

    @property
    def url(self) -> str | None:
        state = self.running()
        return state.url if state else None

    # lifecycle -------------------------------------------------------------
    def _launch(self, argv: list[str], workdir: Path, log_name: str, **popen):
        """Start `argv` in its own session, its output appended to a log in
        `workdir`."""
        log_file = open(workdir / log_name, "ab")  # noqa: SIM115 - kept by child
        try:
            return subprocess.Popen(
                argv,
                cwd=workdir,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                **popen,
            )
        finally:
            log_file.close()

    def stop(self, *, timeout: float = 60, keep_data: bool = False) -> bool:
        """Stop the server this state file describes; True if one was running.

        SIGTERM to its process group, SIGKILL if it is still there after
        `timeout`. With `keep_data` the work directory and state stay, so
        `start` brings the same server back.
        """
        state = self.state()
        if not state:
            return False
        was_running = self._owns(state)
        if was_running:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(state.pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while self._owns(state) and time.monotonic() < deadline:
                reap(state.pid)
                time.sleep(self.poll)
            if self._owns(state):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(state.pid, signal.SIGKILL)
                time.sleep(0.5)
                reap(state.pid)
        if not keep_data:
            self._cleanup(state)
        return was_running

    def _cleanup(self, state) -> None:
        shutil.rmtree(state.workdir, ignore_errors=True)
        self.state_file.unlink(missing_ok=True)


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return status.rsplit(")", 1)[-1].split()[0] != "Z"


def reap(pid: int) -> None:
    """Collect our exited child, if it is one, so that its pid goes."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
