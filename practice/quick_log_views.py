"""The quick log: one screen, one tap, one repetition: from a nudge's link or from home."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.languages import person_language
from accounts.models import User
from micromastery.common.errors import ApplicationError
from micromastery.common.forms import form_add_application_error
from practice import selectors, services
from practice.forms import QuickLogForm
from practice.models import EnrollmentStatus
from practice.quick_log import QuickLogLinkError, quick_log_claims

TEMPLATE = "practice/quick_log.html"


def _refused(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    return render(request, "practice/quick_log_refused.html", {"message": message}, status=status)


def _quick_log(
    request: HttpRequest,
    *,
    learner: User,
    enrollment_id: int,
    step_id: int,
    link_key: uuid.UUID | None,
) -> HttpResponse:
    """GET shows the quick log and changes nothing; POST logs the repetition.

    ``link_key`` is the link's own nonce: the submission key of the one repetition the
    link may log. Without it (signed in, from home) the key comes from the page.
    """
    page = selectors.step_page_get(learner=learner, enrollment_id=enrollment_id, step_id=step_id)
    enrollment = page.row.enrollment
    form = QuickLogForm(
        request.POST if request.method == "POST" else None,
        evidence_kind=page.practice_step.evidence_kind,
    )
    context: dict[str, Any] = {
        "page": page,
        "enrollment": enrollment,
        "version": enrollment.version,
        "step": page.step,
        "progress": page.row.progress,
        "learner": learner,
        "form": form,
        "by_link": link_key is not None,
        "step_url": reverse("practice:step", args=[enrollment.pk, step_id]),
        "is_dropped": enrollment.status == EnrollmentStatus.DROPPED,
        "now": timezone.now(),
    }
    if link_key is not None:
        context["already"] = selectors.attempt_by_submission_key(
            enrollment=enrollment, submission_key=link_key
        )
    status = 200
    if request.method == "POST" and not context.get("already"):
        if form.is_valid():
            try:
                logged = services.attempt_quick_log(
                    enrollment=enrollment,
                    step=page.practice_step,
                    confidence=form.cleaned_data["confidence"],
                    what_happened=form.cleaned_data["what_happened"],
                    what_i_will_tweak=form.cleaned_data["what_i_will_tweak"],
                    evidence=form.evidence_value(),
                    submission_key=link_key or form.cleaned_data["submission_key"] or uuid.uuid4(),
                )
            except ApplicationError as error:
                form_add_application_error(form, error)
            else:
                progress = logged.progress
                context.update(
                    logged=logged,
                    already=None if logged.created else logged.attempt,
                    progress=progress,
                    step=progress.step_by_id(step_id),
                )
        if "logged" not in context:
            status = 400
    # A link opened without signing in shows times in the learner's own zone too.
    with timezone.override(learner.zone):
        return render(request, TEMPLATE, context, status=status)


# The token in the address is the credential, and it authorises this one action only: a
# forged cross-site POST would need the token, and with the token it could log anyway. A
# repetition queued offline must also go through after the CSRF cookie has changed.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def quick_log_by_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        claims = quick_log_claims(token)
    except QuickLogLinkError as error:
        return _refused(request, error.message, status=400)
    learner = selectors.quick_log_learner_get(learner_id=claims.learner_id)
    if learner is None:
        return _refused(
            request, gettext("This link no longer works: the account is closed."), status=403
        )
    if request.user.is_authenticated and request.user.pk != learner.pk:
        return _refused(
            request,
            gettext(
                "This link was sent to someone else, so it cannot log your practice. "
                "Open your own practice from the home page."
            ),
            status=403,
        )
    # Opened without signing in (from an email or a chat message, maybe on a shared
    # computer), the page speaks the learner's language rather than the browser's.
    language = (
        translation.get_language() if request.user.is_authenticated else person_language(learner)
    )
    with translation.override(language):
        try:
            response = _quick_log(
                request,
                learner=learner,
                enrollment_id=claims.enrollment_id,
                step_id=claims.step_id,
                link_key=claims.nonce,
            )
        except Http404:
            response = _refused(
                request,
                gettext("This link does not lead to a step of yours any more."),
                status=403,
            )
    response.headers["Content-Language"] = language
    return response


@login_required
@require_http_methods(["GET", "POST"])
def quick_log(request: HttpRequest, enrollment_id: int, step_id: int) -> HttpResponse:
    learner = request.user
    assert isinstance(learner, User)
    return _quick_log(
        request, learner=learner, enrollment_id=enrollment_id, step_id=step_id, link_key=None
    )
