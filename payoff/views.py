"""Pages of payoff: the manager dashboard, its CSV and chart, the drill-down, check-ins."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from micromastery.common.errors import ApplicationError
from micromastery.common.forms import form_add_application_error
from payoff import services
from payoff.charts import practice_by_week_svg
from payoff.csv_export import csv_lines
from payoff.dashboard.learners import learner_detail, learner_rows
from payoff.dashboard.scope import PERIOD_CHOICES, DashboardScope, dashboard_scope
from payoff.dashboard.summary import DashboardSummary, dashboard_summary
from payoff.forms import CheckinForm, ManagerConfirmationForm
from payoff.models import MetricRollup
from payoff.selectors import checkin_page_get
from practice.models import Enrollment


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        raise Http404("No such filter value.") from None


def scope_from_request(request: HttpRequest) -> DashboardScope:
    """The dashboard filters from the query string:
    ?team=1&team=2&micromastery=3&cohort=4&period=90."""
    user = request.user
    assert isinstance(user, User)
    team_ids = [team_id for team_id in map(_int, request.GET.getlist("team")) if team_id]
    return dashboard_scope(
        viewer=user,
        team_ids=team_ids,
        micromastery_id=_int(request.GET.get("micromastery")),
        period_days=_int(request.GET.get("period")),
        cohort_id=_int(request.GET.get("cohort")),
    )


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = scope_from_request(request)
    summary = dashboard_summary(scope=scope, with_people=True)
    return render(
        request,
        "payoff/dashboard.html",
        {
            "summary": summary,
            "scope": scope,
            "period_choices": PERIOD_CHOICES,
            "selected_team_ids": set(scope.team_ids),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_GET
@csp_update({"style-src": ["'unsafe-inline'"]})
def practice_chart(request: HttpRequest) -> HttpResponse:
    """The weekly practice chart as an SVG image (its styles are inside the SVG)."""
    summary = dashboard_summary(scope=scope_from_request(request))
    response = HttpResponse(practice_by_week_svg(summary.weeks), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=60"
    return response


def summary_csv_rows(summary: DashboardSummary) -> Iterator[list[Any]]:
    scope = summary.scope
    yield [
        pgettext("CSV column", "section"),
        pgettext("CSV column", "figure"),
        pgettext("CSV column", "group"),
        pgettext("CSV column", "value"),
        pgettext("CSV column", "unit"),
        pgettext("CSV column", "how it is computed"),
    ]
    yield [pgettext("CSV section", "filter"), _("scope"), "", scope.description, "", ""]
    sections = (
        (_("Reach"), summary.reach),
        (_("Practice"), summary.practice),
        (_("Capability"), summary.capability),
        (_("Spread"), summary.spread),
    )
    for title, section in sections:
        for figure in section:
            yield [title, figure.label, "", figure.value, figure.unit, figure.explanation]
    for point in summary.weeks:
        yield [
            _("Practice by week"),
            _("Week of %(date)s") % {"date": point.week.isoformat()},
            "",
            point.per_learner,
            _("attempts per active learner"),
            _("%(attempts)s by %(learners)s")
            % {
                "attempts": ngettext("%(count)d attempt", "%(count)d attempts", point.attempts)
                % {"count": point.attempts},
                "learners": ngettext(
                    "%(count)d active learner", "%(count)d active learners", point.active_learners
                )
                % {"count": point.active_learners},
            },
        ]
    for result in summary.results:
        names = {"micromastery": result.micromastery_title, "metric": result.name}
        for group in result.groups:
            yield [
                _("Results"),
                _("%(micromastery)s: %(metric)s: learners with baseline and check-in") % names,
                group.label,
                group.learners,
                "",
                result.explanation,
            ]
            yield [
                _("Results"),
                _("%(micromastery)s: %(metric)s: median change") % names,
                group.label,
                group.median_change,
                result.unit,
                _("positive is better"),
            ]
            yield [
                _("Results"),
                _("%(micromastery)s: %(metric)s: median %% change") % names,
                group.label,
                group.median_percent_change,
                "%",
                _("against the baseline"),
            ]
            yield [
                _("Results"),
                _("%(micromastery)s: %(metric)s: reached the target") % names,
                group.label,
                group.target_share,
                "%",
                _("%(reached)s of %(with_target)s")
                % {"reached": group.reached_target, "with_target": group.with_target},
            ]
    for figure in summary.value:
        yield [_("Value"), figure.label, "", figure.value, figure.unit, figure.explanation]
    for line in summary.value_lines:
        yield [
            _("Value"),
            _("%(micromastery)s: %(metric)s")
            % {"micromastery": line.micromastery_title, "metric": line.metric_name},
            "",
            line.value,
            scope.organization.currency,
            line.explanation,
        ]
    for roi in summary.roi_lines:
        yield [
            _("Value"),
            _("%(micromastery)s: ROI") % {"micromastery": roi.micromastery_title},
            "",
            roi.roi_percent,
            "%",
            roi.explanation,
        ]
    for figure in summary.nudges:
        yield [_("Nudges"), figure.label, "", figure.value, figure.unit, figure.explanation]


def _csv_response(lines: Iterator[str], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def dashboard_csv(request: HttpRequest) -> StreamingHttpResponse:
    summary = dashboard_summary(scope=scope_from_request(request))
    stamp = timezone.now().strftime("%Y-%m-%d")
    return _csv_response(csv_lines(summary_csv_rows(summary)), f"payoff-dashboard-{stamp}.csv")


def _payoff_text(metric: MetricRollup) -> str:
    """One metric in the per-learner CSV; its numbers stay machine-readable (dot decimals)."""
    before = "?" if metric.baseline_value is None else metric.baseline_value
    after = "?" if metric.latest_value is None else metric.latest_value
    names = {"metric": metric.metric.name, "before": before, "after": after}
    if metric.change is None:
        return _("%(metric)s: %(before)s -> %(after)s") % names
    return _("%(metric)s: %(before)s -> %(after)s (%(change)s better)") % {
        **names,
        "change": f"{metric.change:+g}",
    }


def learner_csv_rows(scope: DashboardScope) -> Iterator[list[Any]]:
    titles = {item.pk: item.title for item in scope.micromasteries}  # type: ignore[attr-defined]
    yes, no = pgettext("CSV cell", "yes"), pgettext("CSV cell", "no")
    yield [
        pgettext("CSV column", "learner"),
        pgettext("CSV column", "email"),
        pgettext("CSV column", "micromastery"),
        pgettext("CSV column", "holdout"),
        pgettext("CSV column", "enrolled"),
        pgettext("CSV column", "started"),
        pgettext("CSV column", "completed"),
        pgettext("CSV column", "mastered"),
        pgettext("CSV column", "last practised"),
        pgettext("CSV column", "attempts"),
        pgettext("CSV column", "steps done"),
        pgettext("CSV column", "steps"),
        pgettext("CSV column", "payoff"),
    ]
    for row, metrics in learner_rows(scope=scope):
        payoff = "; ".join(_payoff_text(metric) for metric in metrics)
        yield [
            row.learner.display_name,
            row.learner.email,
            titles.get(row.micromastery_id, ""),
            yes if row.holdout else no,
            row.enrolled_at.date().isoformat(),
            row.started_at.date().isoformat() if row.started_at else "",
            row.completed_at.date().isoformat() if row.completed_at else "",
            row.mastered_at.date().isoformat() if row.mastered_at else "",
            row.last_practiced_at.date().isoformat() if row.last_practiced_at else "",
            row.attempts,
            row.steps_done,
            row.steps_total,
            payoff,
        ]


@login_required
@require_GET
def learners_csv(request: HttpRequest) -> StreamingHttpResponse:
    scope = scope_from_request(request)
    stamp = timezone.now().strftime("%Y-%m-%d")
    return _csv_response(csv_lines(learner_csv_rows(scope)), f"payoff-learners-{stamp}.csv")


@login_required
@require_GET
def learner_page(request: HttpRequest, learner_id: int) -> HttpResponse:
    scope = scope_from_request(request)
    detail = learner_detail(scope=scope, learner_id=learner_id)
    forms = {
        (enrollment.pk, metric.pk): ManagerConfirmationForm(
            metric=metric, prefix=f"m{enrollment.pk}-{metric.pk}"
        )
        for enrollment in detail.enrollments
        for metric in detail.manager_metrics[enrollment.pk]
    }
    return render(request, "payoff/learner.html", {"detail": detail, "forms": forms})


@login_required
@require_POST
def manager_confirm(
    request: HttpRequest, learner_id: int, enrollment_id: int, metric_id: int
) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    scope = scope_from_request(request)
    detail = learner_detail(scope=scope, learner_id=learner_id)
    enrollment = next((item for item in detail.enrollments if item.pk == enrollment_id), None)
    metrics = detail.manager_metrics.get(enrollment_id, []) if enrollment else []
    metric = next((item for item in metrics if item.pk == metric_id), None)
    if enrollment is None or metric is None or not detail.can_confirm:
        raise Http404("No such metric for this person in a team you manage.")
    form = ManagerConfirmationForm(
        request.POST, metric=metric, prefix=f"m{enrollment.pk}-{metric.pk}"
    )
    if form.is_valid():
        try:
            services.manager_confirmation_record(
                enrollment=enrollment,
                metric=metric,
                value=form.cleaned_data["value"],
                before=form.cleaned_data["when"] == "before",
                note=form.cleaned_data["note"],
                by=user,
            )
        except ApplicationError as error:
            form_add_application_error(form, error)
        else:
            messages.success(
                request,
                _("Recorded %(metric)s for %(learner)s.")
                % {"metric": metric.name, "learner": detail.learner},
            )
            return redirect(reverse("payoff:learner", args=[learner_id]))
    forms = {
        (item.pk, other.pk): form
        if (item.pk, other.pk) == (enrollment.pk, metric.pk)
        else ManagerConfirmationForm(metric=other, prefix=f"m{item.pk}-{other.pk}")
        for item in detail.enrollments
        for other in detail.manager_metrics[item.pk]
    }
    return render(request, "payoff/learner.html", {"detail": detail, "forms": forms}, status=400)


def _own_enrollment(request: HttpRequest, enrollment_id: int) -> Enrollment:
    enrollment = (
        Enrollment.objects.filter(pk=enrollment_id, learner_id=request.user.pk)
        .select_related("version", "micromastery")
        .prefetch_related("version__payoff_metrics")
        .first()
    )
    if enrollment is None:
        raise Http404("No such enrolment.")
    return enrollment


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """The learner's check-in: one form for every metric whose check-in has come."""
    user = request.user
    assert isinstance(user, User)
    enrollment = _own_enrollment(request, enrollment_id)
    page = checkin_page_get(learner=user, enrollment=enrollment)
    form = None
    status = 200
    if page.due:
        form = CheckinForm(request.POST if request.method == "POST" else None, rows=page.due)
        if request.method == "POST":
            if form.is_valid():
                try:
                    saved = services.checkins_record(
                        enrollment=enrollment, answers=form.answers(), by=user
                    )
                except ApplicationError as error:
                    form.add_checkin_error(error)
                else:
                    names = ", ".join(measurement.metric.name for measurement in saved)
                    messages.success(
                        request, _("Saved your check-in: %(metrics)s.") % {"metrics": names}
                    )
                    return redirect(request.path)
            status = 400
    elif request.method == "POST":
        return redirect(request.path)
    return render(
        request,
        "payoff/checkin.html",
        {"enrollment": enrollment, "page": page, "form": form, "before_after": page.rows},
        status=status,
    )
