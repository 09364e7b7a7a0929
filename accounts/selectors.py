"""Reads about people and teams, scoped to the viewer."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from accounts import policies
from accounts.models import Team, User


def teams_managed(*, viewer: User) -> QuerySet[Team]:
    """The teams the viewer manages in their own organization."""
    return Team.objects.managed_by(viewer).filter(organization__users=viewer)


def team_list_managed(*, viewer: User) -> QuerySet[Team]:
    """The teams the viewer manages in their own organization, with member counts."""
    return (
        teams_managed(viewer=viewer)
        .annotate(member_count=Count("members", distinct=True))
        .order_by("name")
    )


def team_list_visible(*, viewer: User) -> QuerySet[Team]:
    """Teams the viewer may report on: the whole org for org admins and authors, else managed."""
    return policies.teams_visible_to(viewer)
