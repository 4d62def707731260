"""The Nu HTML Checker (the W3C's "vnu"), run locally on saved pages.

Maven Central publishes the checker as `nu.validator:validator` with its
dependencies as separate jars; the classpath below is what Maven resolves for
it, pinned with the SHA-1 sums Maven Central lists. The jars are cached
outside the work tree, next to the Elasticsearch distribution.

The test session blocks every address beyond this machine, so the jars are
fetched before pytest starts: `make install` runs
`python -m hub.tests.browser.validator fetch`. Like `search/node.py`, this
module does not import Django.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from search.node import (
    MAVEN_REPOSITORY,
    NodeError,
    cache_dir,
    download,
    file_digest,
    find_java_home,
)

VNU_VERSION = "26.5.2"
MAIN_CLASS = "nu.validator.client.SimpleCommandLineValidator"
# `mvn dependency:list` on nu.validator:validator:26.5.2 (compile scope).
CLASSPATH = [
    (
        "nu.validator",
        "validator",
        VNU_VERSION,
        "c03b098f717c43c3e2b69177606128e3b7c2d800",
    ),
    ("com.ibm.icu", "icu4j", "75.1", "e8f8dcc2967f5ec2cfae185172293adfa5599b78"),
    (
        "commons-codec",
        "commons-codec",
        "1.15",
        "49d94806b6e3dc933dacbd8acb0fdbab8ebd1e5d",
    ),
    ("commons-io", "commons-io", "2.15.1", "f11560da189ab563a5c8e351941415430e9304ea"),
    (
        "commons-logging",
        "commons-logging",
        "1.2",
        "4bfc12adfe4842bf07b657f0369c4cb522955686",
    ),
    ("isorelax", "isorelax", "20030108", "b21859c352bd959ea22d06b2fe8c93b2e24531b9"),
    ("log4j", "log4j", "1.2.17", "5af35056b4d257e4b64b9e8069c0746e8b08629f"),
    ("net.sf.saxon", "Saxon-HE", "9.6.0-4", "5f94b2ac10eab043e1ad90d05f5bc34727bd94c6"),
    (
        "org.apache.commons",
        "commons-fileupload2-core",
        "2.0.0-M2",
        "5b16aec91c2e0b0e6052bff9795045c2704f6ca7",
    ),
    (
        "org.apache.commons",
        "commons-fileupload2-jakarta-servlet5",
        "2.0.0-M2",
        "6ee9c530b6e62bb4d1b85941083e0b59d637a41a",
    ),
    (
        "org.apache.commons",
        "commons-lang3",
        "3.14.0",
        "1ed471194b02f2c6cb734a0cd6f6f107c673afae",
    ),
    (
        "org.apache.commons",
        "commons-text",
        "1.12.0",
        "66aa90dc099701c4d3b14bd256c328f592ccf0d6",
    ),
    (
        "org.eclipse.jetty",
        "jetty-alpn-client",
        "11.0.20",
        "3d7db102a28e0bc7d5a2ecbb6ae65f1a8d9fa940",
    ),
    (
        "org.eclipse.jetty",
        "jetty-client",
        "11.0.20",
        "5ce72de54e8b4314ef3baef2e8d691da6cdfeb9c",
    ),
    (
        "org.eclipse.jetty",
        "jetty-http",
        "11.0.20",
        "1673815598a7932110813edbcd9b5be6f354937b",
    ),
    (
        "org.eclipse.jetty",
        "jetty-io",
        "11.0.20",
        "2095d70a6089a6af5ad22d3c8ea0887e3d56f776",
    ),
    (
        "org.eclipse.jetty",
        "jetty-security",
        "11.0.20",
        "610df128b530f3edde46f784b42aa60bd46375c5",
    ),
    (
        "org.eclipse.jetty",
        "jetty-server",
        "11.0.20",
        "4b42686cc172c2dc68014ae62800ba49cef1fc68",
    ),
    (
        "org.eclipse.jetty",
        "jetty-servlets",
        "11.0.20",
        "eb12a47d1c244a7392390b04ac5523fe925e501c",
    ),
    (
        "org.eclipse.jetty",
        "jetty-util",
        "11.0.20",
        "6b72e01745c0fa15037d034ae699b059180862d9",
    ),
    (
        "org.eclipse.jetty.toolchain",
        "jetty-jakarta-servlet-api",
        "5.0.2",
        "027fce6d666a203526236d33d00e202a4136230f",
    ),
    (
        "org.glassfish",
        "javax.json",
        "1.1.4",
        "943f240a509d3c70b448a55c6735591ecbd37c88",
    ),
    (
        "org.htmlunit",
        "htmlunit-csp",
        "4.22.0",
        "e0eb7a83a3a17f8441694fa836e76c0f3078601a",
    ),
    ("org.slf4j", "slf4j-api", "2.0.9", "7cf2726fdcfbc8610f9a71fb3ed639871f315340"),
]


class ValidatorError(RuntimeError):
    """The checker cannot be fetched or run; the message says why."""


@dataclass(frozen=True)
class Message:
    """One message of the checker about one file."""

    path: str
    type: str
    message: str
    line: int | None
    extract: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message} [{self.extract.strip()}]"


def jar_dir() -> Path:
    return cache_dir() / "vnu" / VNU_VERSION


def fetched() -> bool:
    return (jar_dir() / ".verified").exists()


def ensure_jars(*, log=print) -> Path:
    """Return the directory of the checker's jars, fetching and verifying each
    once against its pinned SHA-1."""
    root = jar_dir()
    if fetched():
        return root
    root.mkdir(parents=True, exist_ok=True)
    repository = os.environ.get("HUB_MAVEN_REPOSITORY", MAVEN_REPOSITORY).rstrip("/")
    for group, artifact, version, sha1 in CLASSPATH:
        name = f"{artifact}-{version}.jar"
        jar = root / name
        if jar.exists() and file_digest(jar, "sha1") == sha1:
            continue
        url = f"{repository}/{group.replace('.', '/')}/{artifact}/{version}/{name}"
        log(f"Downloading {url}")
        try:
            download(url, jar)
        except NodeError as exc:
            raise ValidatorError(str(exc)) from exc
        actual = file_digest(jar, "sha1")
        if actual != sha1:
            jar.unlink(missing_ok=True)
            raise ValidatorError(
                f"Checksum mismatch for {name}: expected {sha1}, got {actual}."
            )
    (root / ".verified").touch()
    return root


def java_path() -> Path:
    try:
        return find_java_home() / "bin" / "java"
    except NodeError as exc:
        raise ValidatorError(f"The Nu HTML Checker needs Java: {exc}") from exc


def check(paths: list[Path], *, timeout: int = 300) -> list[Message]:
    """Every message of the checker on the given HTML files, in one run.

    Needs the jars already fetched: the test session cannot download them.
    """
    if not fetched():
        raise ValidatorError(
            f"The Nu HTML Checker {VNU_VERSION} is not in {jar_dir()}: run "
            "`make install` (python -m hub.tests.browser.validator fetch)."
        )
    command = [
        os.fspath(java_path()),
        "-cp",
        os.fspath(jar_dir() / "*"),
        MAIN_CLASS,
        "--format",
        "json",
        "--stdout",
        *(os.fspath(p) for p in paths),
    ]
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ValidatorError(f"The Nu HTML Checker did not run: {exc}") from exc
    try:
        report = json.loads(out.stdout)
    except json.JSONDecodeError as exc:
        raise ValidatorError(
            f"The Nu HTML Checker printed no report (exit {out.returncode}): "
            f"{out.stderr[-2000:]}"
        ) from exc
    return [
        Message(
            path=m.get("url", "").removeprefix("file:"),
            type=m.get("subType") or m["type"],
            message=m.get("message", ""),
            line=m.get("lastLine"),
            extract=m.get("extract", ""),
        )
        for m in report["messages"]
    ]


def errors(messages: list[Message]) -> list[Message]:
    """Errors, fatal ones, and files the checker could not read; warnings and
    notes are left out."""
    return [m for m in messages if m.type in {"error", "fatal", "non-document-error"}]


def main(argv: list[str]) -> int:
    usage = "usage: python -m hub.tests.browser.validator fetch | check FILE..."
    if not argv or argv[0] not in {"fetch", "check"}:
        print(usage, file=sys.stderr)
        return 2
    try:
        if argv[0] == "fetch":
            print(f"Nu HTML Checker {VNU_VERSION}: {ensure_jars()}")
            return 0
        found = check([Path(p) for p in argv[1:]])
    except ValidatorError as exc:
        print(exc, file=sys.stderr)
        return 1
    for message in found:
        print(f"{message.type}: {message}")
    return 1 if errors(found) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
