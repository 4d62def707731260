"""Screenshots of the network views: the maps, a profile's graph and the
editors' network health page (run by `make screenshots` after the others).

    python bench/network_screenshots.py

Same set-up as bench/screenshots.py (the demo in a throwaway database and
index prefix, Django's live-server thread, Debian's Chromium), plus a
superuser for the Wagtail admin.
"""

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _setup import ROOT, bench_environment  # noqa: E402
from screenshots import CHROMIUM, CHROMIUM_ARGS, OUT, demo_prepare  # noqa: E402

EDITOR = "network-editor"
PASSWORD = "screenshots-Pa55word"  # noqa: S105 - a throwaway local account


def _busiest_member():
    from members.models import Member
    from search.graph import collaboration_graph

    graph = collaboration_graph()
    busiest = max(graph.projects_of, key=lambda m: len(graph.neighbours(m)))
    return Member.objects.get(pk=busiest)


def _url(name, lang, **kwargs):
    from django.urls import reverse
    from django.utils import translation

    with translation.override(lang):
        return reverse(name, kwargs=kwargs or None)


def main():
    started = time.monotonic()
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop
    os.environ.setdefault("HUB_EMBEDDINGS", "false")
    bench_environment("network-screenshots")
    from django.contrib.auth import get_user_model
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    from playwright.sync_api import sync_playwright

    demo_prepare()
    get_user_model().objects.create_superuser(
        username=EDITOR, email="editor@hub.example.org", password=PASSWORD
    )
    member = _busiest_member()
    server = LiveServerThread("localhost", StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    OUT.mkdir(parents=True, exist_ok=True)
    saved = []
    # (file name, path, viewport, what to capture: "page", "full" or a selector)
    shots = [
        ("map-members-en-desktop", _url("members_map", "en"), (1366, 900), "full"),
        (
            "map-members-fr-desktop",
            _url("members_map", "fr") + "?kind=entrepreneur&commune=bruxelles",
            (1366, 900),
            "full",
        ),
        ("map-projects-nl-mobile", _url("projects_map", "nl"), (360, 780), "full"),
        (
            "profile-graph-en-desktop",
            _url("members:detail", "en", slug=member.slug),
            (1366, 900),
            "section.network-graph",
        ),
        (
            "profile-graph-nl-mobile",
            _url("members:detail", "nl", slug=member.slug),
            (360, 780),
            "section.network-graph",
        ),
        ("network-health-en-desktop", "/admin/network/", (1366, 900), "full"),
    ]
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
            for stem, path, (width, height), capture in shots:
                context = browser.new_context(
                    base_url=f"http://localhost:{server.port}",
                    viewport={"width": width, "height": height},
                )
                page = context.new_page()
                if path.startswith("/admin/"):
                    page.goto("/admin/login/")
                    page.locator("input[name=username]").fill(EDITOR)
                    page.locator("input[name=password]").fill(PASSWORD)
                    page.locator("input[name=password]").press("Enter")
                    page.wait_for_load_state()
                page.goto(path)
                page.wait_for_load_state("networkidle")
                target = OUT / f"{stem}.png"
                if capture in ("page", "full"):
                    page.screenshot(path=target, full_page=capture == "full")
                else:
                    page.locator(capture).screenshot(path=target)
                saved.append(target)
                context.close()
            browser.close()
    finally:
        server.terminate()
    for path in saved:
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KiB")
    print(f"{len(saved)} screenshots in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
