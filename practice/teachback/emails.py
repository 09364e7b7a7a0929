"""Emails about teach-back sessions: invitations with calendar files, updates, feedback.

They are rendered when the event happens and handed to the outbox in the same transaction;
a worker delivers them. The key of each names the event and the invitee, so handling the
same event twice sends once. Each is written in its invitee's language, whoever sends it:
the calendar file's summary and description too.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from accounts.languages import person_language
from micromastery.common.outbox import Attachment, MessageKind, OutgoingEmail
from practice.nudges.outbox import outbox_enqueue
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


CALENDAR_KINDS = {
    "invite": MessageKind.TEACHBACK_INVITE,
    "update": MessageKind.TEACHBACK_UPDATE,
    "cancel": MessageKind.TEACHBACK_CANCEL,
}


def send_calendar_email(session: TeachBackSession, *, method: str, kind: str) -> int:
    """Enqueue for each invitee the invitation (kind "invite"), an update or a cancellation."""
    invites = list(session.invites.select_related("invitee__organization"))
    title = session.enrollment.version.title
    calendar_type = f'text/calendar; method={method}; charset="UTF-8"'
    # One calendar file per language: the same event, its texts in the invitee's language.
    ics_by_language: dict[str, str] = {}
    emails = []
    for invite in invites:
        language = person_language(invite.invitee)
        context = {
            "session": session,
            "invite": invite,
            "title": title,
            "kind": kind,
            **_links(invite),
        }
        with translation.override(language):
            if language not in ics_by_language:
                ics = session_ics(session, method=method, invites=invites, title=title)
                ics_by_language[language] = ics.decode()
            emails.append(
                OutgoingEmail(
                    recipient_id=invite.invitee_id,
                    to=invite.invitee.email,
                    kind=CALENDAR_KINDS[kind],
                    key=f"teachback:{session.uid}:{session.sequence}:{method}:{invite.invitee_id}",
                    subject=render_to_string("teachback/email_subject.txt", context).strip(),
                    text=render_to_string("teachback/email_invite.txt", context),
                    html=render_to_string("teachback/email_invite.html", context),
                    attachments=[
                        Attachment("teach-back.ics", ics_by_language[language], calendar_type)
                    ],
                    headers={"X-Micromastery-Teachback": f"{session.uid}/{session.sequence}"},
                )
            )
    return outbox_enqueue(emails)


def send_feedback_requests(session: TeachBackSession, *, invite_ids: list[int]) -> int:
    invites = list(
        session.invites.filter(pk__in=invite_ids, attended=True).select_related(
            "invitee__organization"
        )
    )
    title = session.enrollment.version.title
    emails = []
    for invite in invites:
        context = {"session": session, "invite": invite, "title": title, **_links(invite)}
        with translation.override(person_language(invite.invitee)):
            emails.append(
                OutgoingEmail(
                    recipient_id=invite.invitee_id,
                    to=invite.invitee.email,
                    kind=MessageKind.FEEDBACK_REQUEST,
                    key=f"teachback-feedback:{invite.pk}",
                    subject=feedback_question(session.teacher.display_name),
                    text=render_to_string("teachback/email_feedback.txt", context),
                )
            )
    return outbox_enqueue(emails)


def feedback_question(teacher_name: str) -> str:
    """The question of a feedback request, in the active language (email and bell alike)."""
    return gettext("How clear was %(teacher)s's teach-back?") % {"teacher": teacher_name}
