"""Load the demo network from the JSON files beside this module (idempotent)."""

import json
from functools import partial
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from events.demo import matchmaking_demo_load
from hub.demo.images import MEMBERS_COLLECTION, demo_image, illustration, logo
from hub.taxonomy import Discipline, Sector
from members.importing import network_import
from members.models import Member
from projects.models import Project

DEMO_DIR = Path(__file__).resolve().parent
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "hub-demo-admin"  # noqa: S105 - a local demo login, printed by make run


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def demo_load(*, with_admin: bool = True) -> list[str]:
    report = []
    with transaction.atomic():
        report.append(taxonomy_load())
        report.append(network_load())
        report.append(network_pictures_load())
        try:
            from hub.demo.editorial import editorial_load
        except ImportError:
            editorial_load = None
        if editorial_load:
            report.append(
                editorial_load(json.loads((DEMO_DIR / "editorial.json").read_text()))
            )
        report.append(matchmaking_demo_load())
        if with_admin:
            report.append(admin_ensure())
    return report


def taxonomy_load() -> str:
    data = json.loads((DEMO_DIR / "taxonomy.json").read_text(encoding="utf-8"))
    for model, key in ((Sector, "sectors"), (Discipline, "disciplines")):
        for term in data[key]:
            model.objects.update_or_create(
                slug=term["slug"],
                defaults={f"name_{lang}": term[lang] for lang in ("en", "fr", "nl")},
            )
    sectors, disciplines = len(data["sectors"]), len(data["disciplines"])
    return f"taxonomy: {sectors} sectors, {disciplines} disciplines"


def network_load() -> str:
    report = network_import(
        members_path=DEMO_DIR / "members.jsonl",
        projects_path=DEMO_DIR / "projects.jsonl",
    )
    return (
        f"network: {report.members_created} members created, "
        f"{report.members_updated} updated; {report.projects_created} experiments "
        f"created, {report.projects_updated} updated"
    )


def network_pictures_load() -> str:
    """Logos for most demo organisations and an illustration per experiment.

    People and one organisation in six keep the initials placeholder, so the
    demo shows both. Written with `update()`: a picture changes nothing that
    search indexes, so no outbox entry is needed.
    """
    logos = pictures = 0
    members = Member.objects.filter(
        external_id__startswith="demo:", is_organisation=True
    )
    for member in members.only("pk", "name", "slug", "logo_id", "external_id"):
        if sum(member.external_id.encode()) % 6 == 0:
            continue
        image = demo_image(
            partial(logo, member.external_id, member.name),
            title=f"Logo: {member.name}",
            collection=MEMBERS_COLLECTION,
        )
        if member.logo_id != image.pk:
            Member.objects.filter(pk=member.pk).update(logo=image)
        logos += 1
    projects = Project.objects.filter(external_id__startswith="demo:")
    for project in projects.only("pk", "title", "image_id", "external_id"):
        image = demo_image(
            partial(illustration, project.external_id),
            title=f"Experiment: {project.title}",
        )
        if project.image_id != image.pk:
            Project.objects.filter(pk=project.pk).update(image=image)
        pictures += 1
    return f"pictures: {logos} logos, {pictures} experiment illustrations"


def admin_ensure() -> str:
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=ADMIN_USERNAME,
        defaults={
            "email": "admin@hub.example.org",
            "is_staff": True,
            "is_superuser": True,
        },
    )
    if created:
        user.set_password(ADMIN_PASSWORD)
        user.save()
        return f"admin: created {ADMIN_USERNAME} / {ADMIN_PASSWORD}"
    return f"admin: {ADMIN_USERNAME} exists (password unchanged)"
