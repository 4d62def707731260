"""`make bench`: every benchmark at every size, then docs/benchmarks.md and plots.

    python bench/run.py                          # 10k, 30k, 100k members
    BENCH_SIZES=10000 python bench/run.py         # a quick run
    python bench/run.py --sizes 10000,30000 --duration 30 --soak 0

For each size, smallest first: `generate.py` (cached under BENCH_DATA_DIR),
`indexing.py`, `serving.py` (the largest size runs its concurrency-8 level as
the soak of `--soak` seconds, 600 by default, for the memory check) and
`side_by_side.py`; results go to docs/benchmarks/results/<step>-<size>.json
and `report.py` rewrites docs/benchmarks.md and the plots after every size,
so an interrupted run still documents the sizes it finished. The machine's
load average is recorded before and after each step: the figures of a shared
machine are only comparable with that beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = ROOT / "docs" / "benchmarks" / "results"


def step(name: str, size: int, args: list[str], log: dict) -> None:
    load_before = os.getloadavg()
    started = time.perf_counter()
    print(f"== {name} at {size:,} members", flush=True)
    # A failed step is recorded and the run goes on with the next one.
    status = subprocess.run([sys.executable, str(HERE / f"{name}.py"), *args])
    if status.returncode:
        print(f"!! {name} at {size:,} members failed ({status.returncode})")
    log[f"{name}-{size}"] = {
        "returncode": status.returncode,
        "seconds": time.perf_counter() - started,
        "load_before": load_before,
        "load_after": os.getloadavg(),
    }
    (RESULTS / "steps.json").write_text(json.dumps(log, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default=os.environ.get("BENCH_SIZES", "10000,30000,100000")
    )
    parser.add_argument(
        "--duration", default=os.environ.get("BENCH_DURATION", "60"), type=str
    )
    parser.add_argument("--soak", default=os.environ.get("BENCH_SOAK", "600"))
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    RESULTS.mkdir(parents=True, exist_ok=True)
    steps_file = RESULTS / "steps.json"
    log = json.loads(steps_file.read_text()) if steps_file.exists() else {}
    sys.path.insert(0, str(ROOT))
    from search.node import LocalNode

    # One node for the whole run; the steps find it through the environment.
    os.environ.setdefault("ELASTICSEARCH_URL", LocalNode("bench").start().url)
    for size in sizes:
        workdir = Path(os.environ.get("BENCH_WORK_DIR", "/tmp/hub-bench-run")) / str(
            size
        )
        shutil.rmtree(workdir, ignore_errors=True)
        common = ["--workdir", str(workdir)]
        step(
            "indexing",
            size,
            [str(size), *common, "--out", str(RESULTS / f"indexing-{size}.json")],
            log,
        )
        # The editors' network view, the profile graph and the map, on the
        # database and index indexing.py left.
        step(
            "network",
            size,
            [*common, "--out", str(RESULTS / f"network-{size}.json")],
            log,
        )
        soak = args.soak if size == sizes[-1] else "0"
        step(
            "serving",
            size,
            [
                *common,
                "--out",
                str(RESULTS / f"serving-{size}.json"),
                "--duration",
                args.duration,
                "--soak",
                soak,
            ],
            log,
        )
        # Rankings from scratch over 200 distinct records a direction.
        step(
            "cold_rankings",
            size,
            [*common, "--out", str(RESULTS / f"cold-{size}.json")],
            log,
        )
        step(
            "side_by_side",
            size,
            [
                *common,
                "--size",
                str(size),
                "--out",
                str(RESULTS / f"side-{size}.json"),
                *(["--no-postgres"] if args.no_postgres else []),
            ],
            log,
        )
        if (workdir / "state.json").exists():
            state = json.loads((workdir / "state.json").read_text())
            request = urllib.request.Request(
                f"{state['elasticsearch_url']}/{state['index_prefix']}-*",
                method="DELETE",
            )
            urllib.request.urlopen(request, timeout=60).close()
        shutil.rmtree(workdir, ignore_errors=True)
        subprocess.run([sys.executable, str(HERE / "report.py")], check=True)


if __name__ == "__main__":
    main()
