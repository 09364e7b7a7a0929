"""Emails about teach-back sessions: invitations with calendar files, updates, feedback."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from practice.teachback.calendar import session_ics
from practice.teachback.models import TeachBackInvite, TeachBackSession
from practice.teachback.tokens import invite_token


def _links(invite: TeachBackInvite) -> dict[str, str]:
    token = invite_token(invite)
    base = f"{settings.SITE_URL}/teachbacks/invites/{token}"
    return {
        "accept_url": f"{base}/accept/",
        "decline_url": f"{base}/decline/",
        "feedback_url": f"{base}/feedback/",
        "session_url": f"{settings.SITE_URL}/teachbacks/{invite.session_id}/",
    }


def send_calendar_email(session: TeachBackSession, *, method: str, kind: str) -> int:
    """Send each invitee the invitation (kind "invite"), an update or a cancellation."""
    invites = list(session.invites.select_related("invitee"))
    title = session.enrollment.version.title
    ics = session_ics(session, method=method, invites=invites, title=title)
    sent = 0
    for invite in invites:
        context = {
            "session": session,
            "invite": invite,
            "title": title,
            "kind": kind,
            **_links(invite),
        }
        subject = render_to_string("teachback/email_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("teachback/email_invite.txt", context),
            to=[invite.invitee.email],
            headers={"X-Micromastery-Teachback": f"{session.uid}/{session.sequence}"},
        )
        message.attach_alternative(
            render_to_string("teachback/email_invite.html", context), "text/html"
        )
        message.attach("teach-back.ics", ics, f'text/calendar; method={method}; charset="UTF-8"')
        message.send()
        sent += 1
    return sent


def send_feedback_requests(session: TeachBackSession, *, invite_ids: list[int]) -> int:
    invites = list(
        session.invites.filter(pk__in=invite_ids, attended=True).select_related("invitee")
    )
    title = session.enrollment.version.title
    for invite in invites:
        context = {"session": session, "invite": invite, "title": title, **_links(invite)}
        EmailMultiAlternatives(
            subject=f"How clear was {session.teacher.display_name}'s teach-back?",
            body=render_to_string("teachback/email_feedback.txt", context),
            to=[invite.invitee.email],
        ).send()
    return len(invites)
