"""Who may see or change what: one rule per kind of object, answered two ways.

Each rule below gives a yes/no check for one object (``can_<verb>(user, obj)``) and a
queryset for lists (``<objects>_visible_to(user)``), both derived from the same
:class:`Rule`, so a page that checks one object and a list that shows many never disagree.

The roles, from the narrowest:

- everyone is a learner: their own practice, notifications and teach-backs;
- a manager (of the teams in ``Team.managers``): those teams, their members and their
  members' practice, the cohorts of those teams and the ones they assigned;
- authors and org admins see the whole organization (:func:`sees_whole_organization`);
- a platform superuser belongs to no organization and sees every one of them, except what
  is personal to someone (an inbox, a teach-back one teaches or is invited to).

Models of downstream apps are looked up by name rather than imported, so that ``accounts``
stays at the bottom of the dependency arrows; by name alone, so that a model moving to
another app (keeping its table) needs no change here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import Model, Q, QuerySet

if TYPE_CHECKING:
    from accounts.models import User


def sees_whole_organization(user: User) -> bool:
    """Org admins and authors report on, and assign to, everyone in their organization."""
    return bool(user.is_active and (user.is_superuser or user.is_org_admin or user.is_author))


def role_signature(user: Any) -> tuple[bool, ...]:
    """All the rules below read of a person besides their ids: two people with the same
    signature get the same querysets, up to ids (micromastery.common.prepared)."""
    return (
        bool(getattr(user, "is_authenticated", False)),
        bool(getattr(user, "is_active", False)),
        bool(getattr(user, "is_superuser", False)),
        bool(getattr(user, "is_org_admin", False)),
        bool(getattr(user, "is_author", False)),
        getattr(user, "organization_id", None) is None,
    )


def _is_member(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


@cache
def _model(name: str) -> type[Model]:
    (model,) = (model for model in apps.get_models() if model.__name__ == name)
    return model


@dataclass(frozen=True)
class Rule:
    """Who sees the rows of one model.

    ``organization``: the lookup from the model to its organization's id.
    ``narrow``: what someone who does not see the whole organization sees (a Q on the
    model), or None for nothing. ``whole_organization``: who sees every row of their own
    organization. ``personal``: rows that belong to a person (an inbox), which even a
    superuser sees only as their own. ``mine``: an in-memory shortcut for the common
    "it is the viewer's own" case of the yes/no check, so that it costs no query.
    ``organization_of``: the object's organization id when it is on the row itself.
    ``through_many``: ``narrow`` crosses a to-many relation (so rows could repeat).
    """

    model: str
    organization: str
    narrow: Callable[[User], Q] | None = None
    whole_organization: Callable[[User], bool] = sees_whole_organization
    personal: bool = False
    mine: Callable[[User, Any], bool] | None = None
    organization_of: Callable[[Any], int | None] | None = None
    through_many: bool = True

    def queryset(self) -> QuerySet[Any]:
        return _model(self.model)._default_manager.all()

    def visible_to(self, user: Any) -> QuerySet[Any]:
        rows = self.queryset()
        if not _is_member(user):
            return rows.none()
        if self.personal:
            return self._narrowed(rows, user)
        if user.is_superuser:
            return rows
        if user.organization_id is None:
            return rows.none()
        rows = rows.filter(**{self.organization: user.organization_id})
        if self.whole_organization(user):
            return rows
        return self._narrowed(rows, user)

    def _narrowed(self, rows: QuerySet[Any], user: User) -> QuerySet[Any]:
        if self.narrow is None:
            return rows.none()
        if not self.through_many:
            return rows.filter(self.narrow(user))
        # Filtering through a to-many relation repeats rows; pk__in keeps each once and
        # leaves the caller free to annotate and order.
        return rows.filter(pk__in=self.queryset().filter(self.narrow(user)).values("pk"))

    def allows(self, user: Any, obj: Model) -> bool:
        if not _is_member(user):
            return False
        if user.is_superuser and not self.personal:
            return True
        if self.mine is not None and self.mine(user, obj):
            return True
        if self.organization_of is not None:
            if user.organization_id is None or self.organization_of(obj) != user.organization_id:
                return False
            if self.whole_organization(user) and not self.personal:
                return True
            if self.narrow is None:
                return False
        return self.visible_to(user).filter(pk=obj.pk).exists()


def _is_org_admin(user: User) -> bool:
    return bool(user.is_org_admin)


def _authors(user: User) -> bool:
    return bool(user.is_author)


ORGANIZATION = Rule(
    model="Organization",
    organization="pk",
    whole_organization=lambda user: True,
    organization_of=lambda organization: organization.pk,
)
TEAM = Rule(
    model="Team",
    organization="organization_id",
    narrow=lambda user: Q(managers=user),
    organization_of=lambda team: team.organization_id,
)
# A team's chat: org admins connect any team's, managers their own teams'.
TEAM_CHAT = Rule(
    model="Team",
    organization="organization_id",
    narrow=lambda user: Q(managers=user),
    whole_organization=_is_org_admin,
    organization_of=lambda team: team.organization_id,
)
PERSON = Rule(
    model="User",
    organization="organization_id",
    narrow=lambda user: Q(pk=user.pk) | Q(teams__managers=user),
    mine=lambda user, person: person.pk == user.pk,
    organization_of=lambda person: person.organization_id,
)
PEOPLE_IMPORT = Rule(
    model="PeopleImport",
    organization="organization_id",
    whole_organization=_is_org_admin,
    organization_of=lambda people_import: people_import.organization_id,
)
MICROMASTERY = Rule(
    model="Micromastery",
    organization="organization_id",
    whole_organization=lambda user: True,
    organization_of=lambda micromastery: micromastery.organization_id,
)
MICROMASTERY_AUTHORING = Rule(
    model="Micromastery",
    organization="organization_id",
    whole_organization=_authors,
    organization_of=lambda micromastery: micromastery.organization_id,
)
VERSION_AUTHORING = Rule(
    model="MicromasteryVersion",
    organization="micromastery__organization_id",
    whole_organization=_authors,
)
ENROLLMENT = Rule(
    model="Enrollment",
    organization="learner__organization_id",
    narrow=lambda user: Q(learner=user) | Q(learner__teams__managers=user),
    mine=lambda user, enrollment: enrollment.learner_id == user.pk,
)
PRACTICE = Rule(
    model="Enrollment",
    organization="learner__organization_id",
    narrow=lambda user: Q(learner=user),
    personal=True,
    mine=lambda user, enrollment: enrollment.learner_id == user.pk,
    through_many=False,
)
ATTEMPT = Rule(
    model="PracticeAttempt",
    organization="enrollment__learner__organization_id",
    narrow=lambda user: Q(enrollment__learner=user) | Q(enrollment__learner__teams__managers=user),
)
MEASUREMENT = Rule(
    model="PayoffMeasurement",
    organization="enrollment__learner__organization_id",
    narrow=lambda user: Q(enrollment__learner=user) | Q(enrollment__learner__teams__managers=user),
)
COHORT = Rule(
    model="Cohort",
    organization="organization_id",
    narrow=lambda user: Q(teams__managers=user) | Q(created_by=user),
    organization_of=lambda cohort: cohort.organization_id,
)
TEACHBACK = Rule(
    model="TeachBackSession",
    organization="teacher__organization_id",
    # An invitee sees a session once it is scheduled: a proposal is the teacher's draft.
    narrow=lambda user: Q(teacher=user) | (Q(invites__invitee=user) & ~Q(status="proposed")),
    personal=True,
    mine=lambda user, session: session.teacher_id == user.pk,
)
NOTIFICATION = Rule(
    model="Notification",
    organization="recipient__organization_id",
    narrow=lambda user: Q(recipient=user),
    personal=True,
    mine=lambda user, notification: notification.recipient_id == user.pk,
    through_many=False,
)
NUDGE = Rule(
    model="Nudge",
    organization="recipient__organization_id",
    narrow=lambda user: Q(recipient=user),
    whole_organization=_is_org_admin,
    mine=lambda user, nudge: nudge.recipient_id == user.pk,
    through_many=False,
)


# --- Organizations, teams, people -------------------------------------------------------


def organizations_visible_to(user: Any) -> QuerySet[Any]:
    return ORGANIZATION.visible_to(user)


def can_view_organization(user: Any, organization: Model) -> bool:
    return ORGANIZATION.allows(user, organization)


def teams_visible_to(user: Any) -> QuerySet[Any]:
    """Teams the user reports on and assigns work to: all of the organization's for org
    admins and authors, the teams they manage for managers, none for anyone else."""
    return TEAM.visible_to(user)


def can_view_team(user: Any, team: Model) -> bool:
    return TEAM.allows(user, team)


def people_visible_to(user: Any) -> QuerySet[Any]:
    """Oneself; the members of the teams one manages; the whole organization for org
    admins and authors."""
    return PERSON.visible_to(user)


def can_view_person(user: Any, person: Model) -> bool:
    return PERSON.allows(user, person)


def manages(user: Any, person: Model | int) -> bool:
    """The user manages a team of their organization that the person is a member of (the
    manager who confirms a learner's payoff; org admins and authors do not)."""
    if not _is_member(user) or user.organization_id is None:
        return False
    person_id = person if isinstance(person, int) else person.pk
    return (
        TEAM.queryset()
        .filter(managers=user, members=person_id, organization_id=user.organization_id)
        .exists()
    )


def people_imports_visible_to(user: Any) -> QuerySet[Any]:
    return PEOPLE_IMPORT.visible_to(user)


def can_view_people_import(user: Any, people_import: Model) -> bool:
    return PEOPLE_IMPORT.allows(user, people_import)


# --- Micromasteries ----------------------------------------------------------------------


def micromasteries_visible_to(user: Any) -> QuerySet[Any]:
    """The organization's micromasteries (which of them a learner is offered is the
    catalog's business: published ones)."""
    return MICROMASTERY.visible_to(user)


def can_view_micromastery(user: Any, micromastery: Model) -> bool:
    return MICROMASTERY.allows(user, micromastery)


def is_author(user: Any) -> bool:
    """Opens the authoring tool: an author of an organization, or a superuser."""
    return bool(_is_member(user) and (user.is_superuser or user.is_author))


def micromasteries_authorable_by(user: Any) -> QuerySet[Any]:
    return MICROMASTERY_AUTHORING.visible_to(user)


def can_author(user: Any, micromastery: Model) -> bool:
    return MICROMASTERY_AUTHORING.allows(user, micromastery)


def versions_authorable_by(user: Any) -> QuerySet[Any]:
    """Every version, of any status, of the micromasteries the user may author."""
    return VERSION_AUTHORING.visible_to(user)


# --- Practice ----------------------------------------------------------------------------


def enrollments_visible_to(user: Any) -> QuerySet[Any]:
    """Enrolments the user may look at: their own, those of the members of the teams they
    manage, the whole organization's for org admins and authors."""
    return ENROLLMENT.visible_to(user)


def can_view_enrollment(user: Any, enrollment: Model) -> bool:
    return ENROLLMENT.allows(user, enrollment)


def enrollments_practised_by(user: Any) -> QuerySet[Any]:
    """Enrolments the user may practise in, log attempts and give payoff values for:
    only their own, whatever their role."""
    return PRACTICE.visible_to(user)


def can_practise(user: Any, enrollment: Model) -> bool:
    return PRACTICE.allows(user, enrollment)


def attempts_visible_to(user: Any) -> QuerySet[Any]:
    """Follows the enrolment: see :func:`enrollments_visible_to`."""
    return ATTEMPT.visible_to(user)


def can_view_attempt(user: Any, attempt: Model) -> bool:
    return ATTEMPT.allows(user, attempt)


def measurements_visible_to(user: Any) -> QuerySet[Any]:
    """Follows the enrolment: see :func:`enrollments_visible_to`."""
    return MEASUREMENT.visible_to(user)


def can_view_measurement(user: Any, measurement: Model) -> bool:
    return MEASUREMENT.allows(user, measurement)


# --- Cohorts, teach-backs, the dashboard -------------------------------------------------


def can_assign(user: Any) -> bool:
    """Assigns work to others: org admins, authors and anyone who manages a team."""
    return sees_whole_organization(user) or teams_visible_to(user).exists()


def cohorts_visible_to(user: Any) -> QuerySet[Any]:
    """Cohorts the user may see and change: the whole organization's for org admins and
    authors; for managers, those of the teams they manage and those they assigned."""
    return COHORT.visible_to(user)


def can_change_cohort(user: Any, cohort: Model) -> bool:
    return COHORT.allows(user, cohort)


def teachbacks_visible_to(user: Any) -> QuerySet[Any]:
    """Sessions the user teaches, or is invited to once scheduled."""
    return TEACHBACK.visible_to(user)


def can_view_teachback(user: Any, session: Model) -> bool:
    return TEACHBACK.allows(user, session)


def can_change_teachback(user: Any, session: Any) -> bool:
    """Only the teacher changes a session."""
    return bool(_is_member(user) and session.teacher_id == user.pk)


def can_view_dashboard(user: Any) -> bool:
    """The payoff dashboard (and the spread reports): for org admins and authors of an
    organization, and for anyone who manages one of its teams."""
    if not _is_member(user) or user.organization_id is None:
        return False
    return sees_whole_organization(user) or teams_visible_to(user).exists()


def notifications_visible_to(user: Any) -> QuerySet[Any]:
    """One's own inbox, whatever one's role."""
    return NOTIFICATION.visible_to(user)


def can_view_notification(user: Any, notification: Model) -> bool:
    return NOTIFICATION.allows(user, notification)


def nudges_visible_to(user: Any) -> QuerySet[Any]:
    """The outbox: one's own nudges; the organization's for org admins."""
    return NUDGE.visible_to(user)


def can_view_nudge(user: Any, nudge: Model) -> bool:
    return NUDGE.allows(user, nudge)


def teams_whose_chat_is_managed_by(user: Any) -> QuerySet[Any]:
    """Teams whose chat webhook the user connects, tests and rotates."""
    return TEAM_CHAT.visible_to(user)


def can_manage_team_chat(user: Any, team: Model) -> bool:
    return TEAM_CHAT.allows(user, team)
