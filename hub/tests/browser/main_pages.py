"""The public pages that the quality gates (Lighthouse, the Nu HTML Checker)
audit: home, a member search with results, a member profile and an
experiment, as an anonymous visitor sees them."""

from pathlib import Path

from django.urls import reverse
from django.utils import translation

from hub.tests.browser.conftest import url
from members.models import Member
from projects.models import Project

SEARCH_QUERY = "logement"


def main_pages(lang: str) -> dict[str, str]:
    """Page name → path in `lang`, on the demo network."""
    member = Member.objects.published().order_by("pk").first()
    project = (
        Project.objects.published()
        .filter(partnerships__isnull=False)
        .distinct()
        .order_by("pk")
        .first()
    )
    assert member and project, "the demo network has no published member or project"
    with translation.override(lang):
        home = reverse("wagtail_serve", args=[""])
    return {
        "home": home,
        "member search": url("members:list", lang) + f"?q={SEARCH_QUERY}",
        "member profile": url("members:detail", lang, slug=member.slug),
        "experiment": url("projects:detail", lang, slug=project.slug),
    }


def media_on_disk(settings, root: Path) -> None:
    """Keep uploads and image renditions in `root`, which the live server
    serves under MEDIA_URL: the test settings keep them in memory, where the
    live server cannot find them (every image would be a 404)."""
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
