"""The local server launchers (hub/processes.py): `manage.py redis` drives
Redis through the same state files, pid checks and stop as the
Elasticsearch launcher (search/tests/test_node.py covers that one)."""

import json
import os
import time
import uuid
from pathlib import Path

from django.core.management import call_command

from hub.processes import LocalProcess, ProcessState, alive
from hub.redis_node import LocalRedis, ping


def test_redis_start_status_stop(capsys, tmp_path, monkeypatch):
    """`redis start` prints the URL to export and records the server,
    `status --json` finds it, `stop` ends it and removes its files."""
    monkeypatch.setenv("HUB_STATE_DIR", str(tmp_path))
    name = f"t{uuid.uuid4().hex[:6]}"
    server = LocalRedis(name)
    try:
        call_command("redis", "start", "--name", name)
        state = server.running()
        assert state is not None and ping(state.port)
        assert (tmp_path / f"redis-{name}.json").exists()
        assert f"export HUB_REDIS_URL={state.url}" in capsys.readouterr().out

        # A second start returns the same server.
        assert server.start().pid == state.pid

        call_command("redis", "status", "--name", name, "--json")
        status = json.loads(capsys.readouterr().out)
        assert status == {
            "running": True,
            "url": f"redis://127.0.0.1:{state.port}/0",
            "pid": state.pid,
            "workdir": state.workdir,
        }

        call_command("redis", "stop", "--name", name)
        assert "Stopped" in capsys.readouterr().out
        assert server.running() is None
        assert not ping(state.port)
        assert not Path(state.workdir).exists()
        assert not (tmp_path / f"redis-{name}.json").exists()

        call_command("redis", "status", "--name", name, "--json")
        assert json.loads(capsys.readouterr().out) == {"running": False}
    finally:
        server.stop()


class Sleeper(LocalProcess):
    """A stand-in server: a shell (named after its work directory) waiting
    on a `sleep` child of the same process group."""

    kind = "sleeper"

    def start(self, workdir: Path) -> ProcessState:
        argv = ["sh", "-c", "sleep 300; :", str(workdir)]
        process = self._launch(argv, workdir, "out.log")
        state = ProcessState(self.name, process.pid, 0, str(workdir), 0.0)
        self._write_state(state)
        return state


def _group(pgid: int) -> set[int]:
    """The live processes of a process group."""
    pids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.add(int(stat.parent.name))
    return pids


def test_a_reused_pid_is_never_taken_for_the_server(tmp_path, monkeypatch):
    """A state file whose pid now belongs to another process (here the test
    itself) is not running, and `stop` does not signal that process."""
    monkeypatch.setenv("HUB_STATE_DIR", str(tmp_path))
    workdir = tmp_path / "work"
    workdir.mkdir()
    server = Sleeper("reused")
    server._write_state(ProcessState("reused", os.getpid(), 0, str(workdir), 0.0))
    assert server.running() is None
    assert server.stop(keep_data=True) is False  # we are still here
    assert workdir.exists()


def test_stop_ends_the_process_group_and_keeps_data_on_request(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_STATE_DIR", str(tmp_path))
    workdir = tmp_path / "work"
    workdir.mkdir()
    server = Sleeper("kept")
    state = server.start(workdir)
    deadline = time.monotonic() + 10
    while server.running() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # until the child has exec'd `sleep`
    assert server.running() == state
    while not (group := _group(state.pid)) - {state.pid}:
        time.sleep(0.05)  # until the shell has started `sleep`
    assert server.stop(keep_data=True) is True
    assert server.running() is None
    assert not any(alive(pid) for pid in group)  # a zombie has ended
    assert workdir.exists() and server.state() == state  # kept for a restart
    assert server.stop() is False  # nothing runs; now the files go
    assert not workdir.exists() and server.state() is None
