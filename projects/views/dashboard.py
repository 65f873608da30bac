"""The city dashboard and the pages that drill into it."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from projects import access, clock
from projects.models import PlanYear


@login_required
def home(request):
    scope = access.scope_for(request.user)
    if scope.reach is access.Reach.UNIT:
        return redirect("my_work")
    plan = PlanYear.objects.order_by("-year").first()
    projects = access.visible_projects(request.user)
    if plan:
        projects = projects.for_year(plan.year)
    projects = projects.for_list().with_progress()
    return render(
        request,
        "projects/home.html",
        {"plan": plan, "projects": projects, "today": clock.today()},
    )
