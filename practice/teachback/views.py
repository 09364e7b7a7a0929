"""Teach-back pages: the teacher's proposal and session, the invitee's links, the spread.

Links in emails (accept, decline, feedback) work without signing in: the signed token
names the invitation, and its pages speak to the invitee (their language and time zone).
They show a page with a button on GET and only change something on POST, so that mail
scanners that open every link never answer for anyone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.languages import request_language
from accounts.models import User
from micromastery.common.errors import ApplicationError
from micromastery.common.forms import form_add_application_error
from practice.teachback import selectors, services
from practice.teachback.calendar import session_ics
from practice.teachback.forms import (
    OTHER_TIME,
    AttendanceForm,
    AudienceForm,
    ColleagueSearchForm,
    ConfirmForm,
    FeedbackForm,
    RescheduleForm,
)
from practice.teachback.models import SessionStatus, TeachBackInvite, TeachBackSession
from practice.teachback.tokens import InviteTokenError, invite_token


def _viewer(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _title(session: TeachBackSession) -> str:
    return session.enrollment.version.title


# --- The teacher's proposal and the session page -----------------------------------------


def _ticked_ids(values: list[str]) -> list[int]:
    """Colleagues ticked on the page and not saved yet; anything else is ignored."""
    return [int(value) for value in values if value.isdigit()]


def _audience_search(request: HttpRequest, session: TeachBackSession) -> dict[str, Any]:
    """The search box and the ticked colleagues, from the query string or a posted form."""
    data = request.POST if request.method == "POST" else request.GET
    search_form = ColleagueSearchForm(data)
    query = search_form.cleaned_data["q"] if search_form.is_valid() else ""
    chosen_ids = _ticked_ids(data.getlist("audience")) if "q" in data else []
    audience = selectors.audience_for_proposal(session=session, query=query, chosen_ids=chosen_ids)
    return {"session": session, "audience": audience, "query": query, "search_form": search_form}


def _proposal_page(
    request: HttpRequest,
    session: TeachBackSession,
    *,
    confirm_form: ConfirmForm | None = None,
    audience_form: AudienceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    viewer = _viewer(request)
    search = _audience_search(request, session)
    invited = search["audience"].invited
    slots = selectors.slot_views(
        session.proposed_slots, teacher=viewer, audience=[member.person for member in invited]
    )
    confirm_form = confirm_form or ConfirmForm(session=session, zone_name=viewer.time_zone)
    context = {
        **search,
        "title": _title(session),
        "invited": invited,
        "slots": slots,
        "form": confirm_form,
        "audience_form": audience_form,
        "new_to_it": sum(1 for member in invited if member.has_not_done_it),
    }
    return render(request, "teachback/proposal.html", context, status=status)


def _session_page(request: HttpRequest, session: TeachBackSession) -> HttpResponse:
    viewer = _viewer(request)
    now = timezone.now()
    is_teacher = session.teacher_id == viewer.pk
    invites = list(session.invites.all())
    own_invite = selectors.invite_of(session, viewer)
    started = session.starts_at is not None and session.starts_at <= now
    context: dict[str, Any] = {
        "session": session,
        "title": _title(session),
        "is_teacher": is_teacher,
        "invites": invites,
        "own_invite": own_invite,
        "started": started,
        "can_change": is_teacher and session.status == SessionStatus.SCHEDULED and not started,
        "can_mark": is_teacher and session.status == SessionStatus.SCHEDULED and started,
        "feedback": [invite for invite in invites if invite.feedback_at] if is_teacher else [],
        "mastered": is_teacher and session.enrollment.mastered_at is not None,
        "attendance_marked": any(invite.attended is not None for invite in invites),
    }
    if own_invite is not None and own_invite.attended:
        context["feedback_url"] = reverse(
            "teachback:invite_feedback", args=[invite_token(own_invite)]
        )
    return render(request, "teachback/session.html", context)


@login_required
@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.teachback_get(viewer=_viewer(request), session_id=pk)
    if session.status == SessionStatus.PROPOSED:
        return _proposal_page(request, session)
    return _session_page(request, session)


@login_required
@require_GET
def audience_candidates(request: HttpRequest, pk: int) -> HttpResponse:
    """The colleagues list of the proposal for a search (htmx), with the ticked ones kept."""
    session = selectors.teachback_get_as_teacher(viewer=_viewer(request), session_id=pk)
    if session.status != SessionStatus.PROPOSED:
        raise Http404(_("This teach-back is no longer a proposal."))
    return render(
        request, "teachback/_audience_candidates.html", _audience_search(request, session)
    )


@login_required
@require_POST
def audience_change(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    session = selectors.teachback_get_as_teacher(viewer=viewer, session_id=pk)
    if "find" in request.POST:
        # The search without JavaScript: the same page, with what was ticked still ticked.
        return _proposal_page(request, session)
    form = AudienceForm(request.POST, teacher=viewer)
    if form.is_valid():
        try:
            services.teachback_audience_change(
                session=session, by=viewer, audience=form.cleaned_data["audience"]
            )
        except ApplicationError as error:
            form_add_application_error(form, error)
        else:
            messages.success(request, _("Audience saved; the times below fit everyone invited."))
            return redirect("teachback:session", pk=session.pk)
    return _proposal_page(request, session, audience_form=form, status=400)


@login_required
@require_POST
def session_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    session = selectors.teachback_get_as_teacher(viewer=viewer, session_id=pk)
    form = ConfirmForm(request.POST, session=session, zone_name=viewer.time_zone)
    if form.is_valid():
        try:
            services.teachback_confirm(
                session=session,
                by=viewer,
                starts_at=form.cleaned_data["when"],
                audience=[invite.invitee for invite in session.invites.all()],
                location=form.cleaned_data["location"],
                video_url=form.cleaned_data["video_url"],
                duration_minutes=form.cleaned_data["duration_minutes"],
            )
        except ApplicationError as error:
            if "starts_at" in error.fields and form.cleaned_data.get("slot") not in (
                None,
                "",
                OTHER_TIME,
            ):
                error.fields["slot"] = error.fields.pop("starts_at")
            form_add_application_error(form, error)
        else:
            messages.success(request, _("Confirmed. Your colleagues have their invitations."))
            return redirect("teachback:session", pk=session.pk)
    return _proposal_page(request, session, confirm_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def session_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    session = selectors.teachback_get_as_teacher(viewer=viewer, session_id=pk)
    form = RescheduleForm(
        request.POST or None,
        zone_name=viewer.time_zone,
        initial={
            "starts_at": session.starts_at,
            "location": session.location,
            "video_url": session.video_url,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.teachback_reschedule(session=session, by=viewer, **form.cleaned_data)
        except ApplicationError as error:
            form_add_application_error(form, error)
        else:
            messages.success(request, _("Moved. Your colleagues have the updated invitation."))
            return redirect("teachback:session", pk=session.pk)
    context = {"session": session, "title": _title(session), "form": form}
    status = 400 if request.method == "POST" else 200
    return render(request, "teachback/reschedule.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    session = selectors.teachback_get_as_teacher(viewer=viewer, session_id=pk)
    if request.method == "POST":
        was_scheduled = session.status == SessionStatus.SCHEDULED
        services.teachback_cancel(session=session, by=viewer)
        messages.success(
            request,
            _("Cancelled. Your colleagues' calendars remove it.")
            if was_scheduled
            else _("Proposal dismissed. Nobody was invited."),
        )
        return redirect("teachback:session", pk=session.pk)
    context = {"session": session, "title": _title(session)}
    return render(request, "teachback/cancel.html", context)


@login_required
@require_POST
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    session = selectors.teachback_get_as_teacher(viewer=viewer, session_id=pk)
    form = AttendanceForm(request.POST, session=session)
    if form.is_valid():
        try:
            services.attendance_mark(
                session=session, by=viewer, attended=form.cleaned_data["attended"]
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Attendance saved. Attendees are asked for feedback."))
    else:
        messages.error(request, " ".join(str(e) for e in form.errors.get("attended", [])))
    return redirect("teachback:session", pk=session.pk)


@login_required
@require_POST
def rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    session = selectors.teachback_get(viewer=viewer, session_id=pk)
    invite = selectors.invite_of(session, viewer)
    answer = request.POST.get("answer")
    if invite is None or answer not in ("accept", "decline"):
        raise Http404(_("No invitation to answer."))
    try:
        services.invite_respond(invite=invite, accept=answer == "accept")
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You accepted.") if answer == "accept" else _("You declined."))
    return redirect("teachback:session", pk=session.pk)


@login_required
@require_GET
def session_ics_download(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.teachback_get(viewer=_viewer(request), session_id=pk)
    if session.status == SessionStatus.PROPOSED:
        raise Http404(_("A proposal has no time yet."))
    method = "CANCEL" if session.status == SessionStatus.CANCELLED else "REQUEST"
    content = session_ics(
        session, method=method, invites=session.invites.all(), title=_title(session)
    )
    response = HttpResponse(content, content_type=f"text/calendar; method={method}; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="teach-back.ics"'
    return response


# --- Links from emails: no sign-in needed ------------------------------------------------


def _refused(request: HttpRequest, error: InviteTokenError) -> HttpResponse:
    return render(
        request,
        "teachback/link_refused.html",
        {"message": error.message},
        status=error.status,
    )


@contextmanager
def _as_invitee(request: HttpRequest, invite: TeachBackInvite) -> Iterator[None]:
    """The link stands for its invitee, signed in or not: their time zone, and their
    language (a browser's only where they chose none)."""
    language = request_language(request, invite.invitee)
    with timezone.override(invite.invitee.zone), translation.override(language):
        yield


def _invite_page(
    request: HttpRequest, template: str, invite: TeachBackInvite, **context: Any
) -> HttpResponse:
    status = context.pop("status", 200)
    with _as_invitee(request, invite):
        response = render(
            request,
            template,
            {
                "invite": invite,
                "session": invite.session,
                "title": _title(invite.session),
                "zone_name": invite.invitee.time_zone,
                **context,
            },
            status=status,
        )
        response.headers["Content-Language"] = translation.get_language()
        return response


@never_cache
@require_http_methods(["GET", "POST"])
def invite_answer(request: HttpRequest, token: str, answer: str) -> HttpResponse:
    try:
        invite = selectors.invite_by_token(token, viewer=request.user)
    except InviteTokenError as error:
        return _refused(request, error)
    accept = answer == "accept"
    if request.method == "POST":
        try:
            with _as_invitee(request, invite):
                invite = services.invite_respond(invite=invite, accept=accept)
        except ApplicationError as error:
            return _invite_page(
                request, "teachback/invite_answer.html", invite, problem=error.message
            )
        return _invite_page(
            request, "teachback/invite_answer.html", invite, answered=True, accept=accept
        )
    return _invite_page(request, "teachback/invite_answer.html", invite, accept=accept)


@never_cache
@require_http_methods(["GET", "POST"])
def invite_feedback(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invite = selectors.invite_by_token(token, viewer=request.user)
    except InviteTokenError as error:
        return _refused(request, error)
    with _as_invitee(request, invite):
        return _feedback_form(request, token, invite)


def _feedback_form(request: HttpRequest, token: str, invite: TeachBackInvite) -> HttpResponse:
    initial = {}
    if invite.feedback_at:
        initial = {
            "clarity": invite.feedback_clarity,
            "will_try": invite.feedback_will_try,
            "comment": invite.feedback_comment,
        }
    form = FeedbackForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            # The signed link stands for the invitee, as a sign-in would.
            services.feedback_give(invite=invite, by=invite.invitee, **form.cleaned_data)
        except ApplicationError as error:
            form_add_application_error(form, error)
        else:
            return redirect("teachback:invite_feedback_thanks", token=token)
    status = 400 if request.method == "POST" else 200
    return _invite_page(request, "teachback/feedback.html", invite, form=form, status=status)


@never_cache
@require_GET
def invite_feedback_thanks(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invite = selectors.invite_by_token(token, viewer=request.user)
    except InviteTokenError as error:
        return _refused(request, error)
    return _invite_page(request, "teachback/feedback_thanks.html", invite)


@never_cache
@require_http_methods(["GET", "POST"])
def invite_enroll(request: HttpRequest, token: str) -> HttpResponse:
    """Start practising the skill taught; the enrolment records who taught it."""
    try:
        invite = selectors.invite_by_token(token, viewer=request.user)
    except InviteTokenError as error:
        return _refused(request, error)
    if not request.user.is_authenticated:
        here = reverse("teachback:invite_enroll", args=[token])
        return redirect(f"{reverse('login')}?{urlencode({'next': here})}")
    if request.method == "POST":
        try:
            services.enroll_from_teachback(invite=invite, by=_viewer(request))
        except ApplicationError as error:
            return _invite_page(request, "teachback/enroll.html", invite, problem=error.message)
        messages.success(
            request,
            _("You are practising “%(title)s”. Your first step is waiting.")
            % {"title": _title(invite.session)},
        )
        return redirect("home")
    return _invite_page(request, "teachback/enroll.html", invite)


# --- Who taught whom ---------------------------------------------------------------------


@login_required
@require_GET
def spread_micromastery(request: HttpRequest, pk: int) -> HttpResponse:
    title, spread = selectors.spread_for_micromastery(viewer=_viewer(request), micromastery_id=pk)
    heading = _("Who taught whom: %(title)s") % {"title": title}
    context = {"heading": heading, "spread": spread, "per_team": False}
    return render(request, "teachback/spread.html", context)


@login_required
@require_GET
def spread_team(request: HttpRequest, pk: int) -> HttpResponse:
    team, spread = selectors.spread_for_team(viewer=_viewer(request), team_id=pk)
    heading = _("Who taught whom in %(team)s") % {"team": team.name}
    context = {"heading": heading, "spread": spread, "per_team": True}
    return render(request, "teachback/spread.html", context)
