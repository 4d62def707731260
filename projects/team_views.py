"""Complete my team: the panel proposing a whole set of partners, for the
experiment's managers only (`_managed_project` asks members/permissions.py)."""

from urllib.parse import parse_qsl, urlencode, urlsplit

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from members.models import ContactOrigin, MemberKind
from members.services.suggestions import dismissed_members_for_project
from projects.models import Project
from projects.views import _contact_url, _managed_project
from search.client import SearchUnavailable
from search.matching import DraftProject
from search.team import MAX_PER_KIND, kinds_lacking, team_for_project


def _team_context(request, project: Project) -> dict:
    draft = DraftProject.from_project(project)
    # Partners invited but not yet confirmed are current partners too.
    partners = set(project.partnerships.values_list("member_id", flat=True))
    lacking = kinds_lacking(partners=draft.partners)
    asked = [k for k in request.GET.getlist("kinds") if k in MemberKind.values]
    kinds = asked or lacking or [k for k, _t in draft.needs if k]
    try:
        per_kind = int(request.GET.get("per_kind", 1))
    except ValueError:
        per_kind = 1
    per_kind = min(max(per_kind, 1), MAX_PER_KIND)
    context = {
        "project": project,
        "team_kinds": kinds,
        "team_lacking": lacking,
        "team_kind_choices": MemberKind.choices,
        "team_per_kind": per_kind,
        "team_per_kind_choices": range(1, MAX_PER_KIND + 1),
    }
    if not kinds:
        return context | {"team_nothing_asked": True}
    try:
        team = team_for_project(
            project=draft,
            kinds=kinds,
            per_kind=per_kind,
            exclude=partners | dismissed_members_for_project(project=project),
        )
    except SearchUnavailable:
        return context | {"team_unavailable": True}
    context["team"] = team
    context["team_members"] = [
        {
            "id": m.member_id,
            "name": m.source.get("name", ""),
            "url": m.source.get("url", ""),
            "kind": MemberKind(m.kind).label,
            "reasons": m.reasons,
            "contact_url": _team_contact_url(project, m.source.get("slug", "")),
        }
        for m in team.members
    ]
    return context


def _team_contact_url(project: Project, member_slug: str) -> str:
    """The panel's contact link, told apart as coming from a proposed team."""
    url = urlsplit(_contact_url(project, member_slug))
    params = dict(parse_qsl(url.query)) | {"via": ContactOrigin.TEAM_SUGGESTION}
    return f"{url.path}?{urlencode(params)}"


@login_required
@require_GET
def project_team(request, slug):
    """The proposed team; htmx asks for the panel alone when the form changes."""
    project = _managed_project(request, slug)
    context = _team_context(request, project)
    if request.headers.get("HX-Request"):
        return render(request, "projects/includes/team_panel.html", context)
    return render(request, "projects/project_team.html", context)
