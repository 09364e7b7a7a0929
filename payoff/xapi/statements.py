"""Learning events as xAPI 1.0.3 statements: the vocabulary and one builder per event.

Every IRI used here is listed in the README's "xAPI" section. Verbs and activity types
come from the ADL vocabulary where it has one; the others are ours, under
``<site URL>/xapi/``. Activity ids are the pages of the micromastery and of its steps
(``<site URL>/micromasteries/<id>`` and ``.../steps/<step key>``): the micromastery's id
and a step's ``key`` stay the same across versions, so every version reports to the same
activity.

A statement's id is a UUID 5 of the event's natural key (``statement_id``), and its body
is made from stored rows only (no "now"): the same event always makes the same
statement, which is what lets a resend or a backfill be recognised by the LRS.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings

from accounts.models import User
from courses.models import Micromastery, MicromasteryVersion, PracticeStep
from payoff.models import PayoffMeasurement
from practice.extensions import LearningEventKind
from practice.models import Enrollment, PracticeAttempt
from practice.teachback.models import TeachBackInvite, TeachBackSession

XAPI_VERSION = "1.0.3"
# The namespace of our statement ids; never change it (every id would change with it).
STATEMENT_NAMESPACE = uuid.UUID("8f2b7d6e-3c1a-5e4f-9b0d-6a7c2e1f4d35")

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"


def own_iri(path: str) -> str:
    """One of our own IRIs (a verb, an activity type, an extension)."""
    return f"{settings.SITE_URL}/xapi/{path}"


VERBS: dict[LearningEventKind, tuple[str, str]] = {
    LearningEventKind.ENROLLED: (ADL_VERBS + "registered", "registered"),
    LearningEventKind.PRACTISED: (ADL_VERBS + "attempted", "attempted"),
    LearningEventKind.STEP_COMPLETED: (ADL_VERBS + "completed", "completed"),
    LearningEventKind.PRACTICE_COMPLETED: (ADL_VERBS + "completed", "completed"),
    LearningEventKind.TAUGHT_BACK: ("verbs/taught-back", "taught back"),
    LearningEventKind.FEEDBACK_GIVEN: ("verbs/gave-feedback", "gave feedback on"),
    LearningEventKind.MASTERED: (ADL_VERBS + "mastered", "mastered"),
    LearningEventKind.CHECKED_IN: ("verbs/checked-in", "checked in"),
}
TEST_VERB = (ADL_VERBS + "experienced", "experienced")

ACTIVITY_MICROMASTERY = ADL_ACTIVITIES + "module"
ACTIVITY_STEP = ADL_ACTIVITIES + "performance"
ACTIVITY_TEACHBACK = ADL_ACTIVITIES + "meeting"
ACTIVITY_METRIC = "activity-types/payoff-metric"

EXTENSION_METRIC_VALUE = "extensions/metric-value"
EXTENSION_METRIC_UNIT = "extensions/metric-unit"
EXTENSION_CHECKIN_DAY = "extensions/check-in-day"
EXTENSION_WILL_TRY = "extensions/will-try"
EXTENSION_REFRESHER = "extensions/refresher"


def _iri(value: str) -> str:
    return value if value.startswith("http") else own_iri(value)


def statement_id(natural_key: str) -> str:
    return str(uuid.uuid5(STATEMENT_NAMESPACE, natural_key))


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def _en(text: str) -> dict[str, str]:
    return {"en-US": text}


def actor(user: User) -> dict[str, Any]:
    """The learner by email (``mbox``): how the organization's other tools know them too."""
    return {
        "objectType": "Agent",
        "name": user.display_name or user.email,
        "mbox": f"mailto:{user.email}",
    }


def micromastery_activity(
    micromastery: Micromastery, version: MicromasteryVersion
) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": f"{settings.SITE_URL}/micromasteries/{micromastery.pk}",
        "definition": {"name": _en(version.title), "type": ACTIVITY_MICROMASTERY},
    }


def step_activity(micromastery: Micromastery, step: PracticeStep) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": f"{settings.SITE_URL}/micromasteries/{micromastery.pk}/steps/{step.key}",
        "definition": {"name": _en(step.title), "type": ACTIVITY_STEP},
    }


def _statement(
    *,
    natural_key: str,
    kind: LearningEventKind | None,
    who: User,
    what: dict[str, Any],
    when: datetime,
    enrollment: Enrollment | None = None,
    result: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    verb_id, verb_name = VERBS[kind] if kind is not None else TEST_VERB
    statement: dict[str, Any] = {
        "id": statement_id(natural_key),
        "actor": actor(who),
        "verb": {"id": _iri(verb_id), "display": _en(verb_name)},
        "object": what,
        "timestamp": _timestamp(when),
    }
    context = {"platform": "Micromastery", **(context or {})}
    if enrollment is not None:
        # One registration per enrolment: an LRS groups the learner's statements by it.
        context["registration"] = statement_id(f"registration:{enrollment.pk}")
    statement["context"] = context
    if result:
        statement["result"] = result
    return statement


def _parent(enrollment: Enrollment) -> dict[str, Any]:
    return {
        "contextActivities": {
            "parent": [micromastery_activity(enrollment.micromastery, enrollment.version)]
        }
    }


def _scaled(rating: int) -> dict[str, Any]:
    """A 1-5 rating as an xAPI score (scaled 0..1)."""
    return {"raw": rating, "min": 1, "max": 5, "scaled": round((rating - 1) / 4, 4)}


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def enrolled(enrollment: Enrollment) -> dict[str, Any]:
    return _statement(
        natural_key=f"enrolled:{enrollment.pk}",
        kind=LearningEventKind.ENROLLED,
        who=enrollment.learner,
        what=micromastery_activity(enrollment.micromastery, enrollment.version),
        when=enrollment.created_at,
        enrollment=enrollment,
    )


def practised(attempt: PracticeAttempt) -> dict[str, Any]:
    enrollment = attempt.enrollment
    result: dict[str, Any] = {
        "score": _scaled(attempt.confidence),
        "duration": f"PT{attempt.minutes}M",
    }
    if attempt.is_refresher:
        result["extensions"] = {own_iri(EXTENSION_REFRESHER): True}
    return _statement(
        natural_key=f"attempted:{attempt.pk}",
        kind=LearningEventKind.PRACTISED,
        who=enrollment.learner,
        what=step_activity(enrollment.micromastery, attempt.step),
        when=attempt.practiced_at,
        enrollment=enrollment,
        result=result,
        context=_parent(enrollment),
    )


def step_completed(enrollment: Enrollment, step: PracticeStep, when: datetime) -> dict[str, Any]:
    return _statement(
        natural_key=f"step-completed:{enrollment.pk}:{step.key}",
        kind=LearningEventKind.STEP_COMPLETED,
        who=enrollment.learner,
        what=step_activity(enrollment.micromastery, step),
        when=when,
        enrollment=enrollment,
        result={"completion": True},
        context=_parent(enrollment),
    )


def practice_completed(enrollment: Enrollment) -> dict[str, Any]:
    assert enrollment.completed_at is not None
    return _statement(
        natural_key=f"completed:{enrollment.pk}",
        kind=LearningEventKind.PRACTICE_COMPLETED,
        who=enrollment.learner,
        what=micromastery_activity(enrollment.micromastery, enrollment.version),
        when=enrollment.completed_at,
        enrollment=enrollment,
        result={"completion": True},
    )


def mastered(enrollment: Enrollment) -> dict[str, Any]:
    assert enrollment.mastered_at is not None
    return _statement(
        natural_key=f"mastered:{enrollment.pk}",
        kind=LearningEventKind.MASTERED,
        who=enrollment.learner,
        what=micromastery_activity(enrollment.micromastery, enrollment.version),
        when=enrollment.mastered_at,
        enrollment=enrollment,
        result={"completion": True, "success": True},
    )


def teachback_activity(session: TeachBackSession) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": f"{settings.SITE_URL}/teachbacks/{session.pk}",
        "definition": {
            "name": _en(f"Teach-back: {session.enrollment.version.title}"),
            "type": ACTIVITY_TEACHBACK,
        },
    }


def taught_back(session: TeachBackSession, attendees: list[User]) -> dict[str, Any]:
    """The teacher taught the micromastery back; the session and who attended are the
    context (the attendees as the context's team)."""
    enrollment = session.enrollment
    context: dict[str, Any] = {
        "contextActivities": {"grouping": [teachback_activity(session)]},
    }
    if attendees:
        context["team"] = {
            "objectType": "Group",
            "name": f"Attendees of teach-back {session.pk}",
            "member": [actor(person) for person in attendees],
        }
    return _statement(
        natural_key=f"taught-back:{session.pk}",
        kind=LearningEventKind.TAUGHT_BACK,
        who=session.teacher,
        what=micromastery_activity(enrollment.micromastery, enrollment.version),
        when=session.starts_at or session.created_at,
        enrollment=enrollment,
        context=context,
    )


def feedback_given(invite: TeachBackInvite) -> dict[str, Any]:
    session = invite.session
    enrollment = session.enrollment
    assert invite.feedback_at is not None
    assert invite.feedback_clarity is not None
    # The learner's own words (what they did, a feedback comment) stay on the platform: the
    # LRS gets the measures only.
    result: dict[str, Any] = {"score": _scaled(invite.feedback_clarity)}
    if invite.feedback_will_try is not None:
        result["extensions"] = {own_iri(EXTENSION_WILL_TRY): invite.feedback_will_try}
    return _statement(
        natural_key=f"feedback:{invite.pk}",
        kind=LearningEventKind.FEEDBACK_GIVEN,
        who=invite.invitee,
        what=teachback_activity(session),
        when=invite.feedback_at,
        result=result,
        context={
            "instructor": actor(session.teacher),
            "contextActivities": {
                "parent": [micromastery_activity(enrollment.micromastery, enrollment.version)]
            },
        },
    )


def checked_in(measurement: PayoffMeasurement) -> dict[str, Any]:
    enrollment = measurement.enrollment
    metric = measurement.metric
    extensions: dict[str, Any] = {own_iri(EXTENSION_METRIC_VALUE): _number(measurement.value)}
    if metric.unit:
        extensions[own_iri(EXTENSION_METRIC_UNIT)] = metric.unit
    if measurement.checkin_day is not None:
        extensions[own_iri(EXTENSION_CHECKIN_DAY)] = measurement.checkin_day
    return _statement(
        natural_key=f"checked-in:{measurement.pk}",
        kind=LearningEventKind.CHECKED_IN,
        who=enrollment.learner,
        what={
            "objectType": "Activity",
            "id": (
                f"{settings.SITE_URL}/micromasteries/{enrollment.micromastery_id}"
                f"/metrics/{metric.key}"
            ),
            "definition": {"name": _en(metric.name), "type": own_iri(ACTIVITY_METRIC)},
        },
        when=measurement.measured_at,
        enrollment=enrollment,
        result={"extensions": extensions},
        context=_parent(enrollment),
    )


def test_statement(*, by: User, natural_key: str, when: datetime) -> dict[str, Any]:
    """What "send a test statement" sends: the admin experienced the platform."""
    return _statement(
        natural_key=natural_key,
        kind=None,
        who=by,
        what={
            "objectType": "Activity",
            "id": f"{settings.SITE_URL}/",
            "definition": {"name": _en("Micromastery"), "type": ADL_ACTIVITIES + "link"},
        },
        when=when,
    )
