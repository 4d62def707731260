"""The local Elasticsearch launcher."""

import json
import urllib.request
import uuid
from pathlib import Path

from django.core.management import call_command

import pytest

from search.node import LocalNode, NodeError, find_java_home


def test_java_17_or_newer_is_found():
    """On this machine a JDK 17+ exists and is picked."""
    home = find_java_home()
    assert (home / "bin" / "java").exists()


def test_missing_java_is_explained(tmp_path):
    """With no JDK anywhere the error names what was looked at and what to do."""
    with pytest.raises(NodeError) as excinfo:
        find_java_home(environ={"PATH": str(tmp_path)}, jvm=tmp_path / "none")
    message = str(excinfo.value)
    assert "Java 17" in message and "ES_JAVA_HOME" in message


def test_a_too_old_java_is_refused(tmp_path):
    """A JAVA_HOME whose java reports version 11 is not accepted."""
    fake = tmp_path / "jdk11" / "bin"
    fake.mkdir(parents=True)
    (fake / "java").write_text(
        "#!/bin/sh\necho '    java.specification.version = 11' >&2\n"
    )
    (fake / "java").chmod(0o755)
    with pytest.raises(NodeError):
        find_java_home(
            environ={"JAVA_HOME": str(fake.parent), "PATH": str(tmp_path)},
            jvm=tmp_path / "none",
        )


def test_start_status_stop_a_second_node(elasticsearch_url, capsys):
    """`elasticsearch start|status|stop` manage their own node only.

    Stopping the second node leaves the session's node serving.
    """
    name = f"t{uuid.uuid4().hex[:6]}"
    node = LocalNode(name)
    try:
        call_command("elasticsearch", "start", "--name", name)
        state = node.running()
        assert state is not None
        assert f"is up at {state.url}" in capsys.readouterr().out

        call_command("elasticsearch", "status", "--name", name, "--json")
        status = json.loads(capsys.readouterr().out)
        assert status["running"] and status["health"]["status"] in ("green", "yellow")
        assert status["version"].startswith("8.19.")

        call_command("elasticsearch", "stop", "--name", name)
        assert node.running() is None
        assert not node._owns(state)
        assert not Path(state.workdir).exists()
        with pytest.raises(OSError):
            urllib.request.urlopen(f"{state.url}/_cluster/health", timeout=2)
    finally:
        node.stop()
    # The session's node is untouched.
    with urllib.request.urlopen(f"{elasticsearch_url}/_cluster/health") as response:
        assert json.loads(response.read())["status"] in ("green", "yellow")
