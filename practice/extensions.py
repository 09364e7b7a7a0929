"""Plug-in points for downstream apps, so that practice never imports them.

The enrolment page asks every registered extension for a form to show beside the
personal payoff (payoff asks for baselines there) and saves them in the same
transaction as the enrolment.
"""

from __future__ import annotations

from typing import Any, Protocol

from django import forms

from accounts.models import User
from courses.models import MicromasteryVersion
from practice.models import Enrollment


class EnrollmentExtension(Protocol):
    def enrollment_form(
        self, *, version: MicromasteryVersion, data: Any = None, prefix: str
    ) -> forms.Form | None:
        """A form to show on the enrolment page for this version, or None."""

    def enrollment_save(self, *, form: forms.Form, enrollment: Enrollment, by: User) -> None:
        """Save the form's data for the new enrolment; raise ApplicationError to refuse."""


enrollment_extensions: list[EnrollmentExtension] = []


def enrollment_extension_register(extension: EnrollmentExtension) -> None:
    if extension not in enrollment_extensions:
        enrollment_extensions.append(extension)
