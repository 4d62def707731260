import json
import sys

from django.core.management.base import BaseCommand, CommandError

from members.models import Member, MemberKind
from search.client import SearchUnavailable
from search.matching import SIGNALS, DraftProject, members_for_project


class Command(BaseCommand):
    help = (
        "Batch matchmaking: read draft projects from a JSONL file and write, for "
        "each line and in the same order, one JSON line of suggested members."
    )

    def add_arguments(self, parser):
        parser.add_argument("queries", help="JSONL file, one query per line")
        parser.add_argument("--size", type=int, default=10)
        parser.add_argument(
            "--without",
            action="append",
            default=[],
            choices=SIGNALS,
            help="Switch a signal off (ablation); repeatable.",
        )

    def handle(self, *args, queries, size, without, **options):
        try:
            with open(queries, encoding="utf-8") as f:
                lines = [json.loads(line) for line in f if line.strip()]
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"Cannot read {queries}: {exc}") from exc
        external = {
            p for q in lines for p in (q.get("project") or {}).get("partners", [])
        }
        pk_of = dict(
            Member.objects.filter(external_id__in=external).values_list(
                "external_id", "pk"
            )
        )
        external_of = {}
        signals = tuple(s for s in SIGNALS if s not in without)
        out = sys.stdout
        for q in lines:
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
                needs=[
                    (n.get("kind", ""), n.get("text", "")) for n in p.get("needs", [])
                ],
            )
            kind = q.get("kind") if q.get("kind") in MemberKind.values else None
            try:
                matches = members_for_project(
                    project=draft, kind=kind, size=size, signals=signals
                )
            except SearchUnavailable as exc:
                raise CommandError(f"Elasticsearch is unavailable: {exc}") from exc
            missing = [m.member_id for m in matches if m.member_id not in external_of]
            if missing:
                for pk, ext, slug in Member.objects.filter(pk__in=missing).values_list(
                    "pk", "external_id", "slug"
                ):
                    external_of[pk] = ext or f"hub:{slug}"
            result = {
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
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
