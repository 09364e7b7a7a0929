from __future__ import annotations

from functools import cache
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import User
from accounts.selectors import team_list_managed
from micromastery.common.health import health_report
from micromastery.home import home_summary
from payoff.selectors import before_after_measured
from practice.cohorts.selectors import assignment_list
from practice.selectors import learner_home
from practice.teachback.selectors import TeachBackHome, teachback_home


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each person's starting point, with a section for every role they hold."""
    user = request.user
    assert isinstance(user, User)
    now = timezone.now()
    summary = home_summary(user=user, now=now)
    sections = summary.sections
    practice = learner_home(learner=user, enrollments=summary.enrollments, now=now)
    context = {
        "unread_notifications": sections.unread_notifications,
        "managed_teams": list(team_list_managed(viewer=user)) if sections.manages_teams else [],
        "practice": practice,
        # Before and after, only where the learner has measured something.
        "before_after": before_after_measured(
            learner=user, enrollments=[row.enrollment for row in practice.enrollments], now=now
        )
        if sections.has_measurements and practice.enrollments
        else {},
        "teachback": teachback_home(user, now=now)
        if sections.has_teachbacks
        else TeachBackHome(proposals=[], upcoming=[], to_mark=[]),
        "assigned_work": assignment_list(learner=user, now=now)
        if sections.has_assigned_work
        else [],
    }
    return render(request, "home.html", context)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report()
    report["status"] = "ok" if healthy else "unavailable"
    return JsonResponse(report, status=200 if healthy else 503)


@cache
def _service_worker_source() -> bytes:
    found = finders.find("sw.js")
    assert isinstance(found, str), "static/sw.js is missing"
    return Path(found).read_bytes()


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, from the site root so that it may keep any page for offline use."""
    response = HttpResponse(_service_worker_source(), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    # A new version must reach phones at their next visit, not after a cache expires.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def web_manifest(request: HttpRequest) -> JsonResponse:
    """What a phone needs to install the app on its home screen."""
    icon = static("img/icon.svg")
    manifest = {
        "name": "Micromastery",
        "short_name": "Micromastery",
        "description": gettext("Practise small skills in the flow of work."),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f4f6f8",
        "theme_color": "#1f4e79",
        "icons": [
            {"src": icon, "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
            {"src": icon, "sizes": "any", "type": "image/svg+xml", "purpose": "maskable"},
        ],
    }
    response = JsonResponse(manifest, content_type="application/manifest+json")
    response["Cache-Control"] = "public, max-age=3600"
    return response
