from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import User
from accounts.selectors import team_list_managed
from micromastery.common.health import health_report
from payoff.selectors import before_after_map
from practice.cohorts.selectors import assignment_list
from practice.selectors import learner_home
from practice.teachback.selectors import teachback_home


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each person's starting point, with a section for every role they hold."""
    user = request.user
    assert isinstance(user, User)
    practice = learner_home(learner=user)
    enrollments = [row.enrollment for row in practice.enrollments]
    measured = {}
    if enrollments:
        prefetch_related_objects(enrollments, "version__payoff_metrics")
        measured = before_after_map(learner=user, enrollments=enrollments)
    managed_teams = list(team_list_managed(viewer=user))
    context = {
        "managed_teams": managed_teams,
        "practice": practice,
        # Before and after, only where the learner has measured something.
        "before_after": {
            pk: rows
            for pk, rows in measured.items()
            if any(row.baseline is not None or row.latest is not None for row in rows)
        },
        "teachback": teachback_home(user),
        "assigned_work": assignment_list(learner=user),
    }
    return render(request, "home.html", context)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report()
    report["status"] = "ok" if healthy else "unavailable"
    return JsonResponse(report, status=200 if healthy else 503)
