"""Sign-in backends whose sessions load a person with their organization in one query.

Every page reads the signed-in person's organization (the tenant of each selector, the
default language of the language middleware): joining it where Django loads the person
saves a query on each request.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class _PersonWithOrganization:
    def get_user(self, user_id: Any) -> User | None:
        person = User.objects.select_related("organization").filter(pk=user_id).first()
        if person is None or not person.is_active:
            return None
        return person


class LockoutBackend(_PersonWithOrganization, AxesStandaloneBackend):
    """django-axes' lockout check (it must come first), and the session of ``force_login``."""


class PasswordBackend(_PersonWithOrganization, ModelBackend):
    """Django's email and password check; the session of people signed in any way."""
