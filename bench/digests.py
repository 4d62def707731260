"""One week's digests for a generated network: time per member and memory.

    python bench/digests.py                      # 10,000 members, all digests
    python bench/digests.py --size 10000 --limit 2000   # the first 2,000 only
    python bench/digests.py --batch 1            # one digest at a time

Imports the generated network of `--size` members (`bench/generate.py`) into a
throwaway SQLite file, indexes it without embeddings under a fresh prefix on
`$ELASTICSEARCH_URL` (or a `bench` node started for the run), gives each
member an account managing it, then builds each account's digest
(`members.notifications.digest_build`, the matchmaking engine's experiments
and people with their reasons, new members in its sectors or commune, offers
about to expire, upcoming events, and the open calls that fit: three calls
are published, their fits computed once per language for the run as the
weekly job does), without sending. As the weekly job does, the members of
`DIGEST_BATCH` accounts are ranked in one round trip (per language), and a
digest's time counts its share of that (`--batch 1`: one at a time). Prints
the time per member (mean, p95) and the process's resident memory after the first
thousand members and at the end (the target: p95 under 50 ms, less than
100 MiB of growth). The indices are dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from itertools import islice
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _setup(size: int, seed: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings.dev")
    os.environ["DEBUG"] = "0"
    workdir = Path(tempfile.mkdtemp(prefix="hub-bench-digests-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'hub.db'}"
    os.environ["HUB_INDEX_PREFIX"] = f"bench-digests-{uuid.uuid4().hex[:6]}"
    os.environ["HUB_EMBEDDINGS"] = "0"
    os.environ.setdefault("HUB_SEARCH_TIMEOUT", "120")
    if not os.environ.get("ELASTICSEARCH_URL"):
        from search.node import LocalNode

        os.environ["ELASTICSEARCH_URL"] = LocalNode("bench").start().url
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from generate import network_files

    from members.models import ManagerRole, Member, MemberManager

    call_command("migrate", verbosity=0)
    members_path, projects_path = network_files(size=size, seed=seed)
    started = time.perf_counter()
    call_command(
        "hub_import",
        "--members",
        str(members_path),
        "--projects",
        str(projects_path),
        "--no-index",
        verbosity=0,
    )
    imported = time.perf_counter() - started
    started = time.perf_counter()
    call_command("search_rebuild", verbosity=0)
    indexed = time.perf_counter() - started
    User = get_user_model()
    pks = list(Member.objects.order_by("pk").values_list("pk", flat=True))
    User.objects.bulk_create(
        [User(username=f"bench-{pk}", email=f"bench-{pk}@example.org") for pk in pks],
        batch_size=2000,
    )
    users = dict(
        User.objects.filter(username__startswith="bench-").values_list("username", "pk")
    )
    MemberManager.objects.bulk_create(
        [
            MemberManager(
                member_id=pk, user_id=users[f"bench-{pk}"], role=ManagerRole.OWNER
            )
            for pk in pks
        ],
        batch_size=2000,
    )
    print(
        f"[{len(pks):,} members] imported in {imported:.0f} s, indexed in "
        f"{indexed:.0f} s",
        flush=True,
    )


def _calls_publish(day):
    """Three open calls, as editors publish them; their fits are computed once
    per language for the whole run, as the weekly job does."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from wagtail.models import Page

    from hub.models import CallIndexPage, CallPage
    from members.calls import CallFits

    root = Page.get_first_root_node()
    index = CallIndexPage(title="Calls", slug="bench-calls")
    root.add_child(instance=index)
    start = timezone.make_aware(datetime.combine(day, time()))
    for n, (title, keywords) in enumerate(
        [
            ("Energy renovation fund", "energy, housing, renovation"),
            ("Circular food logistics", "food, circular economy"),
            ("Work integration incubator", "work integration, training"),
        ]
    ):
        index.add_child(
            instance=CallPage(
                title=title,
                slug=f"bench-call-{n}",
                intro=f"A call about {keywords}.",
                keywords=keywords,
                deadline=start + timedelta(days=30),
            )
        )
    return CallFits(now=start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--limit", type=int, help="Build only the first N digests.")
    parser.add_argument("--day", default="2026-03-02")
    parser.add_argument(
        "--batch",
        type=int,
        help="Rank the members of this many accounts in one round trip "
        "(default: DIGEST_BATCH, as the weekly job does); a digest's time then "
        "counts its share of its batch's rankings. 1: one by one.",
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    _setup(args.size, args.seed)

    from datetime import date

    from django.contrib.auth import get_user_model
    from django.utils import translation

    from members.accounts import account_language
    from members.notifications import (
        DIGEST_BATCH,
        digest_build,
        digest_rankings,
        newcomers_of_week,
        upcoming_events,
    )
    from search.indices import indices_drop

    day = date.fromisoformat(args.day)
    batch_size = args.batch or DIGEST_BATCH
    calls = _calls_publish(day)
    newcomers = newcomers_of_week(day)
    # The upcoming events, read once per language as `digests_send` does.
    events: dict[str, list] = {}
    users = get_user_model().objects.filter(username__startswith="bench-")
    users = users.select_related("account_settings").order_by("pk")
    if args.limit:
        users = users[: args.limit]
    times, items, rss = [], 0, {}
    rss["start"] = _rss_mib()
    accounts = users.iterator(chunk_size=500)
    n = 0
    try:
        while batch := list(islice(accounts, batch_size)):
            shared = 0.0
            rankings = None
            if batch_size > 1:
                started = time.perf_counter()
                rankings = digest_rankings(batch)
                shared = (time.perf_counter() - started) * 1000 / len(batch)
            for user in batch:
                n += 1
                started = time.perf_counter()
                language = account_language(user)
                with translation.override(language):
                    if language not in events:
                        events[language] = upcoming_events(day)
                    digest = digest_build(
                        user=user,
                        day=day,
                        events=events[language],
                        calls=calls,
                        newcomers=newcomers,
                        rankings=rankings,
                    )
                times.append((time.perf_counter() - started) * 1000 + shared)
                items += len(digest.items)
                if n == 1000:
                    rss["after_1000"] = _rss_mib()
                if n % 1000 == 0:
                    print(
                        f"  {n:,} digests, mean {statistics.fmean(times):.1f} ms, "
                        f"RSS {_rss_mib():.0f} MiB",
                        flush=True,
                    )
    finally:
        indices_drop()
    rss["end"] = _rss_mib()
    times.sort()
    result = {
        "digests": len(times),
        "mean_ms": statistics.fmean(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "items_per_digest": items / max(len(times), 1),
        "rss_mib": rss,
        "growth_after_first_1000_mib": rss["end"] - rss.get("after_1000", rss["end"]),
    }
    print(
        f"{result['digests']:,} digests: {result['mean_ms']:.1f} ms per member "
        f"(p95 {result['p95_ms']:.1f} ms), {result['items_per_digest']:.1f} items "
        f"each; RSS {rss['start']:.0f} MiB at start, "
        f"{rss.get('after_1000', float('nan')):.0f} MiB after 1,000, "
        f"{rss['end']:.0f} MiB at the end (growth after the first thousand "
        f"{result['growth_after_first_1000_mib']:.0f} MiB)",
        flush=True,
    )
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
