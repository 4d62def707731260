"""Contact request pages. The rules live in `members.services.contact`.

A request the user is not party to answers 404, not 403, so that its
existence is not revealed.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from members.models import ContactOrigin, ContactStatus, Member
from members.permissions import member_may_act
from members.services.contact import (
    MESSAGE_MAX_LENGTH,
    MESSAGE_MIN_LENGTH,
    REPLY_MAX_LENGTH,
    ContactAccess,
    contact_offer_for,
    contact_request_answer,
    contact_request_create,
    contact_request_mark_collaboration,
    contact_request_other_side,
    contact_request_project_choices,
    contact_request_projects,
    contact_request_roles,
    contact_request_withdraw,
    contact_requests_for,
    contact_requests_visible_to,
)
from projects.models import Project


class ExperimentChoiceField(forms.ModelChoiceField):
    """Experiments labelled with the member they belong to, so that a sender
    never mistakes the receiver's experiment for one of their own."""

    def label_from_instance(self, obj):
        if obj.owner is None:
            return obj.title
        return _("%(title)s (experiment of %(owner)s)") % {
            "title": obj.title,
            "owner": obj.owner.name,
        }


class ContactRequestForm(forms.Form):
    sender = forms.ModelChoiceField(
        queryset=Member.objects.none(),
        label=gettext_lazy("Send on behalf of"),
        empty_label=None,
    )
    project = ExperimentChoiceField(
        queryset=Project.objects.none(),
        required=False,
        label=gettext_lazy("About an experiment (optional)"),
        empty_label=gettext_lazy("No particular experiment"),
    )
    message = forms.CharField(
        label=gettext_lazy("Your message"),
        min_length=MESSAGE_MIN_LENGTH,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "Say who you are and why you would like to get in touch. Your e-mail "
            "address is shared only if the member accepts."
        ),
    )
    # Carried from the suggestion that led here, for the editors' figures.
    # An unknown value counts as found directly: it only feeds statistics.
    origin = forms.CharField(required=False, max_length=24, widget=forms.HiddenInput)

    def __init__(self, *args, senders, projects, about=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.about = about
        self.fields["sender"].queryset = senders
        self.fields["project"].queryset = projects
        if senders.count() == 1:
            self.fields["sender"].initial = senders.first()
            self.fields["sender"].widget = forms.HiddenInput()
        if not projects.exists():
            del self.fields["project"]
        elif about is not None:
            self.fields["project"].help_text = _(
                "You came from the experiment “%(title)s”; you may instead name "
                "one of your own experiments, or none."
            ) % {"title": about.title}
        else:
            self.fields["project"].help_text = _(
                "One of your own published experiments, if your request is about it."
            )

    def clean_origin(self):
        origin = self.cleaned_data["origin"]
        return origin if origin in ContactOrigin.values else ContactOrigin.DIRECT

    def clean(self):
        cleaned = super().clean()
        sender, project = cleaned.get("sender"), cleaned.get("project")
        if (
            sender is not None
            and project is not None
            and project != self.about
            and not contact_request_projects(members=[sender])
            .filter(pk=project.pk)
            .exists()
        ):
            self.add_error(
                "project",
                _(
                    "“%(title)s” is not an experiment of %(name)s: choose one of "
                    "its own experiments, or none."
                )
                % {"title": project.title, "name": sender.name},
            )
        return cleaned


class AnswerForm(forms.Form):
    reply = forms.CharField(
        label=gettext_lazy("Your reply (optional)"),
        required=False,
        max_length=REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@login_required
def contact_request_list(request):
    lists = contact_requests_for(user=request.user)
    return render(
        request,
        "members/contact/list.html",
        {
            "incoming": lists.incoming,
            "outgoing": lists.outgoing,
            "manages_members": Member.objects.managed_by(request.user).exists(),
        },
    )


@login_required
def contact_request_new(request, receiver_slug):
    receiver = get_object_or_404(Member.objects.published(), slug=receiver_slug)
    senders = (
        Member.objects.managed_by(request.user)
        .published()
        .exclude(pk=receiver.pk)
        .order_by("name")
    )
    slug = request.GET.get("project")
    about = Project.objects.published().filter(slug=slug).first() if slug else None
    offer = contact_offer_for(user=request.user, receiver=receiver, project=about)
    context = {"receiver": receiver, "senders": senders, "offer": offer}
    if offer.access != ContactAccess.READY:
        return render(request, "members/contact/new.html", context)

    projects = contact_request_project_choices(
        senders=senders, receiver=receiver, about=about
    )
    if about is not None and not projects.filter(pk=about.pk).exists():
        about = None
    context["about"] = about
    form_kwargs = {"senders": senders, "projects": projects, "about": about}
    if request.method == "POST":
        form = ContactRequestForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                contact_request = contact_request_create(
                    user=request.user,
                    sender=form.cleaned_data["sender"],
                    receiver=receiver,
                    message=form.cleaned_data["message"],
                    project=form.cleaned_data.get("project"),
                    origin=form.cleaned_data["origin"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _(
                        "Your request was sent to %(name)s. You will be told "
                        "when they answer."
                    )
                    % {"name": receiver.name},
                )
                return redirect("contacts:detail", pk=contact_request.pk)
    else:
        initial = {
            "project": projects.filter(slug=slug).first() if slug else None,
        }
        if request.GET.get("via") in ContactOrigin.values:
            initial["origin"] = request.GET["via"]
        # Suggestions link here with a message and a sender already chosen.
        if request.GET.get("message"):
            initial["message"] = request.GET["message"][:MESSAGE_MAX_LENGTH]
        sender = request.GET.get("sender")
        if sender and senders.filter(slug=sender).exists():
            initial["sender"] = senders.get(slug=sender)
        form = ContactRequestForm(initial=initial, **form_kwargs)
    context["form"] = form
    return render(request, "members/contact/new.html", context)


@login_required
def contact_request_detail(request, pk):
    contact_request = get_object_or_404(
        contact_requests_visible_to(user=request.user), pk=pk
    )
    roles = contact_request_roles(user=request.user, contact_request=contact_request)
    pending = contact_request.status == ContactStatus.PENDING
    return render(
        request,
        "members/contact/detail.html",
        {
            "contact_request": contact_request,
            "is_sender": "sender" in roles,
            "is_receiver": "receiver" in roles,
            "can_answer": pending
            and "receiver" in roles
            and member_may_act(contact_request.receiver)
            and member_may_act(contact_request.sender),
            "can_withdraw": pending and "sender" in roles,
            "can_mark_collaboration": contact_request.is_accepted
            and not contact_request.led_to_collaboration
            and member_may_act(contact_request.sender)
            and member_may_act(contact_request.receiver),
            "other": contact_request_other_side(
                user=request.user, contact_request=contact_request
            ),
            "answer_form": AnswerForm(),
        },
    )


def _act(request, pk, action, success_message):
    contact_request = get_object_or_404(
        contact_requests_visible_to(user=request.user), pk=pk
    )
    try:
        action(contact_request)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, success_message)
    return redirect("contacts:detail", pk=contact_request.pk)


def _reply(request) -> str:
    return request.POST.get("reply", "")


@login_required
@require_POST
def contact_request_accept(request, pk):
    return _act(
        request,
        pk,
        lambda cr: contact_request_answer(
            user=request.user, contact_request=cr, accept=True, reply=_reply(request)
        ),
        _(
            "You accepted the request: both sides can now see each other's "
            "contact details."
        ),
    )


@login_required
@require_POST
def contact_request_decline(request, pk):
    return _act(
        request,
        pk,
        lambda cr: contact_request_answer(
            user=request.user, contact_request=cr, accept=False, reply=_reply(request)
        ),
        _("You declined the request. The sender has been told politely."),
    )


@login_required
@require_POST
def contact_request_withdraw_view(request, pk):
    return _act(
        request,
        pk,
        lambda cr: contact_request_withdraw(user=request.user, contact_request=cr),
        _("Your request was withdrawn."),
    )


@login_required
@require_POST
def contact_request_collaboration(request, pk):
    return _act(
        request,
        pk,
        lambda cr: contact_request_mark_collaboration(
            user=request.user, contact_request=cr
        ),
        _("Thank you: this contact is now recorded as a collaboration."),
    )
