from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from members.models import Member


@login_required
def dashboard(request):
    members = Member.objects.managed_by(request.user).order_by("name")
    return render(request, "members/dashboard.html", {"members": members})
