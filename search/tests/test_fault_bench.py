"""The short version of `make bench-faults`, run in `make test`.

`bench/faults.py --short` in its own process (it configures Django for the
servers' database, not the test database): a 3-node cluster, two gunicorn
servers sharing Redis, the worker and the scheduler, one node stopped, then
all, a few seconds each, then restarted on their data.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.elasticsearch


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    out = tmp_path_factory.mktemp("faults") / "faults.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "faults.py"), "--short"]
        + ["--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    print(result.stdout)
    assert out.exists(), result.stderr[-4000:]
    return json.loads(out.read_text())


def test_full_outage_loses_no_edit_and_serves_every_page(figures):
    """Every node down: 0 server errors on pages (search pages say search is
    unavailable, the API answers 503), 0 lost edits; once the cluster is back
    the index equals the database within 2 minutes, with no command typed
    (the scheduler's drain, run by the worker)."""
    assert figures["requests_all_down"] > 0
    assert figures["page_errors_all_down"] == 0, figures["examples"]
    assert figures["api_503_all_down"] + figures["unavailable_pages_all_down"] > 0
    assert figures["edits"] > 0 and figures["lost_edits"] == 0, figures["examples"]
    assert figures["worker_ran"]
    assert figures["consistent_after"] is not None
    assert figures["consistent_after"] < 120


def test_no_search_fails_while_one_node_is_down(figures):
    """With the elected master of three nodes stopped, every search the
    visitors make through both gunicorn servers is answered (by the two
    other nodes), from the moment the node is told to stop until the next
    one is; no page answers a server error."""
    assert figures["searches_one_down"] > 0
    assert figures["failed_searches_one_down"] == 0, figures["examples"]
    assert figures["page_errors_one_down"] == 0, figures["examples"]
    stops = [what for _, what in figures["events"] if what.startswith("stopping")]
    assert "the elected master" in stops[0] and len(stops) == 3
