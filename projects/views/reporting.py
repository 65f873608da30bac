"""Bureau staff's work list and progress reports."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from projects import access, clock
from projects.models import Milestone


@login_required
def my_work(request):
    today = clock.today()
    milestones = (
        access.visible_milestones(request.user, Milestone.objects.for_year(today.year))
        .for_list()
        .order_by("done_date", "due_date")
    )
    return render(request, "projects/my_work.html", {"milestones": milestones, "today": today})
