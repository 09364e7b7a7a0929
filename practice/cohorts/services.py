"""Writes of cohorts: assigning, syncing members, adding and removing them.

Who may assign: org admins and authors, anyone in their organization; managers, the
teams they manage and the people in those teams. For a course, assigning enrols each
learner in every micromastery of the course at once, in course order: the due date is
for the whole course, and a learner sees the full path from day one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from accounts import policies
from accounts.languages import person_language
from accounts.models import Organization, Team, User
from courses.models import Course, Micromastery, MicromasteryVersion, PublicationStatus
from micromastery.common.dates import PLANNING_HORIZON, PLANNING_HORIZON_YEARS
from micromastery.common.errors import ApplicationError, field_errors
from practice import services as practice_services
from practice.cohorts.invitations import (
    assignment_emails_send,
    cohort_title,
    kickoff_cancellations_send,
)
from practice.cohorts.models import Cohort, CohortEnrollment, CohortMembership
from practice.models import Enrollment, EnrollmentStatus
from practice.nudges.services import NotificationDraft, notifications_create


@dataclass
class SyncOutcome:
    """What one run of assigning or syncing did, person by person."""

    cohort: Cohort
    created: bool = False
    enrolled: list[User] = field(default_factory=list)
    already_enrolled: list[User] = field(default_factory=list)
    removed: list[User] = field(default_factory=list)
    notified: list[User] = field(default_factory=list)

    @property
    def summary(self) -> str:
        count = len(self.enrolled)
        parts = [
            ngettext("Enrolled %(count)d person.", "Enrolled %(count)d people.", count)
            % {"count": count}
        ]
        if self.already_enrolled:
            names = ", ".join(sorted(str(person) for person in self.already_enrolled))
            parts.append(_("Already enrolled, so left as they were: %(names)s.") % {"names": names})
        if self.removed:
            names = ", ".join(sorted(str(person) for person in self.removed))
            parts.append(_("No longer in the cohort's teams: %(names)s.") % {"names": names})
        return " ".join(parts)


def _audience_errors(
    *, by: User, organization: Organization, teams: list[Team], people: list[User]
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    foreign_teams = [team.name for team in teams if team.organization_id != organization.pk]
    if foreign_teams:
        errors["teams"] = [
            _("Not a team of %(organization)s: %(names)s.")
            % {"organization": organization, "names": ", ".join(foreign_teams)}
        ]
    foreign_people = [str(person) for person in people if person.organization_id != organization.pk]
    if foreign_people:
        errors["people"] = [
            _("Not in %(organization)s: %(names)s.")
            % {"organization": organization, "names": ", ".join(foreign_people)}
        ]
    if errors or policies.sees_whole_organization(by):
        return errors
    assignable = set(
        policies.teams_visible_to(by)
        .filter(pk__in=[team.pk for team in teams])
        .values_list("pk", flat=True)
    )
    unmanaged = [team.name for team in teams if team.pk not in assignable]
    if unmanaged:
        errors["teams"] = [
            _("You can only assign to teams you manage: %(names)s.")
            % {"names": ", ".join(unmanaged)}
        ]
    in_my_teams = set(
        policies.people_visible_to(by)
        .filter(pk__in=[person.pk for person in people])
        .values_list("pk", flat=True)
    )
    outside = [str(person) for person in people if person.pk not in in_my_teams]
    if outside:
        errors["people"] = [
            _("You can only pick people from the teams you manage: %(names)s.")
            % {"names": ", ".join(outside)}
        ]
    return errors


def _target_micromasteries(
    *, organization: Organization, micromastery: Micromastery | None, course: Course | None
) -> tuple[list[Micromastery], dict[str, list[str]]]:
    if (micromastery is None) == (course is None):
        message = _("Choose a micromastery or a course (one of them).")
        return [], {"micromastery": [message], "course": [message]}
    if micromastery is not None:
        if micromastery.organization_id != organization.pk:
            return [], {"micromastery": [_("This micromastery is not of your organization.")]}
        targets = [micromastery]
        missing = [] if _published_ids(targets) else [micromastery]
        if missing:
            return [], {
                "micromastery": [
                    _("This micromastery is not published yet: publish it before assigning it.")
                ]
            }
        return targets, {}
    assert course is not None
    if course.organization_id != organization.pk:
        return [], {"course": [_("This course is not of your organization.")]}
    if course.status != PublicationStatus.PUBLISHED:
        return [], {
            "course": [_("This course is not published yet: publish it before assigning it.")]
        }
    targets = [item.micromastery for item in course.items.select_related("micromastery")]
    if not targets:
        return [], {"course": [_("This course has no micromasteries yet.")]}
    published = _published_ids(targets)
    unpublished = [str(target) for target in targets if target.pk not in published]
    if unpublished:
        return [], {
            "course": [
                _(
                    "Some micromasteries of this course are not published yet: %(names)s. "
                    "Publish them before assigning the course."
                )
                % {"names": ", ".join(unpublished)}
            ]
        }
    return targets, {}


def _published_ids(micromasteries: list[Micromastery]) -> set[int]:
    return set(
        MicromasteryVersion.objects.filter(
            micromastery__in=micromasteries, status=PublicationStatus.PUBLISHED
        ).values_list("micromastery_id", flat=True)
    )


def _kickoff_errors(
    *,
    organization: Organization,
    kickoff_at: datetime | None,
    kickoff_location: str,
    kickoff_url: str,
    facilitator: User | None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kickoff_at is not None and not (kickoff_location or kickoff_url):
        errors["kickoff_location"] = [_("Say where the kickoff is: a place or a video link.")]
    if kickoff_at is None and (kickoff_location or kickoff_url or facilitator):
        errors["kickoff_at"] = [_("Give the kickoff a date and time, or leave the kickoff empty.")]
    if facilitator is not None and facilitator.organization_id != organization.pk:
        errors["facilitator"] = [_("The facilitator must be someone of your organization.")]
    return errors


def _cohort_targets(cohort: Cohort) -> list[Micromastery]:
    if cohort.micromastery_id is not None:
        assert cohort.micromastery is not None
        return [cohort.micromastery]
    assert cohort.course is not None
    return [item.micromastery for item in cohort.course.items.select_related("micromastery")]


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ApplicationError(
            " ".join(message for messages in errors.values() for message in messages),
            fields=errors,
        )


def _date_range_errors(
    *, starts_on: date | None, due_on: date | None, kickoff_on: date | None
) -> dict[str, list[str]]:
    today = timezone.now().date()
    message = ngettext(
        "Pick a date within %(count)d year of today.",
        "Pick a date within %(count)d years of today.",
        PLANNING_HORIZON_YEARS,
    ) % {"count": PLANNING_HORIZON_YEARS}
    return {
        name: [message]
        for name, value in (
            ("starts_on", starts_on),
            ("due_on", due_on),
            ("kickoff_at", kickoff_on),
        )
        if value is not None and not (today - PLANNING_HORIZON <= value <= today + PLANNING_HORIZON)
    }


def cohort_assignment_errors(
    *,
    by: User,
    organization: Organization,
    name: str,
    micromastery: Micromastery | None,
    course: Course | None,
    teams: list[Team],
    people: list[User],
    starts_on: date | None,
    due_on: date | None,
    kickoff_at: datetime | None,
    kickoff_location: str,
    kickoff_url: str,
    facilitator: User | None,
) -> dict[str, list[str]]:
    """Every rule an assignment must meet, by field; empty when it may go ahead.

    The admin form shows these next to its fields before saving; ``cohort_assign`` and
    ``cohort_update`` refuse with them.
    """
    # The model's own limits first (lengths, a well-formed link); the messages below are
    # more specific and replace them.
    errors = field_errors(
        Cohort(
            name=name.strip(),
            kickoff_location=kickoff_location.strip(),
            kickoff_url=kickoff_url.strip(),
        ),
        ["name", "kickoff_location", "kickoff_url"],
    )
    if not name.strip():
        errors["name"] = [_("Give the cohort a name.")]
    errors |= _date_range_errors(
        starts_on=starts_on,
        due_on=due_on,
        kickoff_on=kickoff_at.date() if kickoff_at is not None else None,
    )
    if starts_on is None:
        errors["starts_on"] = [_("Give the cohort a start date.")]
    elif due_on is not None and due_on < starts_on and "due_on" not in errors:
        errors["due_on"] = [_("The due date cannot be before the start date.")]
    if not teams and not people:
        errors["teams"] = [_("Choose at least one team or person: the cohort is empty.")]
    errors |= _audience_errors(by=by, organization=organization, teams=teams, people=people)
    _targets, target_errors = _target_micromasteries(
        organization=organization, micromastery=micromastery, course=course
    )
    errors |= target_errors
    errors |= _kickoff_errors(
        organization=organization,
        kickoff_at=kickoff_at,
        kickoff_location=kickoff_location.strip(),
        kickoff_url=kickoff_url.strip(),
        facilitator=facilitator,
    )
    return errors


@transaction.atomic
def cohort_assign(
    *,
    by: User,
    name: str,
    starts_on: date,
    micromastery: Micromastery | None = None,
    course: Course | None = None,
    teams: Iterable[Team] = (),
    people: Iterable[User] = (),
    due_on: date | None = None,
    kickoff_at: datetime | None = None,
    kickoff_minutes: int = 60,
    kickoff_location: str = "",
    kickoff_url: str = "",
    facilitator: User | None = None,
    organization: Organization | None = None,
) -> SyncOutcome:
    """Create the cohort and enrol and notify every member.

    Idempotent by name: assigning again under the same name (a double click, a retry,
    running it twice) reuses the cohort, adds whichever teams and people are new, and
    enrols and notifies only those who were not yet; nobody is emailed twice.
    """
    if organization is None:
        if by.organization is None:
            raise ApplicationError(_("Choose the organization the cohort belongs to."))
        organization = by.organization
    if not policies.can_view_organization(by, organization):
        raise ApplicationError(_("You can only assign within your own organization."))
    if not policies.can_assign(by):
        raise ApplicationError(
            _("Only org admins, authors and team managers can assign micromasteries.")
        )
    teams, people = list(teams), list(people)
    name = name.strip()
    kickoff_location, kickoff_url = kickoff_location.strip(), kickoff_url.strip()
    errors = cohort_assignment_errors(
        by=by,
        organization=organization,
        name=name,
        micromastery=micromastery,
        course=course,
        teams=teams,
        people=people,
        starts_on=starts_on,
        due_on=due_on,
        kickoff_at=kickoff_at,
        kickoff_location=kickoff_location,
        kickoff_url=kickoff_url,
        facilitator=facilitator,
    )
    _raise_if(errors)

    cohort = Cohort.objects.select_for_update().filter(organization=organization, name=name).first()
    created = False
    if cohort is None:
        try:
            with transaction.atomic():
                cohort = Cohort.objects.create(
                    organization=organization,
                    name=name,
                    micromastery=micromastery,
                    course=course,
                    starts_on=starts_on,
                    due_on=due_on,
                    kickoff_at=kickoff_at,
                    kickoff_minutes=kickoff_minutes,
                    kickoff_location=kickoff_location,
                    kickoff_url=kickoff_url,
                    facilitator=facilitator,
                    created_by=by,
                    assigned_by=by,
                )
                created = True
        except IntegrityError:
            # The same assignment sent twice at once: the other request made the cohort.
            cohort = Cohort.objects.select_for_update().get(organization=organization, name=name)
    if not created:
        if cohort.micromastery_id != (micromastery.pk if micromastery else None) or (
            cohort.course_id != (course.pk if course else None)
        ):
            message = _(
                "There is already a cohort named “%(name)s” with other work: choose a name."
            ) % {"name": name}
            raise ApplicationError(message, fields={"name": [message]})
        if not policies.can_change_cohort(by, cohort):
            message = _("“%(name)s” is a cohort you do not manage: choose another name.") % {
                "name": name
            }
            raise ApplicationError(message, fields={"name": [message]})
    cohort.teams.add(*teams)
    cohort.people.add(*people)
    _clear_removals(cohort, people)
    outcome = cohort_sync(cohort=cohort)
    outcome.created = created
    return outcome


def _clear_removals(cohort: Cohort, people: list[User]) -> None:
    """Picking someone who was taken out puts them back on the next sync."""
    if people:
        CohortMembership.objects.filter(cohort=cohort, learner__in=people).update(removed_by=None)


def _wanted_learner_ids(cohort: Cohort) -> set[int]:
    return set(
        User.objects.filter(organization_id=cohort.organization_id, is_active=True)
        .filter(Q(teams__cohorts=cohort) | Q(picked_cohorts=cohort))
        .values_list("pk", flat=True)
    )


@transaction.atomic
def cohort_sync(*, cohort: Cohort) -> SyncOutcome:
    """Bring the cohort's members in line with its teams and picked people.

    Late joiners are enrolled and notified; people who left every team of the cohort
    are marked removed (their enrolments and attempts stay). Safe to run any number of
    times: the cohort row is locked, each learner is enrolled and emailed at most once.
    A micromastery unpublished since the assignment is skipped until it is published.
    """
    # Lock only the cohort row: PostgreSQL cannot lock the empty side of the outer joins.
    cohort = (
        Cohort.objects.select_for_update(of=("self",))
        .select_related("micromastery", "course", "organization")
        .get(pk=cohort.pk)
    )
    outcome = SyncOutcome(cohort=cohort)
    now = timezone.now()
    wanted = _wanted_learner_ids(cohort)
    memberships = {
        membership.learner_id: membership
        for membership in CohortMembership.objects.filter(cohort=cohort).select_related("learner")
    }
    invited_and_gone: list[int] = []
    for learner_id, membership in memberships.items():
        if membership.removed_at is None and learner_id not in wanted:
            membership.removed_at = now
            membership.save(update_fields=["removed_at", "updated_at"])
            outcome.removed.append(membership.learner)
            if membership.notified_at is not None:
                invited_and_gone.append(membership.pk)
        elif membership.removed_at is not None and learner_id in wanted:
            if membership.removed_by_id is None:
                membership.removed_at = None
                membership.added_at = now
                membership.save(update_fields=["removed_at", "added_at", "updated_at"])
    if invited_and_gone and cohort.kickoff_at is not None:
        _kickoff_withdraw(cohort, invited_and_gone)
    new_ids = wanted - set(memberships)
    if new_ids:
        CohortMembership.objects.bulk_create(
            [CohortMembership(cohort=cohort, learner_id=pk, added_at=now) for pk in new_ids]
        )
    active = list(
        CohortMembership.objects.filter(cohort=cohort, removed_at__isnull=True)
        .select_related("learner")
        .prefetch_related("cohort_enrollments__enrollment")
    )
    targets = _cohort_targets(cohort)
    existing = {
        (row.learner_id, row.micromastery_id): row
        for row in Enrollment.objects.filter(
            learner__in=[membership.learner_id for membership in active], micromastery__in=targets
        )
    }
    to_notify: list[CohortMembership] = []
    for membership in active:
        covered = {row.enrollment.micromastery_id for row in membership.cohort_enrollments.all()}
        enrolled_now = skipped_now = False
        for micromastery in targets:
            if micromastery.pk in covered:
                continue
            enrollment = existing.get((membership.learner_id, micromastery.pk))
            already = enrollment is not None and enrollment.status != EnrollmentStatus.DROPPED
            if not already:
                try:
                    # Resumes a dropped enrolment with its history, or makes a new one
                    # on the published version.
                    enrollment = practice_services.enrollment_create(
                        learner=membership.learner, micromastery=micromastery
                    )
                except ApplicationError:
                    continue
            assert enrollment is not None
            CohortEnrollment.objects.create(
                membership=membership, enrollment=enrollment, already_enrolled=already
            )
            skipped_now = skipped_now or already
            enrolled_now = enrolled_now or not already
        if enrolled_now:
            outcome.enrolled.append(membership.learner)
        elif skipped_now:
            outcome.already_enrolled.append(membership.learner)
        if membership.notified_at is None and (enrolled_now or skipped_now or covered):
            to_notify.append(membership)
    if to_notify:
        CohortMembership.objects.filter(pk__in=[m.pk for m in to_notify]).update(notified_at=now)
        outcome.notified = [membership.learner for membership in to_notify]
        ids = [membership.pk for membership in to_notify]
        assignment_emails_send(ids)
        transaction.on_commit(lambda: assignment_notifications_create(ids))
    return outcome


def _kickoff_withdraw(cohort: Cohort, membership_ids: list[int]) -> None:
    """Cancel the kickoff in the calendars of learners who left the cohort. The cohort's
    SEQUENCE goes up, so the cancellation outranks the invitation they had."""
    assert cohort.kickoff_at is not None
    cohort.kickoff_sequence += 1
    Cohort.objects.filter(pk=cohort.pk).update(kickoff_sequence=cohort.kickoff_sequence)
    kickoff_cancellations_send(membership_ids, kickoff_at=cohort.kickoff_at, removed=True)


def assignment_notifications_create(membership_ids: list[int]) -> int:
    """The bell's copy of the assignment email: once per membership (keyed), linking to
    the learner's enrolment (for a course, the first micromastery of the path)."""
    memberships = list(
        CohortMembership.objects.filter(pk__in=membership_ids, removed_at__isnull=True)
        .select_related(
            "learner__organization",
            "cohort__micromastery",
            "cohort__course",
            "cohort__assigned_by",
        )
        .prefetch_related(
            Prefetch(
                "cohort_enrollments",
                queryset=CohortEnrollment.objects.order_by("pk"),
            )
        )
    )
    titles: dict[int, str] = {}
    drafts = []
    for membership in memberships:
        cohort = membership.cohort
        if cohort.pk not in titles:
            titles[cohort.pk] = cohort_title(cohort)
        rows = list(membership.cohort_enrollments.all())
        url = reverse("practice:enrollment", args=[rows[0].enrollment_id]) if rows else "/"
        with translation.override(person_language(membership.learner)):
            drafts.append(
                NotificationDraft(
                    recipient=membership.learner,
                    title=_assignment_title(cohort, titles[cohort.pk]),
                    body=_assignment_dates(cohort),
                    url=url,
                    key=f"cohort-assigned:{membership.pk}",
                )
            )
    return notifications_create(drafts=drafts)


def _assignment_title(cohort: Cohort, title: str) -> str:
    """The bell's line for an assignment, in the active language."""
    if cohort.assigned_by is not None:
        return _("%(person)s assigned you “%(title)s”") % {
            "person": cohort.assigned_by.display_name,
            "title": title,
        }
    return _("Your team assigned you “%(title)s”") % {"title": title}


def _assignment_dates(cohort: Cohort) -> str:
    # Translators: a date format (Django's "date" filter): day, short month, year.
    day = pgettext("date format: day, short month, year", "j M Y")
    starts = formats.date_format(cohort.starts_on, day)
    if cohort.due_on is None:
        return _("%(cohort)s: starts %(start)s.") % {"cohort": cohort.name, "start": starts}
    return _("%(cohort)s: starts %(start)s, due %(due)s.") % {
        "cohort": cohort.name,
        "start": starts,
        "due": formats.date_format(cohort.due_on, day),
    }


def _require_change(cohort: Cohort, by: User) -> None:
    if not policies.can_change_cohort(by, cohort):
        raise ApplicationError(_("You can only change cohorts of the teams you manage."))


@transaction.atomic
def cohort_members_add(
    *, cohort: Cohort, by: User, teams: Iterable[Team] = (), people: Iterable[User] = ()
) -> SyncOutcome:
    """Add teams and people to a cohort; the new members are enrolled and notified."""
    _require_change(cohort, by)
    teams, people = list(teams), list(people)
    if not teams and not people:
        message = _("Choose at least one team or person to add.")
        raise ApplicationError(message, fields={"teams": [message]})
    _raise_if(_audience_errors(by=by, organization=cohort.organization, teams=teams, people=people))
    cohort.teams.add(*teams)
    cohort.people.add(*people)
    _clear_removals(cohort, people)
    return cohort_sync(cohort=cohort)


@transaction.atomic
def cohort_member_remove(*, cohort: Cohort, by: User, learner: User) -> CohortMembership:
    """Take a learner out of the cohort. Their enrolments, attempts and payoff stay:
    removing is about the assignment, never about their practice history."""
    _require_change(cohort, by)
    membership = (
        CohortMembership.objects.select_for_update()
        .filter(cohort=cohort, learner=learner, removed_at__isnull=True)
        .first()
    )
    if membership is None:
        message = _("%(person)s is not in %(cohort)s.") % {"person": learner, "cohort": cohort}
        raise ApplicationError(message, fields={"learner": [message]})
    if not policies.can_view_person(by, learner):
        message = _("%(person)s is not in a team you manage.") % {"person": learner}
        raise ApplicationError(message, fields={"learner": [message]})
    cohort.people.remove(learner)
    membership.removed_at = timezone.now()
    membership.removed_by = by
    membership.save(update_fields=["removed_at", "removed_by", "updated_at"])
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if membership.notified_at is not None and cohort.kickoff_at is not None:
        _kickoff_withdraw(cohort, [membership.pk])
    return membership


KICKOFF_FIELDS = ("kickoff_at", "kickoff_minutes", "kickoff_location", "kickoff_url")


@transaction.atomic
def cohort_update(
    *,
    cohort: Cohort,
    by: User,
    name: str,
    teams: Iterable[Team],
    people: Iterable[User],
    due_on: date | None,
    kickoff_at: datetime | None,
    kickoff_minutes: int = 60,
    kickoff_location: str = "",
    kickoff_url: str = "",
    facilitator: User | None = None,
) -> SyncOutcome:
    """Change a cohort's name, members, due date or kickoff (its work and start stay).

    Members who are no longer in its teams or picks are marked removed, newcomers are
    enrolled. A moved kickoff raises the invitation's SEQUENCE and sends the learners
    already invited an updated invitation, which replaces the event in their calendars.
    """
    _require_change(cohort, by)
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    teams, people = list(teams), list(people)
    kickoff_location, kickoff_url = kickoff_location.strip(), kickoff_url.strip()
    errors = cohort_assignment_errors(
        by=by,
        organization=cohort.organization,
        name=name,
        micromastery=cohort.micromastery,
        course=cohort.course,
        teams=teams,
        people=people,
        starts_on=cohort.starts_on,
        due_on=due_on,
        kickoff_at=kickoff_at,
        kickoff_location=kickoff_location,
        kickoff_url=kickoff_url,
        facilitator=facilitator,
    )
    # Work published when it was assigned may have been archived since: that does not
    # stop changing the cohort's dates or members.
    errors.pop("micromastery", None)
    errors.pop("course", None)
    name = name.strip()
    if Cohort.objects.filter(organization=cohort.organization, name=name).exclude(pk=cohort.pk):
        errors["name"] = [_("This organization already has a cohort with this name.")]
    _raise_if(errors)
    before = [getattr(cohort, field) for field in KICKOFF_FIELDS]
    kickoff_before = cohort.kickoff_at
    cohort.name, cohort.due_on, cohort.facilitator = name, due_on, facilitator
    cohort.kickoff_at, cohort.kickoff_minutes = kickoff_at, kickoff_minutes
    cohort.kickoff_location, cohort.kickoff_url = kickoff_location, kickoff_url
    kickoff_moved = before != [getattr(cohort, field) for field in KICKOFF_FIELDS]
    if kickoff_moved:
        cohort.kickoff_sequence += 1
    cohort.save()
    cohort.teams.set(teams)
    cohort.people.set(people)
    _clear_removals(cohort, people)
    outcome = cohort_sync(cohort=cohort)
    if kickoff_moved:
        already_invited = [
            pk
            for pk in CohortMembership.objects.filter(
                cohort=cohort, removed_at__isnull=True, notified_at__isnull=False
            )
            .exclude(learner__in=outcome.notified)
            .values_list("pk", flat=True)
        ]
        if already_invited and cohort.kickoff_at is not None:
            assignment_emails_send(already_invited, updated=True)
        elif already_invited and kickoff_before is not None:
            # Cleared: the invitation they accepted must leave their calendars.
            kickoff_cancellations_send(already_invited, kickoff_at=kickoff_before)
    return outcome
