"""Export members and projects in the import format (public data by default)."""

import json
from pathlib import Path

from django.db.models import Prefetch

from members.models import Member, Visibility
from projects.models import NeedStatus, Project, ProjectNeed, ProjectPartner

# Import keys guarded by a profile section's visibility.
SECTION_KEYS = {
    "location": ["commune", "city", "postcode", "country"],
    "website": ["website"],
    "skills": ["skills"],
    "offers": ["offers"],
    "seeks": ["seeks"],
    "languages": ["languages"],
}


def member_row(member: Member, *, private: bool) -> dict:
    row = {
        "id": member.external_id or f"hub:{member.slug}",
        "name": member.name,
        "kind": member.kind,
        "is_organisation": member.is_organisation,
        "legal_form": member.legal_form,
        "headline": member.headline,
        "description": member.description,
        "sectors": [s.slug for s in member.sectors.all()],
        "disciplines": [d.slug for d in member.disciplines.all()],
        "skills": member.skills,
        "offers": [o.text for o in member.offers.all() if not o.is_expired],
        "seeks": [
            {"text": s.text, **({"kind": s.kind} if s.kind else {})}
            for s in member.seeks.all()
            if not s.is_expired
        ],
        "languages": member.languages,
        "commune": member.commune,
        "city": member.city,
        "postcode": member.postcode,
        "country": member.country,
        "website": member.website,
        "sme": member.sme,
    }
    if private:
        row.update(email=member.email, phone=member.phone)
    else:
        for section, keys in SECTION_KEYS.items():
            if member.visibility_of(section) != Visibility.PUBLIC:
                for key in keys:
                    row.pop(key, None)
    return {k: v for k, v in row.items() if v not in ("", None, [])}


def project_row(project: Project, *, private: bool) -> dict:
    partners = [
        p
        for p in project.partnerships.all()
        if private or (p.confirmed and p.member.is_public)
    ]
    row = {
        "id": project.external_id or f"hub:{project.slug}",
        "title": project.title,
        "summary": project.summary,
        "description": project.description,
        "keywords": project.keywords,
        "sectors": [s.slug for s in project.sectors.all()],
        "disciplines": [d.slug for d in project.disciplines.all()],
        "stage": project.stage,
        "status": project.status,
        "start_date": project.start_date.isoformat() if project.start_date else None,
        "end_date": project.end_date.isoformat() if project.end_date else None,
        "commune": project.commune,
        "city": project.city,
        "country": project.country,
        "languages": project.languages,
        "sdgs": project.sdgs,
        "partners": [
            {
                "member": p.member.external_id or f"hub:{p.member.slug}",
                "role": p.role,
            }
            for p in partners
        ],
        "needs": [
            {"kind": n.kind, "text": n.text} if n.kind else {"text": n.text}
            for n in project.needs.all()
            if private or n.status == NeedStatus.OPEN
        ],
    }
    return {k: v for k, v in row.items() if v not in ("", None, [])}


def network_export(*, out: Path, private: bool = False) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    members = Member.objects.all() if private else Member.objects.published()
    members = members.prefetch_related("sectors", "disciplines", "offers", "seeks")
    projects = Project.objects.all() if private else Project.objects.published()
    projects = projects.prefetch_related(
        "sectors",
        "disciplines",
        Prefetch("needs", queryset=ProjectNeed.objects.order_by("id")),
        Prefetch(
            "partnerships",
            queryset=ProjectPartner.objects.select_related("member").order_by("id"),
        ),
    )
    counts = {}
    for name, queryset, to_row in (
        ("members", members, member_row),
        ("projects", projects, project_row),
    ):
        n = 0
        with open(out / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for obj in queryset.order_by("pk").iterator(chunk_size=2000):
                f.write(json.dumps(to_row(obj, private=private), ensure_ascii=False))
                f.write("\n")
                n += 1
        counts[name] = n
    return counts
