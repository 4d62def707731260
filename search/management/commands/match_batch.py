import json
import sys

from django.core.management.base import BaseCommand, CommandError

from members.models import Member, MemberKind
from search.client import SearchUnavailable
from search.matchmaking import (
    EXPERIMENT_MEMBERS,
    MEMBER_EXPERIMENTS,
    DraftProject,
    members_for_project,
    projects_for_member,
)


class Command(BaseCommand):
    help = (
        "Batch matchmaking: read queries from a JSONL file and write, for each "
        "line and in the same order, one JSON line of suggestions. A project "
        'line ({"id", "kind", "project"}) gets members; a member line '
        '({"id", "member"}) gets experiments it could join.'
    )

    def add_arguments(self, parser):
        parser.add_argument("queries", help="JSONL file, one query per line")
        parser.add_argument("--size", type=int, default=10)
        parser.add_argument(
            "--without",
            action="append",
            default=[],
            choices=sorted(
                set(EXPERIMENT_MEMBERS.names) | set(MEMBER_EXPERIMENTS.names)
            ),
            help="Switch a signal off (ablation); repeatable.",
        )

    def handle(self, *args, queries, size, without, **options):
        try:
            with open(queries, encoding="utf-8") as f:
                lines = [json.loads(line) for line in f if line.strip()]
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"Cannot read {queries}: {exc}") from exc
        if any(not isinstance(q, dict) for q in lines):
            raise CommandError(f"Cannot read {queries}: every line must be an object")
        external = {
            p for q in lines for p in (q.get("project") or {}).get("partners", [])
        }
        pk_of = dict(
            Member.objects.filter(external_id__in=external).values_list(
                "external_id", "pk"
            )
        )
        # Members of member lines: published ones only (members/permissions.py
        # decides who appears; a hidden member gets no suggestions here).
        wanted = {q["member"] for q in lines if isinstance(q.get("member"), str)}
        members = {
            m.external_id: m
            for m in Member.objects.published().filter(external_id__in=wanted)
        }
        self.external_of = {}
        self.project_external_of = {}
        self.size = size
        # Each direction's recipe, with the signals asked for switched off.
        self.recipe = EXPERIMENT_MEMBERS.without(
            *(s for s in without if s in EXPERIMENT_MEMBERS.names)
        )
        self.member_recipe = MEMBER_EXPERIMENTS.without(
            *(s for s in without if s in MEMBER_EXPERIMENTS.names)
        )
        out = sys.stdout
        for q in lines:
            try:
                if "member" in q and "project" not in q:
                    result = self._member_line(q, members.get(q.get("member")))
                else:
                    result = self._project_line(q, pk_of)
            except SearchUnavailable as exc:
                raise CommandError(f"Elasticsearch is unavailable: {exc}") from exc
            out.write(json.dumps(result, ensure_ascii=False) + "\n")

    def _project_line(self, q, pk_of) -> dict:
        p = q.get("project") or {}
        partners = [
            pk_of[x] if isinstance(x, str) else pk_of.get(x.get("member"))
            for x in p.get("partners", [])
            if (x if isinstance(x, str) else x.get("member")) in pk_of
        ]
        draft = DraftProject(
            title=p.get("title", ""),
            summary=p.get("summary", ""),
            description=p.get("description", ""),
            keywords=p.get("keywords", []),
            sectors=p.get("sectors", []),
            disciplines=p.get("disciplines", []),
            languages=p.get("languages", []),
            commune=p.get("commune", ""),
            city=p.get("city", ""),
            country=p.get("country", ""),
            partners=partners,
            needs=[(n.get("kind", ""), n.get("text", "")) for n in p.get("needs", [])],
        )
        kind = q.get("kind") if q.get("kind") in MemberKind.values else None
        matches = members_for_project(
            project=draft, kind=kind, size=self.size, recipe=self.recipe
        )
        external_of = self.external_of
        missing = [m.member_id for m in matches if m.member_id not in external_of]
        if missing:
            for pk, ext, slug in Member.objects.filter(pk__in=missing).values_list(
                "pk", "external_id", "slug"
            ):
                external_of[pk] = ext or f"hub:{slug}"
        return {
            "id": q.get("id"),
            "results": [
                {
                    "member": external_of[m.member_id],
                    "score": m.score,
                    "reasons": [r.as_dict() for r in m.reasons],
                }
                for m in matches
            ],
        }

    def _member_line(self, q, member) -> dict:
        """Experiments the member could join, ranked on its public profile
        (a batch is an export: nothing private reaches it)."""
        if member is None:
            return {"id": q.get("id"), "results": []}
        from projects.models import Project

        matches = projects_for_member(
            member=member,
            size=self.size,
            public_only=True,
            recipe=self.member_recipe,
        )
        external_of = self.project_external_of
        missing = [m.project_id for m in matches if m.project_id not in external_of]
        if missing:
            for pk, ext, slug in Project.objects.filter(pk__in=missing).values_list(
                "pk", "external_id", "slug"
            ):
                external_of[pk] = ext or f"hub:{slug}"
        return {
            "id": q.get("id"),
            "results": [
                {
                    "project": external_of[m.project_id],
                    "score": m.score,
                    "reasons": [r.as_dict() for r in m.reasons],
                }
                for m in matches
            ],
        }
