from django.shortcuts import get_object_or_404, render

from members.models import Member
from members.selectors import member_visible_sections
from search.views import index_search_page


def member_list(request):
    return index_search_page(
        request, document="member", template="members/member_list.html"
    )


def member_detail(request, slug):
    member = get_object_or_404(
        Member.objects.published().prefetch_related("sectors", "disciplines"), slug=slug
    )
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
        },
    )
