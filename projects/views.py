from django.shortcuts import get_object_or_404, render

from projects.models import Project
from search.views import index_search_page


def project_list(request):
    return index_search_page(
        request, document="project", template="projects/project_list.html"
    )


def project_detail(request, slug):
    project = get_object_or_404(Project.objects.published(), slug=slug)
    partnerships = project.partnerships.filter(
        member__status="published"
    ).select_related("member")
    return render(
        request,
        "projects/project_detail.html",
        {"project": project, "partnerships": partnerships},
    )
