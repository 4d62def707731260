"""Import and export of members and projects in the JSON Lines format of
`spec/import-format.md`.

An import validates the whole file set first and writes nothing if any line is
invalid; then it writes in bulk, touching only records whose data changed, so
importing the same files twice changes nothing the second time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.db.models import Q

from hub.taxonomy import Commune, Discipline, Sector
from members.models import LegalForm, Member, MemberKind, Offer, Seek
from projects.models import (
    NeedStatus,
    PartnerRole,
    Project,
    ProjectNeed,
    ProjectPartner,
    ProjectStatus,
    Stage,
)

# CORDIS participant roles map onto ours.
ROLE_ALIASES = {
    "coordinator": PartnerRole.COORDINATOR,
    "partner": PartnerRole.PARTNER,
    "participant": PartnerRole.PARTNER,
    "beneficiary": PartnerRole.PARTNER,
    "associated": PartnerRole.ASSOCIATED,
    "associatedpartner": PartnerRole.ASSOCIATED,
    "thirdparty": PartnerRole.ASSOCIATED,
    "internationalpartner": PartnerRole.PARTNER,
}
LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
BATCH = 2000


@dataclass
class LineError:
    file: str
    line: int
    key: str
    reason: str

    def __str__(self):
        return f"{self.file}:{self.line}: {self.key}: {self.reason}"


class ImportRejected(Exception):
    def __init__(self, errors: list[LineError]):
        self.errors = errors
        shown = "\n".join(str(e) for e in errors[:20])
        more = f"\n... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(
            f"{len(errors)} invalid value(s); nothing was imported.\n{shown}{more}"
        )


@dataclass
class ImportReport:
    members_created: int = 0
    members_updated: int = 0
    members_unchanged: int = 0
    projects_created: int = 0
    projects_updated: int = 0
    projects_unchanged: int = 0
    changed_member_ids: set[int] = field(default_factory=set)
    changed_project_ids: set[int] = field(default_factory=set)

    @property
    def changed(self) -> int:
        return len(self.changed_member_ids) + len(self.changed_project_ids)


# -- validation -------------------------------------------------------------


class _Line:
    """Typed reads of one JSON object, collecting errors with file and line."""

    def __init__(self, data: dict, file: str, number: int, errors: list[LineError]):
        self.data, self.file, self.number, self.errors = data, file, number, errors

    def error(self, key: str, reason: str) -> None:
        self.errors.append(LineError(self.file, self.number, key, reason))

    def get(self, key):
        value = self.data.get(key)
        return None if value == "" else value

    def string(self, key, *, required=False, max_length=None) -> str:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.error(key, "is required")
            return ""
        if not isinstance(value, str):
            self.error(key, f"must be a string, not {type(value).__name__}")
            return ""
        value = value.strip()
        if required and not value:
            self.error(key, "is required")
        if "\x00" in value:
            # PostgreSQL cannot store NUL characters in text.
            self.error(key, "contains a NUL character")
            return ""
        if max_length and len(value) > max_length:
            self.error(key, f"is longer than {max_length} characters")
        return value

    def choice(self, key, choices, *, required=False, default="") -> str:
        value = self.string(key, required=required)
        if not value:
            return default
        if value not in choices:
            allowed = ", ".join(sorted(choices))
            self.error(key, f"'{value}' is not one of: {allowed}")
            return default
        return value

    def boolean(self, key, *, default=None):
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(key, "must be true or false")
            return default
        return value

    def strings(self, key) -> list[str]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(key, "must be a list of strings")
            return []
        if any("\x00" in v for v in value):
            self.error(key, "contains a NUL character")
            return []
        return [v.strip() for v in value if v.strip()]

    def objects(self, key) -> list[dict]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.error(key, "must be a list of objects")
            return []
        return value

    def slugs(self, key, known: set[str]) -> list[str]:
        values = self.strings(key)
        unknown = [v for v in values if v not in known]
        if unknown:
            self.error(key, f"unknown taxonomy slug(s): {', '.join(unknown)}")
        return [v for v in dict.fromkeys(values) if v in known]

    def languages(self, key="languages") -> list[str]:
        values = [v.lower() for v in self.strings(key)]
        bad = [v for v in values if not LANGUAGE_RE.match(v)]
        if bad:
            self.error(key, f"not ISO 639-1 code(s): {', '.join(bad)}")
        return list(dict.fromkeys(v for v in values if LANGUAGE_RE.match(v)))

    def country(self, key="country") -> str:
        value = self.string(key)
        if value and not COUNTRY_RE.match(value):
            self.error(key, f"'{value}' is not an ISO 3166-1 alpha-2 code")
            return ""
        return value

    def date(self, key):
        value = self.string(key)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.error(key, f"'{value}' is not a date in YYYY-MM-DD form")
            return None


def _read_lines(path: Path, errors: list[LineError]) -> Iterable[tuple[int, dict]]:
    name = path.name
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as exc:
        errors.append(LineError(name, 0, "-", f"cannot be read: {exc.strerror}"))
        return
    with handle:
        try:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    data = json.loads(raw)
                except json.JSONDecodeError as exc:
                    errors.append(
                        LineError(name, number, "-", f"invalid JSON: {exc.msg}")
                    )
                    continue
                if not isinstance(data, dict):
                    errors.append(LineError(name, number, "-", "is not a JSON object"))
                    continue
                yield number, data
        except UnicodeDecodeError:
            errors.append(LineError(name, 0, "-", "is not valid UTF-8"))


def _validate_member(line: _Line, sectors: set[str], disciplines: set[str]) -> dict:
    email = line.string("email")
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            line.error("email", f"'{email}' is not an e-mail address")
            email = ""
    website = line.string("website", max_length=500)
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            line.error("website", f"'{website}' is not an http(s) URL")
            website = ""
    seeks = []
    for index, seek in enumerate(line.objects("seeks")):
        text = seek.get("text")
        if not isinstance(text, str) or not text.strip():
            line.error(f"seeks[{index}].text", "is required")
            continue
        if "\x00" in text:
            line.error(f"seeks[{index}].text", "contains a NUL character")
            continue
        kind = seek.get("kind") or ""
        if kind and kind not in MemberKind.values:
            line.error(f"seeks[{index}].kind", f"'{kind}' is not a member kind")
            kind = ""
        seeks.append((text.strip()[:300], kind))
    commune = line.choice("commune", Commune.values)
    return {
        "name": line.string("name", required=True, max_length=250),
        "kind": line.choice("kind", MemberKind.values, required=True),
        "is_organisation": line.boolean("is_organisation", default=True),
        "legal_form": line.choice("legal_form", LegalForm.values),
        "headline": line.string("headline", max_length=300),
        "description": line.string("description"),
        "skills": line.strings("skills"),
        "languages": line.languages(),
        "commune": commune,
        "city": line.string("city", max_length=120),
        "postcode": line.string("postcode", max_length=16),
        "country": line.country() or ("BE" if commune else ""),
        "website": website,
        "sme": line.boolean("sme"),
        "email": email,
        "phone": line.string("phone", max_length=40),
        "_sectors": line.slugs("sectors", sectors),
        "_disciplines": line.slugs("disciplines", disciplines),
        "_offers": [text[:300] for text in line.strings("offers")],
        "_seeks": seeks,
    }


def _validate_project(
    line: _Line, sectors: set[str], disciplines: set[str], member_exists: Callable
) -> dict:
    partners = {}
    for index, partner in enumerate(line.objects("partners")):
        member = partner.get("member")
        if not isinstance(member, str) or not member:
            line.error(f"partners[{index}].member", "is required")
            continue
        if not member_exists(member):
            line.error(f"partners[{index}].member", f"unknown member '{member}'")
            continue
        raw_role = str(partner.get("role") or "partner")
        role = ROLE_ALIASES.get(raw_role.replace("_", "").replace("-", "").lower())
        if role is None:
            line.error(f"partners[{index}].role", f"unknown role '{raw_role}'")
            continue
        partners[member] = role
    needs = []
    for index, need in enumerate(line.objects("needs")):
        text = need.get("text")
        if not isinstance(text, str) or not text.strip():
            line.error(f"needs[{index}].text", "is required")
            continue
        if "\x00" in text:
            line.error(f"needs[{index}].text", "contains a NUL character")
            continue
        kind = need.get("kind") or ""
        if kind and kind not in MemberKind.values:
            line.error(f"needs[{index}].kind", f"'{kind}' is not a member kind")
            kind = ""
        needs.append((kind, text.strip()[:300]))
    sdgs = line.data.get("sdgs") or []
    if not isinstance(sdgs, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 17 for n in sdgs
    ):
        line.error("sdgs", "must be a list of integers from 1 to 17")
        sdgs = []
    start, end = line.date("start_date"), line.date("end_date")
    if start and end and end < start:
        line.error("end_date", "is before start_date")
    return {
        "title": line.string("title", required=True, max_length=250),
        "summary": line.string("summary", required=True),
        "description": line.string("description"),
        "keywords": line.strings("keywords"),
        "stage": line.choice("stage", Stage.values, default=Stage.IDEA),
        "status": line.choice("status", ProjectStatus.values, default="published"),
        "start_date": start,
        "end_date": end,
        "commune": line.choice("commune", Commune.values),
        "city": line.string("city", max_length=120),
        "country": line.country(),
        "languages": line.languages(),
        "sdgs": sorted(set(sdgs)),
        "_sectors": line.slugs("sectors", sectors),
        "_disciplines": line.slugs("disciplines", disciplines),
        "_partners": partners,
        "_needs": needs,
    }


def _validate_all(members_path, projects_path):
    errors: list[LineError] = []
    sectors = set(Sector.objects.values_list("slug", flat=True))
    disciplines = set(Discipline.objects.values_list("slug", flat=True))
    members: dict[str, dict] = {}
    if members_path:
        for number, data in _read_lines(Path(members_path), errors):
            line = _Line(data, Path(members_path).name, number, errors)
            external_id = line.string("id", required=True, max_length=100)
            row = _validate_member(line, sectors, disciplines)
            if external_id in members:
                line.error("id", f"'{external_id}' appears twice in the file")
            elif external_id:
                members[external_id] = row
    projects: dict[str, dict] = {}
    if projects_path:
        partner_ids = set()
        for _, data in _read_lines(Path(projects_path), []):
            for partner in data.get("partners") or []:
                if isinstance(partner, dict) and isinstance(partner.get("member"), str):
                    partner_ids.add(partner["member"])
        known = set(
            Member.objects.filter(
                external_id__in=partner_ids - members.keys()
            ).values_list("external_id", flat=True)
        )
        for number, data in _read_lines(Path(projects_path), errors):
            line = _Line(data, Path(projects_path).name, number, errors)
            external_id = line.string("id", required=True, max_length=100)
            row = _validate_project(
                line, sectors, disciplines, lambda m: m in members or m in known
            )
            if external_id in projects:
                line.error("id", f"'{external_id}' appears twice in the file")
            elif external_id:
                projects[external_id] = row
    if errors:
        raise ImportRejected(errors)
    return members, projects


# -- writing ----------------------------------------------------------------


def _plain(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_")}


def _differs(obj, values: dict) -> bool:
    return any(getattr(obj, k) != v for k, v in values.items())


def _existing(model, external_ids) -> dict[str, object]:
    found = {}
    ids = list(external_ids)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        found.update(
            (obj.external_id, obj)
            for obj in model.objects.filter(external_id__in=chunk)
        )
    return found


def _sync_m2m(
    through, owner_field, target_field, wanted: dict[int, set[int]]
) -> set[int]:
    """Make a many-to-many table hold `wanted`; return the owners that changed."""
    current: dict[int, set[int]] = {pk: set() for pk in wanted}
    owners = list(wanted)
    for start in range(0, len(owners), BATCH):
        rows = through.objects.filter(
            **{f"{owner_field}__in": owners[start : start + BATCH]}
        )
        for owner, target in rows.values_list(owner_field, target_field):
            current[owner].add(target)
    changed, add, remove = set(), [], []
    for owner, targets in wanted.items():
        if targets != current[owner]:
            changed.add(owner)
            add += [
                through(**{owner_field: owner, target_field: t})
                for t in targets - current[owner]
            ]
            remove += [(owner, t) for t in current[owner] - targets]
    through.objects.bulk_create(add, batch_size=BATCH)
    for owner, target in remove:
        through.objects.filter(**{owner_field: owner, target_field: target}).delete()
    return changed


def _sync_children(
    model, parent_field, wanted: dict[int, list[tuple]], fields
) -> set[int]:
    """Replace the children of each parent whose list differs; return those parents."""
    current: dict[int, list[tuple]] = {pk: [] for pk in wanted}
    parents = list(wanted)
    for start in range(0, len(parents), BATCH):
        rows = model.objects.filter(
            **{f"{parent_field}__in": parents[start : start + BATCH]}
        )
        for values in rows.order_by("id").values_list(parent_field, *fields):
            current[values[0]].append(tuple(values[1:]))
    changed = {pk for pk, items in wanted.items() if items != current[pk]}
    if changed:
        model.objects.filter(**{f"{parent_field}__in": changed}).delete()
        model.objects.bulk_create(
            [
                model(**{parent_field: pk}, **dict(zip(fields, item, strict=True)))
                for pk in changed
                for item in wanted[pk]
            ],
            batch_size=BATCH,
        )
    return changed


def _upsert(model, rows: dict[str, dict], name_field: str, report_prefix, report):
    existing = _existing(model, rows)
    taken = _slugs_taken(model, [r[name_field] for r in rows.values()])
    create, update, changed_ids = [], [], set()
    for external_id, row in rows.items():
        values = _plain(row)
        obj = existing.get(external_id)
        if obj is None:
            obj = model(external_id=external_id, **values)
            obj.slug = _slug_for(values[name_field], taken)
            create.append(obj)
        elif _differs(obj, values):
            for key, value in values.items():
                setattr(obj, key, value)
            update.append(obj)
    model.objects.bulk_create(create, batch_size=BATCH)
    if update:
        fields = list(_plain(next(iter(rows.values()))).keys()) + ["updated_at"]
        from django.utils import timezone

        now = timezone.now()
        for obj in update:
            obj.updated_at = now
        model.objects.bulk_update(update, fields, batch_size=500)
    by_external = {**existing, **{obj.external_id: obj for obj in create}}
    # Creation on backends without RETURNING: fetch the new ids.
    if create and create[0].pk is None:
        by_external.update(_existing(model, [o.external_id for o in create]))
    changed_ids |= {by_external[o.external_id].pk for o in create + update}
    setattr(report, f"{report_prefix}_created", len(create))
    setattr(report, f"{report_prefix}_updated", len(update))
    return by_external, changed_ids


def _slug_base(text: str) -> str:
    from django.utils.text import slugify

    return slugify(text)[:110].strip("-") or "item"


def _slugs_taken(model, names: list[str]) -> set[str]:
    """Slugs already used that the new rows' slugs could collide with."""
    if len(names) > 50:
        return set(model.objects.values_list("slug", flat=True))
    starts = Q()
    for base in {_slug_base(name) for name in names}:
        starts |= Q(slug__startswith=base)
    return set(model.objects.filter(starts).values_list("slug", flat=True))


def _slug_for(text: str, taken: set[str]) -> str:
    """A slug free in the database and among the rows of this import."""
    base = _slug_base(text)
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    taken.add(slug)
    return slug


def network_import(
    *,
    members_path=None,
    projects_path=None,
    progress: Callable[[str], None] = lambda m: None,
) -> ImportReport:
    """Validate both files, then write every change in one transaction."""
    progress("validating")
    members, projects = _validate_all(members_path, projects_path)
    report = ImportReport()
    terms = {
        "sector": dict(Sector.objects.values_list("slug", "id")),
        "discipline": dict(Discipline.objects.values_list("slug", "id")),
    }
    from search.services import outbox_enqueue

    with transaction.atomic():
        if members:
            progress(f"writing {len(members)} members")
            by_external, changed = _upsert(Member, members, "name", "members", report)
            pk = {ext: by_external[ext].pk for ext in members}
            changed |= _sync_taxonomies(Member, "member_id", members, pk, terms)
            changed |= _sync_children(
                Offer,
                "member_id",
                {pk[e]: [(t,) for t in r["_offers"]] for e, r in members.items()},
                ["text"],
            )
            changed |= _sync_children(
                Seek,
                "member_id",
                {pk[e]: r["_seeks"] for e, r in members.items()},
                ["text", "kind"],
            )
            report.changed_member_ids = changed
            report.members_unchanged = len(members) - len(changed)
        if projects:
            progress(f"writing {len(projects)} projects")
            by_external, changed = _upsert(
                Project, projects, "title", "projects", report
            )
            pk = {ext: by_external[ext].pk for ext in projects}
            changed |= _sync_taxonomies(Project, "project_id", projects, pk, terms)
            changed |= _sync_children(
                ProjectNeed,
                "project_id",
                {
                    pk[e]: [(k, t, NeedStatus.OPEN) for k, t in r["_needs"]]
                    for e, r in projects.items()
                },
                ["kind", "text", "status"],
            )
            partner_external = {m for r in projects.values() for m in r["_partners"]}
            member_pk = {
                ext: obj.pk for ext, obj in _existing(Member, partner_external).items()
            }
            wanted = {
                pk[e]: sorted(
                    (member_pk[m], role, True) for m, role in r["_partners"].items()
                )
                for e, r in projects.items()
            }
            partner_changed = _sync_partners(wanted)
            changed |= partner_changed
            report.changed_project_ids = changed
            report.projects_unchanged = len(projects) - len(changed)
            # Members' documents carry their track record.
            report.changed_member_ids |= set(
                ProjectPartner.objects.filter(
                    project_id__in=partner_changed
                ).values_list("member_id", flat=True)
            )
        progress("queueing search updates")
        outbox_enqueue(
            targets=[("member", pk) for pk in sorted(report.changed_member_ids)]
            + [("project", pk) for pk in sorted(report.changed_project_ids)],
            drain=False,
        )
    return report


def _sync_taxonomies(model, owner_field, rows, pk, terms) -> set[int]:
    """Sectors and disciplines of imported members or projects; changed owners."""
    changed = set()
    for term, field_name in (("sector", "sectors"), ("discipline", "disciplines")):
        changed |= _sync_m2m(
            getattr(model, field_name).through,
            owner_field,
            f"{term}_id",
            {
                pk[e]: {terms[term][slug] for slug in r[f"_{field_name}"]}
                for e, r in rows.items()
            },
        )
    return changed


def _sync_partners(wanted: dict[int, list[tuple]]) -> set[int]:
    current: dict[int, list[tuple]] = {pk: [] for pk in wanted}
    projects = list(wanted)
    for start in range(0, len(projects), BATCH):
        rows = ProjectPartner.objects.filter(
            project_id__in=projects[start : start + BATCH]
        )
        for project_id, member_id, role, confirmed in rows.values_list(
            "project_id", "member_id", "role", "confirmed"
        ):
            current[project_id].append((member_id, role, confirmed))
    changed = {pk for pk, items in wanted.items() if items != sorted(current[pk])}
    if changed:
        ProjectPartner.objects.filter(project_id__in=changed).delete()
        ProjectPartner.objects.bulk_create(
            [
                ProjectPartner(project_id=pk, member_id=m, role=role, confirmed=c)
                for pk in changed
                for m, role, c in wanted[pk]
            ],
            batch_size=BATCH,
        )
    return changed
