from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from members.models import ContactOrigin, Member, MemberKind
from members.permissions import member_may_prepare, member_require_prepare
from members.services.contact import contact_offer_for
from members.services.suggestions import dismissal_create
from projects import services
from projects.forms import PartnerAddForm, ProjectForm, ProjectNeedFormSet
from projects.models import NeedStatus, Project, ProjectPartner, ProjectStatus
from search.client import SearchUnavailable
from search.suggestions import project_partner_suggestions, similar_projects
from search.views import index_search_page

PANEL_SIZE = 10
SIMILAR_SIZE = 4


def project_list(request):
    return index_search_page(
        request, document="project", template="projects/project_list.html"
    )


def project_detail(request, slug):
    """The public page; drafts, submitted and archived projects are shown, as a
    preview, only to their managers and to editors (404 for everyone else)."""
    project = get_object_or_404(Project.objects.select_related("owner"), slug=slug)
    if not services.project_visible_to(project=project, user=request.user):
        raise Http404
    # The managers of a suspended member see the preview, but change nothing.
    can_manage = services.project_managed_by(
        project=project, user=request.user
    ) and member_may_prepare(project.owner)
    is_editor = services.user_is_editor(user=request.user)
    context = _similar_context(project)
    if can_manage:
        context |= _partner_panel_context(request, project)
    return render(
        request,
        "projects/project_detail.html",
        {
            **context,
            "project": project,
            "partnerships": services.project_public_partnerships(project=project),
            "needs": project.needs.filter(status=NeedStatus.OPEN),
            "is_preview": not project.is_public,
            "can_manage": can_manage,
            "can_moderate": is_editor,
            "can_publish_directly": services.project_can_publish_directly(
                project=project, user=request.user
            ),
            "statuses": ProjectStatus,
            "contact_offer": contact_offer_for(user=request.user, project=project),
        },
    )


def _similar_context(project: Project) -> dict:
    """The public "Similar experiments" of a published project."""
    if not project.is_public:
        return {}
    try:
        matches = similar_projects(project=project, size=SIMILAR_SIZE)
    except SearchUnavailable:
        return {"similar_unavailable": True, "show_similar": True}
    return {
        "show_similar": True,
        "similar": [
            {
                "title": m.source.get("title", ""),
                "url": m.source.get("url", ""),
                "reasons": m.reasons,
            }
            for m in matches
        ],
    }


def _contact_url(project: Project, member_slug: str) -> str:
    """The contact request form, prefilled to talk about `project`."""
    message = _(
        "Hello, we are looking for partners for our experiment “%(title)s” and "
        "think you could join it. Would you like to talk about it?"
    ) % {"title": project.title}
    params = {"message": message, "via": ContactOrigin.PARTNER_SUGGESTION}
    if project.is_public:
        params["project"] = project.slug
    if project.owner_id:
        params["sender"] = project.owner.slug
    return f"{reverse('contacts:new', args=[member_slug])}?{urlencode(params)}"


def _partner_panel_context(request, project: Project) -> dict:
    """The "Suggested partners" panel, for the project's managers only."""
    kind = request.GET.get("kind", "")
    if kind not in MemberKind.values:
        kind = ""
    context = {
        "panel": True,
        "panel_kind": kind,
        "panel_kinds": MemberKind.choices,
    }
    try:
        matches = project_partner_suggestions(
            project=project, kind=kind or None, size=PANEL_SIZE
        )
    except SearchUnavailable:
        return context | {"panel_unavailable": True}
    context["suggested_partners"] = [
        {
            "id": m.member_id,
            "name": m.source.get("name", ""),
            "url": m.source.get("url", ""),
            "kind": MemberKind(m.source["kind"]).label
            if m.source.get("kind") in MemberKind.values
            else "",
            "reasons": m.reasons,
            "contact_url": _contact_url(project, m.source.get("slug", "")),
        }
        for m in matches
    ]
    return context


@login_required
@require_GET
def project_suggested_partners(request, slug):
    """The panel alone, for htmx when the kind filter changes."""
    project = _managed_project(request, slug)
    return render(
        request,
        "search/suggestions/partner_panel.html",
        {"project": project, **_partner_panel_context(request, project)},
    )


@login_required
@require_POST
def project_suggestion_dismiss(request, slug, member_pk):
    """A manager hides a suggested partner for good."""
    project = _managed_project(request, slug)
    # Suggestions are published members: a pending profile is a 404, unnamed.
    suggested = get_object_or_404(Member.objects.published(), pk=member_pk)
    dismissal_create(user=request.user, project=project, suggested_member=suggested)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "search/suggestions/partner_panel.html",
            {"project": project, **_partner_panel_context(request, project)},
        )
    messages.success(
        request,
        _("%(name)s will not be suggested again.") % {"name": suggested.name},
    )
    return redirect(f"{project.get_absolute_url()}#suggested-partners")


def _managed_project(request, slug) -> Project:
    """The project for a change view; 404 unless `request.user` manages it,
    403 when its owner may not prepare (suspended or refused)."""
    project = get_object_or_404(Project.objects.select_related("owner"), slug=slug)
    if not services.project_managed_by(project=project, user=request.user):
        raise Http404
    member_require_prepare(project.owner)
    return project


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


@login_required
def project_create(request):
    managed = Member.objects.managed_by(request.user)
    if not managed.exists():
        return render(request, "projects/project_form.html", {"no_member": True})
    form = ProjectForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        project = services.project_create(user=request.user, **form.service_kwargs())
        messages.success(
            request,
            _("Draft saved. Submit it for review or publish it when it is ready."),
        )
        return redirect(project)
    if managed.count() == 1 and not form.is_bound:
        form.initial["owner"] = managed.get().pk
    return render(request, "projects/project_form.html", {"form": form})


@login_required
def project_edit(request, slug):
    project = _managed_project(request, slug)
    form = ProjectForm(request.POST or None, instance=project, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.project_update(
            project=project, user=request.user, **form.service_kwargs()
        )
        messages.success(request, _("Your changes are saved."))
        return redirect(project)
    return render(
        request, "projects/project_form.html", {"form": form, "project": project}
    )


@login_required
def project_needs(request, slug):
    project = _managed_project(request, slug)
    formset = ProjectNeedFormSet(request.POST or None, instance=project)
    if request.method == "POST" and formset.is_valid():
        services.project_needs_update(
            project=project, user=request.user, formset=formset
        )
        messages.success(request, _("The partners sought are saved."))
        return redirect("projects:needs", slug=project.slug)
    return render(
        request, "projects/project_needs.html", {"project": project, "formset": formset}
    )


def _transition(request, slug, action, success_message):
    project = get_object_or_404(Project.objects.select_related("owner"), slug=slug)
    if not services.project_visible_to(project=project, user=request.user):
        raise Http404
    try:
        action(project=project, user=request.user)
    except services.ProjectTransitionError as error:
        messages.error(request, str(error))
    except PermissionDenied as error:
        # Published projects are visible to all, and their managers see the
        # others: say no rather than hide them.
        if not project.is_public and not services.project_managed_by(
            project=project, user=request.user
        ):
            raise Http404 from error
        raise
    else:
        messages.success(request, success_message)
    return redirect(project)


@login_required
@require_POST
def project_submit(request, slug):
    return _transition(
        request,
        slug,
        services.project_submit,
        _("Submitted: an editor will review the experiment."),
    )


@login_required
@require_POST
def project_publish(request, slug):
    return _transition(
        request, slug, services.project_publish, _("The experiment is published.")
    )


@login_required
@require_POST
def project_archive(request, slug):
    return _transition(
        request, slug, services.project_archive, _("The experiment is archived.")
    )


@login_required
@require_POST
def project_reopen(request, slug):
    return _transition(
        request,
        slug,
        services.project_reopen,
        _("The experiment is a draft again."),
    )


@login_required
def project_partners(request, slug):
    project = _managed_project(request, slug)
    form = PartnerAddForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            partnership = services.partner_add(
                project=project,
                user=request.user,
                member=form.cleaned_data["member"],
                role=form.cleaned_data["role"],
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as error:
            form.add_error("member", error)
        else:
            if partnership.confirmed:
                text = _("%(member)s is now a partner.")
            else:
                text = _(
                    "%(member)s has been asked to confirm; it appears on the page "
                    "once its managers accept."
                )
            messages.success(request, text % {"member": partnership.member.name})
            return redirect("projects:partners", slug=project.slug)
    partnerships = project.partnerships.select_related("member").order_by(
        "role", "member__name"
    )
    return render(
        request,
        "projects/project_partners.html",
        {"project": project, "partnerships": partnerships, "form": form},
    )


@login_required
@require_POST
def partner_remove(request, slug, pk):
    project = _managed_project(request, slug)
    partnership = get_object_or_404(ProjectPartner, pk=pk, project=project)
    try:
        services.partner_remove(partnership=partnership, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("%(member)s is no longer a partner.")
            % {"member": partnership.member.name},
        )
    return redirect("projects:partners", slug=project.slug)


def _answerable_partnership(request, pk) -> ProjectPartner:
    partnership = get_object_or_404(
        ProjectPartner.objects.select_related("project", "member"), pk=pk
    )
    if not services.partnership_answerable_by(
        partnership=partnership, user=request.user
    ):
        raise Http404
    return partnership


@login_required
def partnership_confirm(request, pk):
    """GET shows the proposal (the e-mail links here); POST confirms it."""
    partnership = _answerable_partnership(request, pk)
    if request.method == "POST":
        try:
            services.partnership_confirm(partnership=partnership, user=request.user)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request,
                _("%(member)s is now listed as a partner of %(project)s.")
                % {
                    "member": partnership.member.name,
                    "project": partnership.project.title,
                },
            )
        return redirect("dashboard:home")
    return render(
        request, "projects/partnership_confirm.html", {"partnership": partnership}
    )


@login_required
@require_POST
def partnership_decline(request, pk):
    partnership = _answerable_partnership(request, pk)
    try:
        services.partnership_decline(partnership=partnership, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The partnership proposal is declined."))
    return redirect("dashboard:home")
