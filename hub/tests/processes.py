"""Sites run in processes of their own, for tests that need several
processes (web, worker) sharing a database, a Redis or a search node."""

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Site:
    """A site in a SQLite file with the development settings (tasks in the
    database), driven through `manage.py` and short scripts."""

    def __init__(self, tmp: Path, elasticsearch_url: str):
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("HUB_", "DJANGO_", "PYTEST", "DATABASE_"))
        } | {
            "DJANGO_SETTINGS_MODULE": "hub.settings.dev",
            "DATABASE_URL": f"sqlite:///{tmp / 'site.sqlite3'}",
            "ELASTICSEARCH_URL": elasticsearch_url,
            "HUB_EMBEDDINGS": "0",
            "HUB_PAGE_CACHE_DIR": str(tmp / "pages"),
            "HUB_MATCH_CACHE_DIR": str(tmp / "matches"),
            "DEBUG": "0",
        }

    def manage(self, *args, timeout=400, **env) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env | env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def python(self, code: str, **env):
        """Run `code` in the site; its variable `result` comes back as JSON."""
        script = (
            "import django, json\ndjango.setup()\n"
            + textwrap.dedent(code)
            + "\nprint('RESULT=' + json.dumps(result, default=str))\n"
        )
        out = self.manage_python(script, env)
        return json.loads(out.rsplit("RESULT=", 1)[1])

    def manage_python(self, script: str, env: dict) -> str:
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=self.env | env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def work(self, **env) -> str:
        """The real worker: run what is due, then exit."""
        return self.manage(
            "db_worker", "--batch", "--no-reload", "--no-startup-delay", **env
        )

    def gunicorn(self, **env) -> "Server":
        """A gunicorn web process on a free loopback port."""
        return Server(self.env | env)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "hub.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=5)
                return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.5)
        raise AssertionError(f"gunicorn on {self.port} did not start")

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)
