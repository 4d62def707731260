"""Claiming a profile nobody manages (see `members.services.claims`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from members.forms import ClaimForm
from members.services import claims as services


@login_required
def member_claim(request, slug):
    """The claim form; a 404 for a profile that is managed or not published,
    so that the page reveals nothing about it."""
    member = services.member_claimable_for(slug=slug)
    if member is None:
        raise Http404
    form = ClaimForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.claim_create(
                member=member, user=request.user, evidence=form.cleaned_data["evidence"]
            )
        except ValidationError as error:
            for name, errors in getattr(error, "error_dict", {None: [error]}).items():
                form.add_error(name, errors)
        else:
            messages.success(
                request,
                _(
                    "Your claim is sent. An editor will check it and tell you "
                    "by e-mail."
                ),
            )
            return redirect(member)
    return render(
        request, "members/member_claim.html", {"member": member, "form": form}
    )
