"""Manager pages: assign work to a team, and follow each cohort's reach and completion."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import policies
from accounts.models import User
from micromastery.common.errors import ApplicationError
from micromastery.common.forms import form_add_application_error
from practice.cohorts import selectors, services
from practice.cohorts.forms import AssignForm


def _assigner(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    if not policies.can_assign(user):
        raise PermissionDenied(_("Only org admins, authors and team managers assign work."))
    return user


@login_required
@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest) -> HttpResponse:
    user = _assigner(request)
    form = AssignForm(request.POST or None, viewer=user)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.cohort_assign(by=user, **form.service_arguments())
        except ApplicationError as error:
            form_add_application_error(form, error)
        else:
            messages.success(
                request,
                _("Assigned to %(cohort)s. %(summary)s")
                % {"cohort": outcome.cohort, "summary": outcome.summary},
            )
            return redirect("cohorts:detail", cohort_id=outcome.cohort.pk)
    return render(request, "cohorts/assign.html", {"form": form})


@login_required
def cohort_list(request: HttpRequest) -> HttpResponse:
    user = _assigner(request)
    reports = selectors.cohort_report_list(viewer=user)
    return render(request, "cohorts/list.html", {"reports": reports})


@login_required
def cohort_detail(request: HttpRequest, cohort_id: int) -> HttpResponse:
    user = _assigner(request)
    report = selectors.cohort_report_get(viewer=user, cohort_id=cohort_id)
    return render(request, "cohorts/detail.html", {"report": report})


@login_required
@require_POST
def member_remove(request: HttpRequest, cohort_id: int, learner_id: int) -> HttpResponse:
    user = _assigner(request)
    cohort = selectors.cohort_get(viewer=user, cohort_id=cohort_id)
    learner = get_object_or_404(User, pk=learner_id, organization_id=cohort.organization_id)
    try:
        services.cohort_member_remove(cohort=cohort, by=user, learner=learner)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(person)s is out of %(cohort)s. Their practice so far stays with them.")
            % {"person": learner, "cohort": cohort},
        )
    return redirect("cohorts:detail", cohort_id=cohort.pk)
