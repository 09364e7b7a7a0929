"""Reads about micromasteries, scoped to the viewer's organization and role."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from courses.models import MicromasteryVersion, PayoffMetric, PracticeStep


def user_can_author(user: User) -> bool:
    return bool(user.is_active and (user.is_superuser or user.is_author))


def version_list_for_author(*, viewer: User) -> QuerySet[MicromasteryVersion]:
    """Every version, of any status, that the viewer may author: none unless they are one."""
    if not user_can_author(viewer):
        return MicromasteryVersion.objects.none()
    versions = MicromasteryVersion.objects.all()
    if not viewer.is_superuser:
        versions = versions.for_organization(viewer.organization_id)
    return versions


def version_get_for_preview(*, viewer: User, version_id: int) -> MicromasteryVersion | None:
    """A version with what the learner's view shows (steps and payoff metrics in order)."""
    return (
        version_list_for_author(viewer=viewer)
        .select_related("micromastery")
        .prefetch_related(
            Prefetch("steps", PracticeStep.objects.order_by("order", "pk")),
            Prefetch("payoff_metrics", PayoffMetric.objects.order_by("order", "pk")),
        )
        .filter(pk=version_id)
        .first()
    )
