"""Pages of the nudge feature: preferences, notification centre, unsubscribe, tracking."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.languages import person_language
from accounts.models import User
from micromastery.common.errors import ApplicationError
from micromastery.common.forms import form_add_application_error
from practice.nudges import selectors, services
from practice.nudges.forms import NudgePreferencesForm
from practice.nudges.tokens import tracking_target, unsubscribe_user_id

# A transparent 1x1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    preference = selectors.nudge_preference_get(user=user)
    form = NudgePreferencesForm(
        request.POST or None,
        initial={
            "subscribed": preference.unsubscribed_at is None,
            "email_enabled": preference.email_enabled,
            "in_app_enabled": preference.in_app_enabled,
            "webhook_enabled": preference.webhook_enabled,
            "paused_until": preference.paused_until,
            "time_zone": user.time_zone,
            "work_starts_at": user.work_starts_at,
            "work_ends_at": user.work_ends_at,
            "working_days": user.working_days,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.nudge_preferences_update(user=user, **form.cleaned_data)
        except ApplicationError as error:
            user.refresh_from_db()
            form_add_application_error(form, error)
        else:
            messages.success(request, _("Your nudge settings are saved."))
            return redirect("nudges:preferences")
    return render(request, "nudges/preferences.html", {"form": form})


@login_required
@require_GET
def notification_center(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notification_list(user=_user(request)), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "nudges/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = selectors.notification_get(user=_user(request), notification_id=notification_id)
    services.notification_mark_read(notification=notification)
    return redirect("nudges:notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(user=_user(request))
    messages.success(request, _("All notifications are marked as read."))
    return redirect("nudges:notifications")


@csrf_exempt  # RFC 8058: mail clients POST here without a session or CSRF token.
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for confirmation (link scanners fetch GETs); POST unsubscribes at once."""
    user_id = unsubscribe_user_id(token)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return render(request, "nudges/unsubscribe_invalid.html", status=400)
    # Opened from an email, often without a session: the page speaks the person's language.
    with translation.override(person_language(user)):
        if request.method == "POST":
            services.nudges_unsubscribe(user=user)
            return render(request, "nudges/unsubscribe_done.html", {"person": user})
        return render(request, "nudges/unsubscribe.html", {"person": user, "token": token})


@require_GET
def click(request: HttpRequest, token: str) -> HttpResponse:
    """Record the click, then open the page the nudge is about (never another site)."""
    target = tracking_target(token)
    nudge = selectors.nudge_get_for_tracking(nudge_id=target[0]) if target else None
    if nudge is None or target is None:
        return redirect("home")
    services.nudge_record_click(nudge=nudge)
    items = nudge.items
    path = items[target[1]]["path"] if target[1] < len(items) else "/"
    if not url_has_allowed_host_and_scheme(path, allowed_hosts=None) or not path.startswith("/"):
        path = "/"
    return HttpResponseRedirect(path)


@require_GET
def opened(request: HttpRequest, token: str) -> HttpResponse:
    target = tracking_target(token)
    if target is not None:
        services.nudge_record_open(nudge_id=target[0])
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response
