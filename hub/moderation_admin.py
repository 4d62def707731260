"""The editors' side of moderation in the Wagtail admin: one-click decisions
on pending profiles (a column of the members' list and two views the member
viewset mounts), the queue of visitors' reports, and a dashboard panel.

Every decision is a POST with Django's CSRF token; the services in
`hub.moderation` check the permission again and set dates and editors.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import BaseColumn, Column
from wagtail.admin.views.generic import InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views.snippets import EditView as SnippetEditView

from hub.models import Report, ReportStatus
from hub.moderation import (
    REASON_MAX,
    Decision,
    ReportAction,
    member_review,
    member_status_recorded,
    project_review_publish,
    report_act,
    reports_open_count,
    user_may_moderate,
)
from members.models import Member, MemberStatus
from projects.models import Project, ProjectStatus
from projects.services import ProjectTransitionError

MEMBER_LIST_URL = "wagtailsnippets_members_member:list"

# Decisions on pending profiles ---------------------------------------------


class MemberDecisionColumn(BaseColumn):
    """Approve (a one-click POST form) and Refuse (a link to the reason form)
    on each pending row, for editors who may decide."""

    cell_template_name = "wagtailadmin/moderation/decision_cell.html"

    def __init__(self, name="decision", **kwargs):
        kwargs.setdefault("label", gettext_lazy("Review"))
        super().__init__(name, **kwargs)

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = context.get("request")
        may_decide = (
            request is not None
            and instance.status == MemberStatus.PENDING
            and user_may_moderate(user=request.user, model=Member)
        )
        context["may_decide"] = may_decide
        if may_decide:
            context["csrf_token"] = get_token(request)
            context["approve_url"] = reverse(
                "wagtailsnippets_members_member:approve", args=[instance.pk]
            )
            context["refuse_url"] = reverse(
                "wagtailsnippets_members_member:refuse", args=[instance.pk]
            )
        return context


class ProjectDecisionColumn(BaseColumn):
    """Publish (a one-click POST form) on each submitted experiment."""

    cell_template_name = "wagtailadmin/moderation/decision_cell.html"

    def __init__(self, name="decision", **kwargs):
        kwargs.setdefault("label", gettext_lazy("Review"))
        super().__init__(name, **kwargs)

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = context.get("request")
        may_decide = (
            request is not None
            and instance.status == ProjectStatus.SUBMITTED
            and user_may_moderate(user=request.user, model=Project)
        )
        context["may_decide"] = may_decide
        if may_decide:
            context["csrf_token"] = get_token(request)
            context["approve_url"] = reverse(
                "wagtailsnippets_projects_project:publish", args=[instance.pk]
            )
            context["approve_label"] = _("Publish")
        return context


@require_POST
def project_publish_view(request, pk):
    if not user_may_moderate(user=request.user, model=Project):
        raise PermissionDenied
    project = get_object_or_404(Project, pk=pk, status=ProjectStatus.SUBMITTED)
    list_url = (
        reverse("wagtailsnippets_projects_project:list")
        + f"?status={ProjectStatus.SUBMITTED}"
    )
    try:
        project_review_publish(project=project, user=request.user)
    except ProjectTransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(title)s is published; its managers were told.")
            % {"title": project.title},
        )
    return HttpResponseRedirect(list_url)


def project_decision_urlpatterns() -> list:
    """Mounted by the experiment viewset next to its own views."""
    return [path("publish/<int:pk>/", project_publish_view, name="publish")]


def _pending_list_url() -> str:
    return reverse(MEMBER_LIST_URL) + f"?status={MemberStatus.PENDING}"


def _check_may_decide(request) -> None:
    if not user_may_moderate(user=request.user, model=Member):
        raise PermissionDenied


def _pending_member(pk) -> Member:
    return get_object_or_404(Member, pk=pk, status=MemberStatus.PENDING)


@require_POST
def member_approve(request, pk):
    _check_may_decide(request)
    member = _pending_member(pk)
    member_review(member=member, user=request.user, decision=Decision.APPROVE)
    messages.success(
        request,
        _("%(name)s is published; its managers were told.") % {"name": member.name},
    )
    return HttpResponseRedirect(_pending_list_url())


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason given to the member"),
        help_text=gettext_lazy(
            "Sent to the profile's managers by e-mail: say what to change."
        ),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


def member_refuse(request, pk):
    """GET: the reason form; POST: refuse with the reason (required)."""
    _check_may_decide(request)
    member = _pending_member(pk)
    form = RefuseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member_review(
                member=member,
                user=request.user,
                decision=Decision.REFUSE,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error("reason", error.messages)
        else:
            messages.success(
                request,
                _("%(name)s is refused; its managers were told why.")
                % {"name": member.name},
            )
            return HttpResponseRedirect(_pending_list_url())
    return TemplateResponse(
        request,
        "wagtailadmin/moderation/member_refuse.html",
        {
            "member": member,
            "form": form,
            "page_title": _("Refuse %(name)s") % {"name": member.name},
            "header_icon": "group",
            "cancel_url": _pending_list_url(),
        },
        status=200,
    )


class MemberEditView(SnippetEditView):
    """A status changed by hand in the edit form is a decision too: who and
    when are recorded by the system, and the managers are told."""

    def save_instance(self):
        before = self.form.initial.get("status")
        instance = super().save_instance()
        if "status" in self.form.changed_data and instance.status != before:
            member_status_recorded(member=instance, user=self.request.user)
        return instance


def member_decision_urlpatterns() -> list:
    """Mounted by the member viewset next to its own views."""
    return [
        path("approve/<int:pk>/", member_approve, name="approve"),
        path("refuse/<int:pk>/", member_refuse, name="refuse"),
    ]


# The queue of reports ------------------------------------------------------


class ReportActForm(forms.Form):
    action = forms.ChoiceField(
        choices=[(action, action) for action in ReportAction.values]
    )
    note = forms.CharField(required=False, max_length=REASON_MAX)


class ReportInspectView(InspectView):
    template_name = "wagtailadmin/moderation/report_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.object
        context.update(
            {
                "report": report,
                "target_url": report.target.get_absolute_url(),
                "target_admin_url": _target_admin_url(report),
                "act_url": reverse("reports:act", args=[report.pk]),
                "may_act": report.is_open
                and user_may_moderate(user=self.request.user, model=Report),
            }
        )
        return context


class ReportPermissionPolicy(ModelPermissionPolicy):
    """Reports come from visitors' form only: nobody adds one in the admin
    (it would name nothing to report)."""

    def user_has_permission(self, user, action):
        return action != "add" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return super().user_has_any_permission(user, set(actions) - {"add"})


class ReportViewSet(ModelViewSet):
    """Visitors' reports: list them, open one, act on it."""

    model = Report
    icon = "warning"
    menu_label = gettext_lazy("Reports")
    menu_order = 230
    add_to_admin_menu = True
    name = "reports"
    list_display = [
        "__str__",
        Column("target", label=gettext_lazy("About"), accessor="target"),
        "status",
        "created_at",
    ]
    list_filter = ["status", "category"]
    inspect_view_enabled = True
    inspect_view_class = ReportInspectView
    inspect_view_fields = [
        "category",
        "text",
        "status",
        "created_at",
        "resolved_at",
        "resolved_by",
        "resolution",
    ]
    # Reports come from visitors: editors close them with the actions of the
    # report's page, which set the dates and the editor.
    form_fields = ["resolution"]

    @property
    def permission_policy(self):
        return ReportPermissionPolicy(self.model)

    def get_queryset(self, request):
        return Report.objects.select_related("member", "project")

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("act/<int:pk>/", report_act_view, name="act"),
        ]


def _target_admin_url(report: Report) -> str:
    if report.member_id:
        return reverse("wagtailsnippets_members_member:edit", args=[report.member_id])
    return reverse("wagtailsnippets_projects_project:edit", args=[report.project_id])


@require_POST
def report_act_view(request, pk):
    if not user_may_moderate(user=request.user, model=Report):
        raise PermissionDenied
    report = get_object_or_404(
        Report.objects.select_related("member", "project__owner"),
        pk=pk,
        status=ReportStatus.OPEN,
    )
    form = ReportActForm(request.POST)
    inspect_url = reverse("reports:inspect", args=[report.pk])
    if not form.is_valid():
        messages.error(request, _("Choose what to do with the report."))
        return HttpResponseRedirect(inspect_url)
    try:
        report_act(
            report=report,
            user=request.user,
            action=form.cleaned_data["action"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(inspect_url)
    messages.success(request, _("The report is closed."))
    return HttpResponseRedirect(reverse("reports:index") + "?status=open")


# Dashboard -----------------------------------------------------------------


class ModerationPanel(Component):
    """Dashboard panel: reports waiting in the queue."""

    name = "moderation"
    order = 130
    template_name = "wagtailadmin/moderation/dashboard_panel.html"

    def get_context_data(self, parent_context=None):
        return {
            "reports_open": reports_open_count(),
            "reports_url": reverse("reports:index") + f"?status={ReportStatus.OPEN}",
        }


@hooks.register("register_admin_viewset")
def register_report_viewset():
    return ReportViewSet()


@hooks.register("construct_homepage_panels")
def add_moderation_panel(request, panels):
    if user_may_moderate(user=request.user, model=Report):
        panels.append(ModerationPanel())
