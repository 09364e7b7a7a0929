"""Plug-in points for downstream apps, so that practice never imports them.

Each is a ``micromastery.common.registry.Registry`` that downstream apps register with from
their ``AppConfig.ready()``.

The enrolment page asks every registered extension for a form to show beside the
personal payoff (payoff asks for baselines there) and saves them in the same
transaction as the enrolment. The enrolment's own page asks again, for a form prefilled
with what was saved, so that a learner can add or correct it later. The API's enrolment
detail asks every registered API extension for a field to add (payoff adds the baselines).
When an attempt completes an enrolment, every completion hook hears of it once the
attempt is committed (teach-back proposes a session), and adds to the completion card
(teach-back links to its proposal). Every learning event (enrolled, practised, completed,
taught back, mastered, checked in) is told to the learning event hooks in the transaction
that made it (xAPI queues a statement).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from django import forms
from django.db import models
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User
from courses.models import MicromasteryVersion, PracticeStep
from micromastery.common.registry import Registry
from practice.models import Enrollment


class EnrollmentExtension(Protocol):
    def enrollment_form(
        self, *, version: MicromasteryVersion, data: Any = None, prefix: str
    ) -> forms.Form | None:
        """A form to show on the enrolment page for this version, or None."""

    def enrollment_edit_form(
        self, *, enrollment: Enrollment, data: Any = None, prefix: str
    ) -> forms.Form | None:
        """The same form for an existing enrolment, prefilled with what it saved, or None."""

    def enrollment_save(self, *, form: forms.Form, enrollment: Enrollment, by: User) -> None:
        """Save the form's data for the enrolment; raise ApplicationError to refuse."""

    def enrollment_summary(self, *, enrollment: Enrollment, learner: User) -> SafeString:
        """A section for the enrolment's own page (payoff shows before and after), or ""."""


enrollment_extensions: Registry[EnrollmentExtension] = Registry("enrolment extensions")


ExtensionForms = list[tuple[EnrollmentExtension, forms.Form]]


def enrollment_forms_for_version(
    *, version: MicromasteryVersion, data: Any = None
) -> ExtensionForms:
    """The extensions' forms for enrolling on ``version``, each with a prefix of its own."""
    found: ExtensionForms = []
    for index, extension in enumerate(enrollment_extensions):
        form = extension.enrollment_form(version=version, data=data, prefix=f"extension{index}")
        if form is not None:
            found.append((extension, form))
    return found


def enrollment_forms_for_enrollment(*, enrollment: Enrollment, data: Any = None) -> ExtensionForms:
    """The extensions' forms for an existing enrolment, prefilled with what it saved."""
    found: ExtensionForms = []
    for index, extension in enumerate(enrollment_extensions):
        form = extension.enrollment_edit_form(
            enrollment=enrollment, data=data, prefix=f"extension{index}"
        )
        if form is not None:
            found.append((extension, form))
    return found


def enrollment_summaries(*, enrollment: Enrollment, learner: User) -> SafeString:
    """What the extensions add to the enrolment's page, in registration order."""
    return mark_safe(  # noqa: S308 - each part is a rendered template of an extension
        "".join(
            extension.enrollment_summary(enrollment=enrollment, learner=learner)
            for extension in enrollment_extensions
        )
    )


class EnrollmentApiExtension(Protocol):
    """Adds one read-only field to the enrolment in the API (payoff adds the baselines)."""

    field_name: str

    def api_field(self, *, source: str) -> serializers.Field[Any, Any, Any, Any]:
        """The serializer field for the value; it documents the field in the OpenAPI schema."""

    def api_value(self, *, enrollment: Enrollment) -> Any:
        """The value of the field for one enrolment, in a constant number of queries."""


enrollment_api_extensions: Registry[EnrollmentApiExtension] = Registry(
    "enrolment API fields", key=lambda extension: extension.field_name
)


class CompletionHook(Protocol):
    """Told once, after the transaction that completed an enrolment has committed."""

    name: str

    def enrollment_completed(self, *, enrollment_id: int) -> None:
        """React to the completion (teach-back queues its proposal); must not raise for a
        broker outage: the attempt is saved whatever a hook does."""

    # Optional: ``completion_card(*, enrollment, learner) -> SafeString``, what the learner's
    # completion card says about it (teach-back: a link to the proposal).


completion_hooks: Registry[CompletionHook] = Registry(
    "completion hooks", key=lambda hook: hook.name
)


class LearningEventKind(models.TextChoices):
    """What a learner did that counts as a learning record (xAPI statements are made
    from these)."""

    ENROLLED = "enrolled", _("Enrolled")
    PRACTISED = "practised", _("Practised a step")
    STEP_COMPLETED = "step_completed", _("Completed a step")
    PRACTICE_COMPLETED = "practice_completed", _("Completed the practice")
    TAUGHT_BACK = "taught_back", _("Taught back")
    FEEDBACK_GIVEN = "feedback_given", _("Gave teach-back feedback")
    MASTERED = "mastered", _("Mastered")
    CHECKED_IN = "checked_in", _("Payoff check-in")


@dataclass(frozen=True)
class LearningEvent:
    """``subject`` is the row the event is about: the enrolment (enrolled, a step or the
    practice completed, mastered), the attempt, the teach-back session, the invite with
    the feedback, or the payoff measurement; ``step`` for a completed step."""

    kind: LearningEventKind
    subject: models.Model
    step: PracticeStep | None = None


class LearningEventHook(Protocol):
    """Told of each learning event inside the transaction that made it, so that what it
    stores (a statement in the outbox) commits with the event or not at all."""

    name: str

    def learning_event(self, *, event: LearningEvent) -> None: ...


learning_event_hooks: Registry[LearningEventHook] = Registry(
    "learning event hooks", key=lambda hook: hook.name
)


def learning_event_record(
    kind: LearningEventKind, subject: models.Model, *, step: PracticeStep | None = None
) -> None:
    """Tell every learning event hook, from the service that made the event."""
    event = LearningEvent(kind=kind, subject=subject, step=step)
    for hook in learning_event_hooks:
        hook.learning_event(event=event)


def completion_cards(*, enrollment: Enrollment, learner: User) -> SafeString:
    """What the completion hooks add to the completion card, in registration order."""
    parts = []
    for hook in completion_hooks:
        # A hook that only reacts (it has no card) adds nothing.
        card = getattr(hook, "completion_card", None)
        if card is not None:
            parts.append(card(enrollment=enrollment, learner=learner))
    return mark_safe("".join(parts))  # noqa: S308 - each part is a rendered template of a hook
