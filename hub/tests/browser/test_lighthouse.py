"""Lighthouse on the main public pages, on Debian's Chromium.

Gates: accessibility 100, best practices 95, SEO 95; performance is reported
only (two shared cores make it noise). English by default; `make lighthouse`
sets HUB_LIGHTHOUSE_LANGUAGES=en,fr,nl and prints the table for all three.
"""

import json
import os
import re
import shutil
import subprocess

import pytest

from hub.tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, IN_CI, ROOT
from hub.tests.browser.main_pages import main_pages, media_on_disk

pytestmark = pytest.mark.browser

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
GATES = {"accessibility": 100, "best-practices": 95, "seo": 95}
CATEGORIES = [*GATES, "performance"]


def languages() -> list[str]:
    value = os.environ.get("HUB_LIGHTHOUSE_LANGUAGES", "en")
    return [code.strip() for code in value.split(",") if code.strip()]


@pytest.fixture(scope="session")
def lighthouse_cli():
    """Lighthouse from node_modules (`make install`) and Debian's Chromium,
    never a downloaded browser. Outside CI a missing one skips; in CI it
    fails."""
    missing = [
        reason
        for ok, reason in [
            (LIGHTHOUSE.exists(), f"{LIGHTHOUSE} is missing: run `make install`"),
            (shutil.which("node"), "node is missing (apt-get install nodejs)"),
            (os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing"),
        ]
        if not ok
    ]
    if missing and IN_CI:
        pytest.fail(f"Lighthouse is required in CI: {missing}", pytrace=False)
    if missing:
        pytest.skip("; ".join(missing))


@pytest.fixture
def media(settings, tmp_path_factory):
    """Images served by the live server, before the demo loads them."""
    media_on_disk(settings, tmp_path_factory.mktemp("media"))


# Lighthouse's own "please run Lighthouse again" errors: the trace or the first
# paint was not recorded on a busy machine, which says nothing of the page.
TRACE_ERRORS = ("NO_NAVSTART", "NO_FCP", "NO_LCP", "PROTOCOL_TIMEOUT", "PAGE_HUNG")
RUNS = 3


def lighthouse_run(address: str, report) -> dict:
    """Lighthouse's JSON report on one address (a fresh Chromium profile, as
    an anonymous visitor). A run lost to a trace error is run again, at most
    three runs in all; any other failure fails at once."""
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    command = [
        os.fspath(LIGHTHOUSE),
        address,
        f"--chrome-flags={flags}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        f"--output-path={report}",
        "--quiet",
    ]
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    for run in range(1, RUNS + 1):
        report.unlink(missing_ok=True)
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=300
        )
        result = json.loads(report.read_text()) if report.exists() else {}
        error = (result.get("runtimeError") or {}).get("code") or next(
            (code for code in TRACE_ERRORS if f"({code})" in done.stderr), None
        )
        if error in TRACE_ERRORS and run < RUNS:
            continue
        break
    assert done.returncode == 0 and report.exists(), (
        f"Lighthouse failed on {address} (exit {done.returncode}, "
        f"{run} run(s)): {done.stderr[-3000:]}"
    )
    if result.get("runtimeError"):
        pytest.fail(f"Lighthouse on {address}: {result['runtimeError']}")
    return result


def scores(result: dict) -> dict[str, int | None]:
    return {
        name: None
        if result["categories"][name]["score"] is None
        else round(result["categories"][name]["score"] * 100)
        for name in CATEGORIES
    }


def failing_audits(result: dict, category: str) -> list[str]:
    """The audits that cost the category points: "id: title (score)"."""
    audits = result["audits"]
    lines = []
    for ref in result["categories"][category]["auditRefs"]:
        audit = audits[ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
            items = audit.get("details", {}).get("items", [])
            where = [
                item.get("node", {}).get("selector") or item.get("url") or ""
                for item in items[:3]
            ]
            where = [w for w in where if w]
            lines.append(
                f"{audit['id']}: {audit['title']} (score {audit['score']:.2f})"
                + (f" at {', '.join(where)}" if where else "")
            )
    return lines


def table(lang: str, found: dict[str, dict]) -> str:
    width = max(len(name) for name in found) + 2
    header = f"Lighthouse ({lang})".ljust(width) + "".join(
        name.rjust(16) for name in CATEGORIES
    )
    rows = [
        name.ljust(width)
        + "".join(str(s if s is not None else "-").rjust(16) for s in row.values())
        for name, row in found.items()
    ]
    return "\n".join([header, *rows])


@pytest.mark.parametrize("lang", languages())
def test_main_pages_pass_lighthouse(
    lighthouse_cli, media, demo_site, live_server, tmp_path, capsys, lang
):
    """Home, a member search with results, a member profile and an experiment,
    as an anonymous visitor: accessibility 100, best practices and SEO at
    least 95. The scores table is printed whatever the outcome; a failure
    lists, per page and category, each audit that lost points."""
    found, failures = {}, []
    for name, path in main_pages(lang).items():
        report = tmp_path / (re.sub(r"\W+", "-", name) + ".json")
        result = lighthouse_run(live_server.url + path, report)
        found[name] = scores(result)
        for category, minimum in GATES.items():
            score = found[name][category]
            if score is None or score < minimum:
                failures.append(f"{name} ({path}) {category} {score} < {minimum}:")
                failures.extend(
                    f"    {line}" for line in failing_audits(result, category)
                )
    summary = table(lang, found)
    with capsys.disabled():
        print(f"\n{summary}\n")
    assert not failures, (
        f"{summary}\n\nLighthouse gates not met (reports in {tmp_path}):\n"
        + "\n".join(failures)
    )
