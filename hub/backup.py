"""Back up and restore the whole site: database, uploaded files, search index.

`manage.py hub_backup --out DIR` writes, into DIR:

- `database.dump` (PostgreSQL: `pg_dump --format=custom`) or `database.sqlite3`
  (SQLite: an online copy through SQLite's backup API);
- `media/`, a copy of the uploaded images and documents (MEDIA_ROOT);
- an Elasticsearch snapshot of the site's indices (its prefix) in an `fs`
  repository when every node has `path.repo` (the local launcher sets it;
  docker-compose.prod.yml mounts a shared volume), else nothing: the index is
  rebuilt from the database on restore;
- `manifest.json`, saying what was written and when.

The snapshot is taken *before* the database dump, so whatever changed in
between is in the database: `hub_restore DIR` restores the database and the
files, then the snapshot (or rebuilds), then re-queues every record updated
since the snapshot began and every document the database no longer has, and
drains the outbox.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from elasticsearch.helpers import scan

from search.client import get_client, index_alias
from search.documents import DOCUMENTS
from search.services import index_rebuild, outbox_drain, outbox_enqueue

REPOSITORY = "hub-backups"
MANIFEST = "manifest.json"
# Clocks of the web machines and the one taking the snapshot may differ a bit.
CLOCK_MARGIN = timedelta(minutes=5)


class BackupError(RuntimeError):
    """A step failed; the message says which and why."""


@dataclass
class Manifest:
    created_at: str
    database: dict
    media: bool
    search: dict

    def write(self, directory: Path) -> None:
        (directory / MANIFEST).write_text(json.dumps(self.__dict__, indent=2) + "\n")

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        try:
            return cls(**json.loads((directory / MANIFEST).read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise BackupError(f"{directory} holds no readable {MANIFEST}.") from exc


# -- database ------------------------------------------------------------------


def _vendor() -> str:
    return connection.vendor


def _pg_env() -> tuple[list[str], dict]:
    db = connection.settings_dict
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError(
            f"{command[0]} is not installed (Debian: postgresql-client)."
        ) from exc
    if result.returncode:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def database_backup(directory: Path) -> dict:
    if _vendor() == "postgresql":
        args, env = _pg_env()
        target = directory / "database.dump"
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *args],
            env,
        )
        return {"engine": "postgresql", "file": target.name}
    if _vendor() == "sqlite":
        target = directory / "database.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
        copy.close()
        return {"engine": "sqlite", "file": target.name}
    raise BackupError(f"No backup method for the {_vendor()} database.")


def database_restore(directory: Path, info: dict) -> None:
    source = directory / info["file"]
    if info["engine"] != _vendor():
        raise BackupError(
            f"The backup holds a {info['engine']} database; this site runs {_vendor()}."
        )
    if info["engine"] == "postgresql":
        connection.close()
        args, env = _pg_env()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                str(source),
            ],
            env,
        )
    else:
        connection.ensure_connection()
        with sqlite3.connect(source) as backup:
            backup.backup(connection.connection)
        backup.close()
    connection.close()


def media_backup(directory: Path) -> bool:
    media = Path(settings.MEDIA_ROOT)
    if not media.is_dir():
        return False
    shutil.copytree(media, directory / "media", dirs_exist_ok=True)
    return True


def media_restore(directory: Path) -> None:
    source = directory / "media"
    if source.is_dir():
        shutil.copytree(source, Path(settings.MEDIA_ROOT), dirs_exist_ok=True)


# -- search index ----------------------------------------------------------------


def snapshot_repository(client) -> str | None:
    """Register the `fs` repository when every node has path.repo; its name."""
    nodes = client.nodes.info(metric="settings")["nodes"].values()
    repos = [n["settings"].get("path", {}).get("repo") for n in nodes]
    if not repos or not all(repos):
        return None
    client.snapshot.create_repository(
        name=REPOSITORY,
        repository={"type": "fs", "settings": {"location": REPOSITORY}},
    )
    return REPOSITORY


def _pattern() -> str:
    return f"{settings.HUB_INDEX_PREFIX}-*"


def search_backup(*, name: str) -> dict:
    client = get_client().options(request_timeout=600)
    repository = snapshot_repository(client)
    if repository is None:
        return {
            "method": "rebuild",
            "note": "No path.repo on the Elasticsearch nodes: restore rebuilds "
            "the index from the database.",
        }
    started = timezone.now()
    client.snapshot.create(
        repository=repository,
        snapshot=name,
        indices=[_pattern()],
        include_global_state=False,
        wait_for_completion=True,
    )
    return {
        "method": "snapshot",
        "repository": repository,
        "snapshot": name,
        "started_at": started.isoformat(),
    }


def search_restore(info: dict, *, rebuild: bool = False) -> str:
    """Bring the index back; then reconcile it with the restored database."""
    client = get_client().options(request_timeout=600)
    since = None
    if info.get("method") == "snapshot" and not rebuild:
        repository = snapshot_repository(client)
        if repository is None:
            raise BackupError(
                "The backup has an Elasticsearch snapshot but the nodes have no "
                "path.repo (or another one): use --rebuild."
            )
        client.indices.delete(
            index=_pattern(), ignore_unavailable=True, allow_no_indices=True
        )
        client.snapshot.restore(
            repository=repository,
            snapshot=info["snapshot"],
            indices=_pattern(),
            include_aliases=True,
            include_global_state=False,
            wait_for_completion=True,
        )
        client.cluster.health(index=_pattern(), wait_for_status="yellow", timeout="60s")
        since = parse_datetime(info["started_at"]) - CLOCK_MARGIN
        method = "snapshot"
    else:
        for document in DOCUMENTS:
            index_rebuild(document=document)
        method = "rebuild"
    _reconcile(client, since=since)
    report = outbox_drain(include_deferred=True)
    if report.errors:
        raise BackupError(f"Elasticsearch refused the drain: {report.errors[0]}")
    return method


def _reconcile(client, *, since) -> None:
    """Queue what the index may have wrong after the restore."""
    targets = []
    for document, doc_class in DOCUMENTS.items():
        live = set(doc_class.indexable().values_list("pk", flat=True))
        indexed = {
            int(hit["_id"])
            for hit in scan(
                client,
                index=index_alias(document),
                query={"_source": False},
                size=1000,
            )
        }
        stale = indexed ^ live
        if since is not None:
            model = doc_class.indexable().model
            stale |= set(
                model._default_manager.filter(updated_at__gte=since).values_list(
                    "pk", flat=True
                )
            )
        targets.extend((document, pk) for pk in sorted(stale))
    with transaction.atomic():
        outbox_enqueue(targets=targets)


# -- the whole site ---------------------------------------------------------------


def site_backup(directory: Path) -> Manifest:
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty.")
    now = timezone.now()
    search = search_backup(name=f"backup-{now:%Y%m%d-%H%M%S-%f}")
    manifest = Manifest(
        created_at=now.isoformat(),
        database=database_backup(directory),
        media=media_backup(directory),
        search=search,
    )
    manifest.write(directory)
    return manifest


def site_restore(directory: Path, *, rebuild: bool = False) -> tuple[Manifest, str]:
    manifest = Manifest.read(directory)
    database_restore(directory, manifest.database)
    if manifest.media:
        media_restore(directory)
    method = search_restore(manifest.search, rebuild=rebuild)
    # Pages and matches cached before the restore describe another state.
    for alias in ("pages", "matches"):
        caches[alias].clear()
    return manifest, method
