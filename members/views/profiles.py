"""Member pages: the public profile and its self-service change views.

Change views need a login and answer 404 to anyone who may not change the
member (see `members.services.profiles` for the rules), so that unpublished
profiles are not revealed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.accounts import user_display
from members.forms import (
    AffiliationForm,
    ManagerAddForm,
    MemberForm,
    OfferFormSet,
    SeekFormSet,
)
from members.models import (
    Affiliation,
    Member,
    MemberManager,
    MemberRedirect,
    MemberStatus,
)
from members.permissions import member_require_prepare, member_require_revise
from members.selectors import member_visible_sections
from members.services import profiles as services
from members.services.claims import member_claimable
from members.services.contact import contact_offer_for
from search.views import index_search_page


def member_list(request):
    return index_search_page(
        request, document="member", template="members/member_list.html"
    )


def member_detail(request, slug):
    """The public profile. Pending or suspended profiles are shown, as a
    preview, only to their managers and to site editors."""
    member = (
        Member.objects.prefetch_related("sectors", "disciplines")
        .filter(slug=slug)
        .first()
    )
    if member is None:
        # The address of a profile merged into another (a published one:
        # the redirect must not reveal an unpublished profile's address).
        merged = get_object_or_404(
            MemberRedirect.objects.select_related("member"),
            slug=slug,
            member__status=MemberStatus.PUBLISHED,
        )
        return redirect(merged.member, permanent=True)
    can_manage = services.member_manageable_by(member=member, user=request.user)
    if not member.is_public and not can_manage:
        raise Http404
    projects = (
        member.projects.published()
        .filter(partnerships__member=member, partnerships__confirmed=True)
        .order_by("-created_at")
    )
    return render(
        request,
        "members/member_detail.html",
        {
            "member": member,
            "projects": projects,
            "visible": member_visible_sections(member=member, user=request.user),
            "offers": member.offers.active(),
            "seeks": member.seeks.active(),
            "can_manage": can_manage,
            "is_preview": not member.is_public,
            "contact_offer": contact_offer_for(user=request.user, receiver=member),
            "claimable": member_claimable(member=member),
        },
    )


def _member_for_change(request, slug, *, require=member_require_prepare) -> Member:
    """404 unless `request.user` may change the member; 403 to the managers of
    a suspended or refused one (site editors still change it). The profile
    form itself passes `member_require_revise`: a refused profile may be
    revised for a new review."""
    member = get_object_or_404(
        services.members_for_change(user=request.user), slug=slug
    )
    if not services.user_is_editor(user=request.user):
        require(member)
    return member


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def member_create(request):
    data = request.POST if request.method == "POST" else None
    form = MemberForm(data, request.FILES if data is not None else None)
    offers = OfferFormSet(data, instance=Member(), prefix="offers")
    seeks = SeekFormSet(data, instance=Member(), prefix="seeks")
    if data is not None and all(f.is_valid() for f in (form, offers, seeks)):
        member = services.member_create(
            user=request.user, form=form, offers=offers, seeks=seeks
        )
        messages.success(
            request,
            _(
                "Your profile is saved. An editor will review it before it "
                "appears on the site."
            ),
        )
        return redirect(member)
    return render(
        request,
        "members/member_form.html",
        {"form": form, "offers": offers, "seeks": seeks, "formsets": [offers, seeks]},
    )


@login_required
def member_edit(request, slug):
    member = _member_for_change(request, slug, require=member_require_revise)
    data = request.POST if request.method == "POST" else None
    form = MemberForm(
        data, request.FILES if data is not None else None, instance=member
    )
    offers = OfferFormSet(data, instance=member, prefix="offers")
    seeks = SeekFormSet(data, instance=member, prefix="seeks")
    if data is not None and all(f.is_valid() for f in (form, offers, seeks)):
        was_public = member.status == MemberStatus.PUBLISHED
        was_refused = member.status == MemberStatus.REFUSED
        member = services.member_update(
            member=member, user=request.user, form=form, offers=offers, seeks=seeks
        )
        if was_public and member.status == MemberStatus.PENDING:
            messages.warning(
                request,
                _(
                    "Your changes are saved. You changed answers an editor had "
                    "verified: your profile is hidden until an editor reviews "
                    "it again."
                ),
            )
        elif was_refused and member.status == MemberStatus.PENDING:
            messages.success(
                request,
                _(
                    "Your changes are saved and the editors are asked to review "
                    "the profile again."
                ),
            )
        else:
            messages.success(request, _("Your changes are saved."))
        return redirect("members:edit", slug=member.slug)
    return render(
        request,
        "members/member_form.html",
        {
            "form": form,
            "offers": offers,
            "seeks": seeks,
            "formsets": [offers, seeks],
            "member": member,
        },
    )


@login_required
def member_managers(request, slug):
    """Everyone who may change the profile sees its managers; owners add more."""
    member = _member_for_change(request, slug)
    is_owner = services.member_owned_by(member=member, user=request.user)
    form = ManagerAddForm(request.POST or None)
    if request.method == "POST":
        if not is_owner:
            raise Http404
        if form.is_valid():
            try:
                services.member_manager_invite(
                    member=member, user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                # The same words whether an account uses the address or not.
                messages.success(
                    request,
                    _(
                        "An invitation to manage this profile goes to %(email)s "
                        "if an account with this verified address exists. They "
                        "become a manager when they accept it."
                    )
                    % {"email": form.cleaned_data["email"]},
                )
                return redirect("members:managers", slug=member.slug)
    return render(
        request,
        "members/member_managers.html",
        {
            "member": member,
            "managers": member.managers.select_related("user").order_by("pk"),
            "is_owner": is_owner,
            "form": form,
        },
    )


@login_required
@require_POST
def member_manager_remove(request, slug, pk):
    member = _member_for_change(request, slug)
    if not services.member_owned_by(member=member, user=request.user):
        raise Http404
    manager = get_object_or_404(MemberManager, pk=pk, member=member)
    try:
        services.member_manager_remove(manager=manager, user=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("The manager is removed."))
    return redirect("members:managers", slug=member.slug)


def _invitation(request, pk):
    """The invitation `pk`, to the account it was sent to; a 404 for others."""
    invitation = services.manager_invitation_for(pk=pk, user=request.user)
    if invitation is None:
        raise Http404
    return invitation


@login_required
def manager_invitation(request, pk):
    """The invited account reads the invitation and accepts or declines it."""
    invitation = _invitation(request, pk)
    return render(
        request,
        "members/manager_invitation.html",
        {
            "invitation": invitation,
            "invited_by": user_display(invitation.invited_by)
            if invitation.invited_by
            else _("An owner"),
        },
    )


@login_required
@require_POST
def manager_invitation_accept(request, pk):
    invitation = _invitation(request, pk)
    manager = services.manager_invitation_accept(
        invitation=invitation, user=request.user
    )
    messages.success(
        request,
        _("You now manage the profile of %(name)s.") % {"name": manager.member.name},
    )
    return redirect("members:edit", slug=manager.member.slug)


@login_required
@require_POST
def manager_invitation_decline(request, pk):
    invitation = _invitation(request, pk)
    services.manager_invitation_decline(invitation=invitation, user=request.user)
    messages.success(request, _("The invitation is declined."))
    return redirect("dashboard:home")


@login_required
def member_affiliations(request, slug):
    """A person profile lists its organisations; it can join one the user
    manages."""
    member = _member_for_change(request, slug)
    organisations = services.affiliation_organisations(person=member, user=request.user)
    form = AffiliationForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and not member.is_organisation and form.is_valid():
        try:
            services.affiliation_create(
                person=member,
                organisation=form.cleaned_data["organisation"],
                user=request.user,
                title=form.cleaned_data["title"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The affiliation is saved."))
            return redirect("members:affiliations", slug=member.slug)
    return render(
        request,
        "members/member_affiliations.html",
        {
            "member": member,
            "form": form,
            "has_organisations": organisations.exists(),
            "affiliations": member.affiliations.select_related("organisation"),
            "affiliated_people": member.affiliated_people.select_related("person"),
        },
    )


@login_required
@require_POST
def member_affiliation_remove(request, slug, pk):
    member = _member_for_change(request, slug)
    affiliation = get_object_or_404(
        Affiliation.objects.select_related("person", "organisation"),
        Q(person=member) | Q(organisation=member),
        pk=pk,
    )
    services.affiliation_delete(affiliation=affiliation, user=request.user)
    messages.success(request, _("The affiliation is removed."))
    return redirect("members:affiliations", slug=member.slug)
