"""What a dashboard shows: the teams, micromastery, cohort and period a viewer may see."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import policies
from accounts.models import Organization, Team, User
from courses.models import (
    CourseItem,
    Micromastery,
    MicromasteryVersion,
    PublicationStatus,
)
from payoff.rollups import week_of
from practice.cohorts.models import Cohort, CohortMembership

PERIOD_CHOICES = (30, 90, 365)
DEFAULT_PERIOD_DAYS = 90


@dataclass(frozen=True)
class DashboardScope:
    """What the viewer may see and chose to see: one organization, teams, micromastery, period,
    and optionally one cohort.

    ``teams`` empty means the whole organization (org admins and authors only). With a
    ``cohort``, only its current members' enrolments on its micromastery (or its course's
    micromasteries) count, among the teams in scope.
    """

    viewer: User
    organization: Organization
    teams: tuple[Team, ...]
    visible_teams: tuple[Team, ...]
    micromastery: Micromastery | None
    micromasteries: tuple[Micromastery, ...]
    period_days: int
    now: datetime
    cohort: Cohort | None = None
    visible_cohorts: tuple[Cohort, ...] = ()

    @property
    def whole_organization(self) -> bool:
        return not self.teams

    @property
    def organization_id(self) -> int:
        return self.organization.pk

    @property
    def micromastery_id(self) -> int | None:
        return self.micromastery.pk if self.micromastery else None

    @property
    def team_ids(self) -> list[int]:
        return [team.pk for team in self.teams]

    @property
    def start(self) -> datetime:
        return self.now - timedelta(days=self.period_days)

    @property
    def end(self) -> datetime:
        return self.now

    @property
    def first_week(self) -> date:
        return week_of(self.start)

    @property
    def limits_learners(self) -> bool:
        """Whether ``learner_ids()`` narrows the organization (teams or a cohort chosen)."""
        return bool(self.teams) or self.cohort is not None

    def team_member_ids(self) -> QuerySet[Any]:
        return Team.members.through.objects.filter(team_id__in=self.team_ids).values("user_id")

    def learner_ids(self) -> QuerySet[Any]:
        """Members of the selected teams, as a subquery (distinct in effect: used with IN).

        With a cohort: its current members, among the selected teams when there are any.
        """
        if self.cohort is None:
            return self.team_member_ids()
        members = CohortMembership.objects.filter(cohort_id=self.cohort.pk, removed_at__isnull=True)
        if self.teams:
            members = members.filter(learner_id__in=self.team_member_ids())
        return members.values("learner_id")

    def cohort_micromastery_ids(self) -> list[int] | QuerySet[Any]:
        """The cohort's micromastery, or its course's micromasteries as a subquery."""
        assert self.cohort is not None
        if self.cohort.micromastery_id is not None:
            return [self.cohort.micromastery_id]
        course_id = self.cohort.course_id
        assert course_id is not None  # a cohort has a micromastery or a course (constraint)
        return CourseItem.objects.filter(course_id=course_id).values("micromastery_id")

    def filter(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Limit a rollup queryset (fields organization, micromastery, learner) to the scope."""
        queryset = queryset.filter(organization_id=self.organization_id, dropped=False)
        if self.micromastery_id:
            queryset = queryset.filter(micromastery_id=self.micromastery_id)
        if self.cohort is not None:
            queryset = queryset.filter(micromastery_id__in=self.cohort_micromastery_ids())
        if self.limits_learners:
            queryset = queryset.filter(learner_id__in=self.learner_ids())
        return queryset

    @property
    def description(self) -> str:
        names = {
            "teams": ", ".join(team.name for team in self.teams) or _("the whole organization"),
            "subject": self.micromastery.title if self.micromastery else _("all micromasteries"),  # type: ignore[attr-defined]
            "period": ngettext("the last %(days)d day", "the last %(days)d days", self.period_days)
            % {"days": self.period_days},
        }
        if self.cohort:
            return _("%(teams)s; cohort %(cohort)s; %(subject)s; %(period)s") % {
                **names,
                "cohort": self.cohort.name,
            }
        return _("%(teams)s; %(subject)s; %(period)s") % names


def dashboard_offered(*, viewer: User, manages_teams: bool) -> bool:
    """Whether to point the viewer at the dashboard: the people ``dashboard_scope`` lets in
    (org admins and authors: the whole organization; managers: their teams)."""
    if viewer.organization_id is None or not viewer.is_active:
        return False
    return policies.sees_whole_organization(viewer) or manages_teams


def micromastery_list_reported(*, organization: Organization | int) -> list[Micromastery]:
    """The micromasteries a dashboard can report on: those ever published (drafts have no
    learners), once each, with ``title`` from their newest published version.

    Two micromasteries with the same title (a copy imported as a new one) get their slug
    beside it, so that the filter never offers two identical choices.
    """
    released = [PublicationStatus.PUBLISHED, PublicationStatus.ARCHIVED]
    newest_title = (
        MicromasteryVersion.objects.filter(micromastery=OuterRef("pk"), status__in=released)
        .order_by("-number")
        .values("title")[:1]
    )
    micromasteries = list(
        Micromastery.objects.filter(organization=organization)
        .filter(
            Exists(
                MicromasteryVersion.objects.filter(micromastery=OuterRef("pk"), status__in=released)
            )
        )
        .annotate(title=Subquery(newest_title))
        .order_by("title", "pk")
    )
    seen: dict[str, int] = defaultdict(int)
    for item in micromasteries:
        seen[item.title] += 1  # type: ignore[attr-defined]
    for item in micromasteries:
        if seen[item.title] > 1:  # type: ignore[attr-defined]
            item.title = f"{item.title} ({item.slug})"  # type: ignore[attr-defined]
    return micromasteries


def dashboard_scope(
    *,
    viewer: User,
    team_ids: list[int] | None = None,
    micromastery_id: int | None = None,
    period_days: int | None = None,
    now: datetime | None = None,
    cohort_id: int | None = None,
) -> DashboardScope:
    """Resolve the filters against what the viewer may see.

    Learners without a managed team get PermissionDenied; a team, micromastery or cohort the
    viewer may not see is a 404, never an empty answer that would confirm it exists elsewhere.
    Cohorts follow the cohorts' own visibility rule (managers: those of the teams they manage
    and those they assigned; org admins and authors: the whole organization's).
    """
    if viewer.organization_id is None or not viewer.is_active:
        raise PermissionDenied(_("The dashboard is for managers, organization admins and authors."))
    # The policy's can_view_dashboard, with the teams kept for the filters below.
    visible = tuple(policies.teams_visible_to(viewer).order_by("name", "pk"))
    whole = policies.sees_whole_organization(viewer)
    if not visible and not whole:
        raise PermissionDenied(_("The dashboard is for managers, organization admins and authors."))
    by_id = {team.pk: team for team in visible}
    chosen: tuple[Team, ...]
    if team_ids:
        if any(team_id not in by_id for team_id in team_ids):
            raise Http404("No such team among the teams you can see.")
        chosen = tuple(by_id[team_id] for team_id in dict.fromkeys(team_ids))
    else:
        chosen = () if whole else visible
    micromasteries = tuple(micromastery_list_reported(organization=viewer.organization_id))
    micromastery = None
    if micromastery_id is not None:
        micromastery = next((item for item in micromasteries if item.pk == micromastery_id), None)
        if micromastery is None:
            raise Http404("No such micromastery in your organization.")
    cohorts = tuple(
        policies.cohorts_visible_to(viewer)
        .filter(organization_id=viewer.organization_id)
        .order_by("name", "pk")
    )
    cohort = None
    if cohort_id is not None:
        cohort = next((item for item in cohorts if item.pk == cohort_id), None)
        if cohort is None:
            raise Http404("No such cohort among the cohorts you can see.")
    if period_days not in PERIOD_CHOICES:
        period_days = DEFAULT_PERIOD_DAYS
    organization = viewer.organization
    assert organization is not None
    return DashboardScope(
        viewer=viewer,
        organization=organization,
        teams=chosen,
        visible_teams=visible,
        micromastery=micromastery,
        micromasteries=micromasteries,
        period_days=period_days,
        now=now or timezone.now(),
        cohort=cohort,
        visible_cohorts=cohorts,
    )
