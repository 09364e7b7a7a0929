"""The learner's pages: catalog, micromastery, enrolment, practice log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from accounts.models import User
from micromastery.common.errors import ApplicationError
from micromastery.common.forms import form_add_application_error
from practice import selectors, services
from practice.extensions import (
    ExtensionForms,
    completion_cards,
    enrollment_forms_for_enrollment,
    enrollment_forms_for_version,
    enrollment_summaries,
)
from practice.forms import AttemptForm, CatalogFilterForm, PersonalPayoffForm
from practice.models import EnrollmentStatus
from practice.presenters import (
    attempt_fields_html,
    attempt_history_html,
    payoff_metrics_html,
    step_lines,
)
from practice.progress import Progress


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _learner(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _step_url(enrollment_id: int, step_id: int) -> str:
    return reverse("practice:step", args=[enrollment_id, step_id])


def _next_step_url(enrollment_id: int, progress: Progress) -> str:
    """Where "continue practising" leads: the step to practise next, else the refresher."""
    step = progress.current_step or progress.refresher_step
    if step is None and progress.steps:
        step = progress.steps[0]
    if step is None:
        return reverse("practice:enrollment", args=[enrollment_id])
    return _step_url(enrollment_id, step.step.pk)


@login_required
@require_GET
def catalog(request: HtmxHttpRequest) -> HttpResponse:
    learner = _learner(request)
    topics = list(selectors.catalog_topics(viewer=learner))
    form = CatalogFilterForm(request.GET, topics=[(topic.slug, topic.name) for topic in topics])
    topic, search = "", ""
    if form.is_valid():
        topic, search = form.cleaned_data["topic"], form.cleaned_data["q"]
    entries = selectors.catalog_list(viewer=learner, topic=topic, search=search)
    context = {"form": form, "entries": entries, "filtered": bool(topic or search)}
    # htmx swaps only the results while the learner types; without JS the form reloads.
    template = "practice/_catalog_results.html" if request.htmx else "practice/catalog.html"
    return render(request, template, context)


@login_required
@require_GET
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    page = selectors.course_page_get(viewer=_learner(request), course_id=course_id)
    return render(request, "practice/course_detail.html", {"page": page})


@login_required
@require_GET
def micromastery_detail(request: HttpRequest, micromastery_id: int) -> HttpResponse:
    page = selectors.micromastery_page_get(
        viewer=_learner(request), micromastery_id=micromastery_id
    )
    context: dict[str, Any] = {"page": page, "version": page.version}
    if page.enrollment is not None:
        context["continue_url"] = _next_step_url(
            page.enrollment.enrollment.pk, page.enrollment.progress
        )
    return render(request, "practice/micromastery_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest, micromastery_id: int) -> HttpResponse:
    learner = _learner(request)
    page = selectors.micromastery_page_get(viewer=learner, micromastery_id=micromastery_id)
    if page.is_enrolled and page.enrollment is not None:
        messages.info(request, gettext("You are already enrolled: here is where you are."))
        return redirect("practice:enrollment", page.enrollment.enrollment.pk)
    version = selectors.micromastery_enrollable_get(viewer=learner, micromastery_id=micromastery_id)
    data = request.POST if request.method == "POST" else None
    payoff_form = PersonalPayoffForm(data)
    extension_forms = enrollment_forms_for_version(version=version, data=data)
    if (
        request.method == "POST"
        and payoff_form.is_valid()
        and all(form.is_valid() for _, form in extension_forms)
    ):
        try:
            enrollment = services.enrollment_create_with_extensions(
                learner=learner,
                micromastery=version.micromastery,
                personal_payoff=payoff_form.cleaned_data["personal_payoff"],
                extension_forms=extension_forms,
            )
        except ApplicationError as error:
            form_add_application_error(payoff_form, error)
        else:
            messages.success(
                request,
                gettext("You are enrolled in “%(title)s”. Here is your first step.")
                % {"title": version.title},
            )
            row = selectors.enrollment_get(learner=learner, enrollment_id=enrollment.pk)
            return redirect(_next_step_url(enrollment.pk, row.progress))
    return render(
        request,
        "practice/enrol.html",
        {
            "version": version,
            "payoff_form": payoff_form,
            "extension_forms": [form for _, form in extension_forms],
        },
    )


def _render_enrollment(
    request: HttpRequest,
    row: selectors.EnrollmentWithProgress,
    *,
    payoff_form: PersonalPayoffForm | None = None,
    extension_forms: ExtensionForms | None = None,
    status: int = 200,
) -> HttpResponse:
    enrollment = row.enrollment
    if payoff_form is None:
        payoff_form = PersonalPayoffForm(initial={"personal_payoff": enrollment.personal_payoff})
    if extension_forms is None:
        extension_forms = enrollment_forms_for_enrollment(enrollment=enrollment)
    now = timezone.now()
    context = {
        "row": row,
        "enrollment": enrollment,
        "progress": row.progress,
        "now": now,
        "continue_url": _next_step_url(enrollment.pk, row.progress),
        "step_lines": step_lines(
            enrollment_id=enrollment.pk, progress=row.progress, learner=request.user, now=now
        ),
        "payoff_form": payoff_form,
        "extension_forms": [form for _, form in extension_forms],
        "has_baselines": any(
            value is not None for _, form in extension_forms for value in form.initial.values()
        ),
        "extension_summaries": enrollment_summaries(
            enrollment=enrollment, learner=_learner(request)
        ),
    }
    return render(request, "practice/enrollment_detail.html", context, status=status)


@login_required
@require_GET
def enrollment_detail(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    row = selectors.enrollment_get(learner=_learner(request), enrollment_id=enrollment_id)
    return _render_enrollment(request, row)


@login_required
@require_POST
def enrollment_personal_payoff(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    row = selectors.enrollment_get(learner=_learner(request), enrollment_id=enrollment_id)
    form = PersonalPayoffForm(request.POST)
    if form.is_valid():
        services.enrollment_update_personal_payoff(
            enrollment=row.enrollment, personal_payoff=form.cleaned_data["personal_payoff"]
        )
        messages.success(request, gettext("Your personal payoff is saved."))
        return redirect("practice:enrollment", enrollment_id)
    return _render_enrollment(request, row, payoff_form=form)


@login_required
@require_POST
def enrollment_baselines(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    learner = _learner(request)
    row = selectors.enrollment_get(learner=learner, enrollment_id=enrollment_id)
    extension_forms = enrollment_forms_for_enrollment(enrollment=row.enrollment, data=request.POST)
    if all(form.is_valid() for _, form in extension_forms):
        try:
            services.enrollment_extensions_save(
                enrollment=row.enrollment, by=learner, extension_forms=extension_forms
            )
        except ApplicationError as error:
            form_add_application_error(extension_forms[0][1], error)
        else:
            messages.success(request, gettext("Your starting point is saved."))
            return redirect("practice:enrollment", enrollment_id)
    return _render_enrollment(request, row, extension_forms=extension_forms)


ENROLLMENT_ACTIONS = {
    "pause": (services.enrollment_pause, _("Paused. No reminders until you resume.")),
    "resume": (services.enrollment_resume, _("Welcome back: pick up where you left off.")),
    "drop": (
        services.enrollment_drop,
        _("Dropped. Your practice log is kept if you ever enrol again."),
    ),
}


@login_required
@require_POST
def enrollment_status_change(request: HttpRequest, enrollment_id: int, action: str) -> HttpResponse:
    row = selectors.enrollment_get(learner=_learner(request), enrollment_id=enrollment_id)
    service, done_message = ENROLLMENT_ACTIONS[action]
    try:
        service(enrollment=row.enrollment)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done_message)
    return redirect("practice:enrollment", enrollment_id)


@login_required
@require_http_methods(["GET", "POST"])
def step_practice(request: HttpRequest, enrollment_id: int, step_id: int) -> HttpResponse:
    learner = _learner(request)
    page = selectors.step_page_get(learner=learner, enrollment_id=enrollment_id, step_id=step_id)
    enrollment = page.row.enrollment
    form = AttemptForm(
        request.POST if request.method == "POST" else None,
        estimated_minutes=enrollment.version.estimated_minutes,
        evidence_kind=page.practice_step.evidence_kind,
    )
    if request.method == "POST" and form.is_valid():
        try:
            logged = services.attempt_log(
                enrollment=enrollment,
                step=page.practice_step,
                what_i_did=form.cleaned_data["what_i_did"],
                what_happened=form.cleaned_data["what_happened"],
                feedback_from=form.cleaned_data["feedback_from"],
                what_i_will_tweak=form.cleaned_data["what_i_will_tweak"],
                confidence=form.cleaned_data["confidence"],
                minutes=form.cleaned_data["minutes"],
                evidence=form.evidence_value(),
                practiced_at=form.cleaned_data["practiced_at"],
                submission_key=form.cleaned_data["submission_key"],
            )
        except ApplicationError as error:
            form_add_application_error(form, error)
        else:
            if logged.completed_now:
                messages.success(
                    request,
                    gettext("You have completed “%(title)s”. Well done!")
                    % {"title": enrollment.version.title},
                )
            elif logged.attempt.counts_as_repetition:
                messages.success(request, gettext("Logged: that one counts as a rep."))
            else:
                messages.success(
                    request,
                    gettext(
                        "Logged as extra practice: it is in your log, and the next rep counts "
                        "once the spacing below has passed."
                    ),
                )
            return redirect(_step_url(enrollment_id, step_id))
    now = timezone.now()
    context = {
        "page": page,
        "enrollment": enrollment,
        "version": enrollment.version,
        "progress": page.row.progress,
        "completion_cards": completion_cards(enrollment=enrollment, learner=learner)
        if page.row.progress.is_complete
        else "",
        "step": page.step,
        "payoff_metrics": payoff_metrics_html(page) if page.row.progress.is_complete else "",
        "history": attempt_history_html(page.history),
        "step_lines": step_lines(
            enrollment_id=enrollment.pk, progress=page.row.progress, learner=learner, now=now
        ),
        "form": form,
        "attempt_fields": attempt_fields_html(
            form,
            evidence_kind=page.practice_step.evidence_kind,
            estimated_minutes=enrollment.version.estimated_minutes,
        ),
        "now": now,
        "is_dropped": enrollment.status == EnrollmentStatus.DROPPED,
        "unread_notifications": page.unread_notifications,
    }
    return render(request, "practice/step.html", context)
