"""Reads of the practice flow, always scoped to the learner who asks."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property, partial
from typing import Any

from django.core.cache import cache
from django.db.models import Count, FilteredRelation, Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from accounts import policies
from accounts.models import STREAK_HORIZON_DAYS, User
from courses.models import (
    Course,
    CourseItem,
    Micromastery,
    MicromasteryVersion,
    PayoffMetric,
    PracticeStep,
    PublicationStatus,
    Topic,
)
from micromastery.common.errors import ApplicationError
from micromastery.common.prepared import PreparedRead
from practice.models import Enrollment, EnrollmentStatus, PracticeAttempt
from practice.nudges.selectors import notification_unread_count_expression
from practice.progress import (
    Progress,
    StepProgress,
    StepTally,
    progress_compute,
    progress_from_tallies,
)

PROGRESS_ATTEMPT_FIELDS = (
    "pk",
    "enrollment_id",
    "step_id",
    "practiced_at",
    "counts_as_repetition",
    "is_refresher",
)


@dataclass
class EnrollmentWithProgress:
    enrollment: Enrollment
    progress: Progress


@dataclass
class PractiseItem:
    """One thing on the learner's "practise today" list."""

    enrollment: Enrollment
    step: StepProgress
    due_at: datetime | None  # None: due now, nothing to wait for
    is_refresher: bool

    def is_due(self, now: datetime) -> bool:
        return self.due_at is None or self.due_at <= now


def enrollments_with_progress_prefetch(queryset: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """The enrolments with their attempts, for ``enrollment_progress_of``: what needs the
    attempts themselves (nudge planning reads the days practised). Pages and the API count
    in the database instead (``enrollments_with_progress``)."""
    return queryset.select_related("version", "micromastery").prefetch_related(
        Prefetch("version__steps", queryset=PracticeStep.objects.order_by("order", "pk")),
        Prefetch(
            "attempts",
            queryset=PracticeAttempt.objects.only(*PROGRESS_ATTEMPT_FIELDS),
            to_attr="progress_attempts",
        ),
    )


def enrollment_progress_of(enrollment: Enrollment) -> Progress:
    """The progress of an enrolment loaded by ``enrollments_with_progress_prefetch``."""
    return progress_compute(
        steps=list(enrollment.version.steps.all()),
        attempts=getattr(enrollment, "progress_attempts", None) or [],
        completed_at=enrollment.completed_at,
    )


# A version's steps by version id, and a step's version by step id, for versions that no
# longer change (published or archived: editing published content makes a new draft). Each
# learner page reads them with every visit; only the learner's own rows need the database.
_VERSION_STEPS_CACHE_KEY = "practice:version-steps:1:{}"
_STEP_VERSION_CACHE_KEY = "practice:step-version:1:{}"
VERSION_CONTENT_CACHE_SECONDS = 60 * 60 * 24
_TALLY_FIELDS = (
    "tally_attempts",
    "tally_repetitions",
    "tally_last_repetition_at",
    "tally_refreshers",
    "tally_last_refresher_at",
)


def version_is_final(version: MicromasteryVersion) -> bool:
    """Whether the version's content is fixed for good (published, or archived since)."""
    return version.status != PublicationStatus.DRAFT


def _attempt_groups(*, enrollment_ids: list[int]) -> QuerySet[PracticeAttempt, tuple[Any, ...]]:
    return (
        PracticeAttempt.objects.filter(enrollment_id__in=enrollment_ids)
        .values_list("step_id", "counts_as_repetition", "is_refresher")
        .annotate(attempts=Count("pk"), last_at=Max("practiced_at"))
        .order_by()
    )


# Learner pages ask these on every visit: each is compiled once per thread (and role, or
# number of enrolments), then only run (micromastery.common.prepared).
_ATTEMPT_GROUPS = PreparedRead(_attempt_groups)


def _tallies_by_step(enrollment_ids: list[int]) -> dict[int, StepTally]:
    """Each step's tally of the enrolments' attempts, by step id. The database counts the
    attempts by step and kind (at most four rows a step, however many attempts), which
    is quicker to ask for than one row a step with five filtered aggregates."""
    groups = _ATTEMPT_GROUPS.list(shape=None, enrollment_ids=enrollment_ids)
    tallies: dict[int, StepTally] = {}
    for step_id, is_repetition, is_refresher, attempts, last_at in groups:
        tally = tallies.get(step_id, StepTally())
        tallies[step_id] = StepTally(
            attempts=tally.attempts + attempts,
            repetitions=tally.repetitions + (attempts if is_repetition else 0),
            last_repetition_at=_latest(
                tally.last_repetition_at, last_at if is_repetition else None
            ),
            refreshers=tally.refreshers + (attempts if is_refresher else 0),
            last_refresher_at=_latest(tally.last_refresher_at, last_at if is_refresher else None),
        )
    return tallies


def _latest(*moments: datetime | None) -> datetime | None:
    return max((moment for moment in moments if moment is not None), default=None)


def _steps_tallied(
    enrollments: list[Enrollment],
) -> dict[int, list[tuple[PracticeStep, StepTally]]]:
    """The steps of the enrolments' versions, by version id, each with the tally of the
    enrolment's attempts on it: one query, however many attempts.

    The enrolments are one learner's, who has one enrolment per micromastery, so a step's
    attempts among them are those of the one enrolment on its version. Steps of versions
    that no longer change come from the cache: the query then counts the attempts alone.
    """
    if not enrollments:
        return {}
    version_ids = {enrollment.version_id for enrollment in enrollments}
    keys = {_VERSION_STEPS_CACHE_KEY.format(pk): pk for pk in version_ids}
    cached: dict[int, list[PracticeStep]] = {
        keys[key]: steps for key, steps in cache.get_many(list(keys)).items()
    }
    enrollment_ids = [enrollment.pk for enrollment in enrollments]
    by_version: dict[int, list[tuple[PracticeStep, StepTally]]] = {}
    if len(cached) == len(version_ids):
        tallies = _tallies_by_step(enrollment_ids)
        empty = StepTally()
        for version_id, steps in cached.items():
            by_version[version_id] = [(step, tallies.get(step.pk, empty)) for step in steps]
        return by_version
    repetition = Q(mine__counts_as_repetition=True)
    refresher = Q(mine__is_refresher=True)
    rows = (
        PracticeStep.objects.filter(version_id__in=version_ids)
        .annotate(
            mine=FilteredRelation(
                "attempts", condition=Q(attempts__enrollment_id__in=enrollment_ids)
            )
        )
        .annotate(
            tally_attempts=Count("mine"),
            tally_repetitions=Count("mine", filter=repetition),
            tally_last_repetition_at=Max("mine__practiced_at", filter=repetition),
            tally_refreshers=Count("mine", filter=refresher),
            tally_last_refresher_at=Max("mine__practiced_at", filter=refresher),
        )
        .order_by("order", "pk")
    )
    for step in rows:
        tally = StepTally(
            attempts=step.tally_attempts,
            repetitions=step.tally_repetitions,
            last_repetition_at=step.tally_last_repetition_at,
            refreshers=step.tally_refreshers,
            last_refresher_at=step.tally_last_refresher_at,
        )
        by_version.setdefault(step.version_id, []).append((step, tally))
    final = {
        enrollment.version_id
        for enrollment in enrollments
        if Enrollment.version.is_cached(enrollment) and version_is_final(enrollment.version)
    }
    to_cache = {}
    for version_id in final - set(cached):
        clean: list[PracticeStep] = []
        for tallied, _ in by_version.get(version_id, []):
            kept = copy.copy(tallied)
            for name in _TALLY_FIELDS:
                kept.__dict__.pop(name, None)
            clean.append(kept)
        to_cache[_VERSION_STEPS_CACHE_KEY.format(version_id)] = clean
    if to_cache:
        cache.set_many(to_cache, VERSION_CONTENT_CACHE_SECONDS)
    return by_version


def enrollments_with_progress(enrollments: Iterable[Enrollment]) -> list[EnrollmentWithProgress]:
    """The progress of enrolments of one learner (loaded with their version), counted in
    the database: one query for them all."""
    enrollments = list(enrollments)
    steps = _steps_tallied(enrollments)
    rows = []
    for enrollment in enrollments:
        tallied = steps.get(enrollment.version_id, [])
        progress = progress_from_tallies(
            steps=[step for step, _ in tallied],
            tallies={step.pk: tally for step, tally in tallied},
            completed_at=enrollment.completed_at,
        )
        rows.append(EnrollmentWithProgress(enrollment, progress))
    return rows


def enrollment_list(
    *, learner: User, statuses: tuple[str, ...] | None = None
) -> list[EnrollmentWithProgress]:
    """The learner's enrolments (not dropped unless asked) with their progress."""
    queryset = Enrollment.objects.for_learner(learner)
    queryset = queryset.filter(status__in=statuses) if statuses else queryset.current()
    return enrollments_with_progress(queryset.select_related("version").order_by("-created_at"))


def _own_enrollment(*, learner: User, enrollment_id: int) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.for_learner(learner)
        .select_related("version", "micromastery")
        .filter(pk=enrollment_id)
    )


def enrollment_get(*, learner: User, enrollment_id: int) -> EnrollmentWithProgress:
    """One of the learner's own enrolments, or 404 (never someone else's)."""
    enrollment = _own_enrollment(learner=learner, enrollment_id=enrollment_id).first()
    if enrollment is None:
        raise Http404(gettext("No such enrolment."))
    return enrollments_with_progress([enrollment])[0]


def step_attempts(*, enrollment: Enrollment, step: PracticeStep) -> QuerySet[PracticeAttempt]:
    return enrollment.attempts.filter(step=step).order_by("-practiced_at", "-pk")


def end_of_local_day(now: datetime, learner: User) -> datetime:
    local = now.astimezone(learner.zone)
    return datetime.combine(local.date() + timedelta(days=1), time.min, tzinfo=learner.zone)


def practise_today(
    *, learner: User, now: datetime | None = None
) -> tuple[list[PractiseItem], list[PractiseItem]]:
    """What to practise today, and what comes after.

    "Today" is the learner's own calendar day in their time zone: an item is for today
    when it is due before their local midnight. Paused and dropped enrolments are left
    out; completed ones come back when a "learn long" refresher is due.
    """
    return practise_items(
        rows=enrollment_list(
            learner=learner, statuses=(EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)
        ),
        learner=learner,
        now=now,
    )


def practise_items(
    *, rows: list[EnrollmentWithProgress], learner: User, now: datetime | None = None
) -> tuple[list[PractiseItem], list[PractiseItem]]:
    """``practise_today`` over enrolments already loaded (pages that show them anyway)."""
    now = now or timezone.now()
    midnight = end_of_local_day(now, learner)
    today: list[PractiseItem] = []
    later: list[PractiseItem] = []
    for row in rows:
        if row.enrollment.status not in (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED):
            continue
        progress = row.progress
        item: PractiseItem | None = None
        current = progress.current_step
        if current is not None:
            item = PractiseItem(row.enrollment, current, current.next_due_at, False)
        elif progress.refresher_step is not None:
            item = PractiseItem(
                row.enrollment, progress.refresher_step, progress.refresher_due_at, True
            )
        if item is None:
            continue
        (today if item.due_at is None or item.due_at < midnight else later).append(item)

    def sort_key(item: PractiseItem) -> datetime:
        return item.due_at or datetime.min.replace(tzinfo=now.tzinfo)

    return sorted(today, key=sort_key), sorted(later, key=sort_key)


def practice_streak(*, learner: User, now: datetime | None = None) -> int:
    """Consecutive working days, up to today, with at least one attempt.

    Counted in the learner's time zone. Days off (not in their working days) neither count
    nor break the streak, and a streak is still alive today until the day is over.
    """
    now = now or timezone.now()
    return _streak_of(
        learner=learner,
        moments=PracticeAttempt.objects.filter(
            enrollment__learner=learner,
            practiced_at__gte=now - timedelta(days=STREAK_HORIZON_DAYS),
            practiced_at__lte=now,
        ).values_list("practiced_at", flat=True),
        now=now,
    )


def _streak_of(*, learner: User, moments: Iterable[datetime], now: datetime) -> int:
    """``practice_streak`` from the moments of the learner's attempts within its horizon."""
    zone = learner.zone
    practised: set[date] = {moment.astimezone(zone).date() for moment in moments if moment <= now}
    return learner.streak(practised=practised, today=now.astimezone(zone).date())


RECENT_ATTEMPTS = 5  # how many the home page lists


def recent_attempts(*, learner: User, limit: int = RECENT_ATTEMPTS) -> list[PracticeAttempt]:
    """The learner's latest attempts as a list shows them: when, which step, which
    micromastery (only those fields)."""
    return list(
        PracticeAttempt.objects.filter(enrollment__learner=learner)
        .select_related("step", "enrollment__version")
        .only(
            "practiced_at", "enrollment_id", "step_id", "step__title", "enrollment__version__title"
        )
        .order_by("-practiced_at", "-pk")[:limit]
    )


# --- Pages -------------------------------------------------------------------------------


@dataclass
class LearnerHome:
    """Everything the learner's home shows, loaded in a fixed number of queries."""

    due_now: list[PractiseItem]
    due_later_today: list[PractiseItem]
    next_up: list[PractiseItem]
    enrollments: list[EnrollmentWithProgress]
    streak: int
    recent: list[PracticeAttempt]


def learner_home(
    *, learner: User, enrollments: list[Enrollment], now: datetime | None = None
) -> LearnerHome:
    """The learner's home from all their enrolments (dropped ones too, newest first, each
    with its version), as the page loaded them anyway."""
    now = now or timezone.now()
    current = [
        enrollment for enrollment in enrollments if enrollment.status != EnrollmentStatus.DROPPED
    ]
    if not current:
        # Nothing to practise: the page teaches instead, without asking for more.
        return LearnerHome([], [], [], [], 0, [])
    rows = enrollments_with_progress(current)
    today, later = practise_items(rows=rows, learner=learner, now=now)
    streak, recent = _streak_and_recent(
        learner=learner, rows=rows, all_enrollments=len(current) == len(enrollments), now=now
    )
    return LearnerHome(
        due_now=[item for item in today if item.is_due(now)],
        due_later_today=[item for item in today if not item.is_due(now)],
        next_up=later,
        enrollments=rows,
        streak=streak,
        recent=recent,
    )


def _attempts_within_streak(
    *, learner: User, now: datetime
) -> QuerySet[PracticeAttempt, tuple[Any, ...]]:
    return (
        PracticeAttempt.objects.filter(
            enrollment__learner=learner,
            practiced_at__gte=now - timedelta(days=STREAK_HORIZON_DAYS),
        )
        .order_by("-practiced_at", "-pk")
        .values_list("pk", "practiced_at", "enrollment_id", "step_id")
    )


_ATTEMPTS_WITHIN_STREAK = PreparedRead(_attempts_within_streak)


def _streak_and_recent(
    *, learner: User, rows: list[EnrollmentWithProgress], all_enrollments: bool, now: datetime
) -> tuple[int, list[PracticeAttempt]]:
    """``practice_streak`` and ``recent_attempts`` from one read of the attempts within the
    streak's horizon, named after the steps and versions ``rows`` loaded already.

    The latest attempts are the first of those, unless one is on an enrolment ``rows``
    leave out (dropped), or fewer were made within the horizon while older ones may
    exist: only then does ``recent_attempts`` ask again. ``all_enrollments``: ``rows``
    are all the learner's enrolments, so when their attempts add up to the ones read,
    there are no others.
    """
    attempts = _ATTEMPTS_WITHIN_STREAK.list(shape=None, learner=learner, now=now)
    streak = _streak_of(learner=learner, moments=[moment for _, moment, _, _ in attempts], now=now)
    shown = {
        (row.enrollment.pk, step.step.pk): (row.enrollment, step)
        for row in rows
        for step in row.progress.steps
    }
    recent = []
    for pk, moment, enrollment_id, step_id in attempts[:RECENT_ATTEMPTS]:
        found = shown.get((enrollment_id, step_id))
        if found is None:
            return streak, recent_attempts(learner=learner)
        enrollment, step = found
        attempt = PracticeAttempt(pk=pk, enrollment=enrollment, practiced_at=moment)
        attempt.step = step.step  # type: ignore[assignment]  # a PracticeStep, from the rows
        recent.append(attempt)
    if len(attempts) < RECENT_ATTEMPTS:
        counted = sum(step.attempts_total for _, step in shown.values())
        if not all_enrollments or counted != len(attempts):
            return streak, recent_attempts(learner=learner)
    return streak, recent


@dataclass
class CatalogEntry:
    """A micromastery as the catalog shows it: its published version, and my enrolment."""

    version: MicromasteryVersion
    enrollment: Enrollment | None

    @property
    def is_enrolled(self) -> bool:
        return self.enrollment is not None and self.enrollment.status != EnrollmentStatus.DROPPED


def _enrollments_by_micromastery(
    *, learner: User, micromastery_ids: list[int]
) -> dict[int, Enrollment]:
    if not micromastery_ids:
        return {}
    return {
        enrollment.micromastery_id: enrollment
        for enrollment in Enrollment.objects.for_learner(learner).filter(
            micromastery_id__in=micromastery_ids
        )
    }


def catalog_topics(*, viewer: User) -> QuerySet[Topic]:
    """Topics of the viewer's organization that have a published micromastery."""
    return (
        Topic.objects.filter(
            organization=viewer.organization_id,
            micromasteries__versions__status=PublicationStatus.PUBLISHED,
        )
        .distinct()
        .order_by("name")
    )


def catalog_list(*, viewer: User, topic: str = "", search: str = "") -> list[CatalogEntry]:
    """Published micromasteries of the viewer's organization, by title.

    ``topic`` is a topic slug; ``search`` looks in the title and summary. Each micromastery
    shows its published version (there is at most one), with the viewer's enrolment.
    """
    versions = (
        MicromasteryVersion.objects.for_organization(viewer.organization_id)
        .published()
        .select_related("micromastery")
        .prefetch_related(Prefetch("micromastery__topics", queryset=Topic.objects.order_by("name")))
        .order_by("title", "pk")
    )
    if topic:
        versions = versions.filter(micromastery__topics__slug=topic)
    search = search.strip()
    if search:
        versions = versions.filter(Q(title__icontains=search) | Q(summary__icontains=search))
    version_list = list(versions)
    enrollments = _enrollments_by_micromastery(
        learner=viewer, micromastery_ids=[version.micromastery_id for version in version_list]
    )
    return [
        CatalogEntry(version, enrollments.get(version.micromastery_id)) for version in version_list
    ]


@dataclass
class CoursePage:
    course: Course
    entries: list[CatalogEntry]


def course_page_get(*, viewer: User, course_id: int) -> CoursePage:
    """A published course of the viewer's organization with its micromasteries in order.

    Micromasteries without a published version (archived since) are left out.
    """
    course = (
        Course.objects.for_organization(viewer.organization_id)
        .published()
        .filter(pk=course_id)
        .first()
    )
    if course is None:
        raise Http404(gettext("No such course."))
    micromastery_ids = list(
        CourseItem.objects.filter(course=course)
        .order_by("order", "pk")
        .values_list("micromastery_id", flat=True)
    )
    versions = {
        version.micromastery_id: version
        for version in MicromasteryVersion.objects.published()
        .filter(micromastery_id__in=micromastery_ids)
        .select_related("micromastery")
    }
    enrollments = _enrollments_by_micromastery(learner=viewer, micromastery_ids=micromastery_ids)
    entries = [
        CatalogEntry(versions[pk], enrollments.get(pk)) for pk in micromastery_ids if pk in versions
    ]
    return CoursePage(course, entries)


def _with_elements(queryset: QuerySet[MicromasteryVersion]) -> QuerySet[MicromasteryVersion]:
    return queryset.select_related("micromastery").prefetch_related(
        Prefetch("steps", queryset=PracticeStep.objects.order_by("order", "pk")),
        Prefetch("payoff_metrics", queryset=PayoffMetric.objects.order_by("order", "pk")),
    )


@dataclass
class MicromasteryPage:
    micromastery: Micromastery
    version: MicromasteryVersion
    enrollment: EnrollmentWithProgress | None

    @property
    def is_enrolled(self) -> bool:
        return (
            self.enrollment is not None
            and self.enrollment.enrollment.status != EnrollmentStatus.DROPPED
        )


def micromastery_page_get(*, viewer: User, micromastery_id: int) -> MicromasteryPage:
    """A micromastery of the viewer's organization, as the viewer should read it.

    An enrolled learner reads the version they enrolled on, even once it is archived;
    everyone else reads the published version. Without either it is a 404.
    """
    micromastery = (
        Micromastery.objects.for_organization(viewer.organization_id)
        .filter(pk=micromastery_id)
        .first()
    )
    if micromastery is None:
        raise Http404(gettext("No such micromastery."))
    enrollment = (
        Enrollment.objects.for_learner(viewer)
        .select_related("version", "micromastery")
        .filter(micromastery=micromastery)
        .first()
    )
    version_id: int | None
    if enrollment is not None:
        version_id = enrollment.version_id
    else:
        version_id = (
            micromastery.versions.filter(status=PublicationStatus.PUBLISHED)
            .values_list("pk", flat=True)
            .first()
        )
    if version_id is None:
        raise Http404(gettext("This micromastery is not published."))
    version = _with_elements(MicromasteryVersion.objects.filter(pk=version_id)).get()
    return MicromasteryPage(
        micromastery, version, enrollments_with_progress([enrollment])[0] if enrollment else None
    )


def micromastery_enrollable_get(*, viewer: User, micromastery_id: int) -> MicromasteryVersion:
    """The published version the viewer would enrol on, with its payoff metrics, or 404."""
    version = (
        _with_elements(
            MicromasteryVersion.objects.for_organization(viewer.organization_id).published()
        )
        .filter(micromastery_id=micromastery_id)
        .first()
    )
    if version is None:
        raise Http404(gettext("No such micromastery open for enrolment."))
    return version


@dataclass
class StepPage:
    row: EnrollmentWithProgress
    step: StepProgress
    practice_step: PracticeStep
    history: list[PracticeAttempt]
    history_total: int
    # The learner's bell, counted with the enrolment (for the layout).
    unread_notifications: int

    @property
    def blocking_step(self) -> StepProgress | None:
        """For a locked step: the step to finish first."""
        return None if self.step.unlocked else self.row.progress.current_step

    @cached_property
    def payoff_metrics(self) -> list[PayoffMetric]:
        """The version's payoff metrics, read only by a page that shows them (once the
        micromastery is complete)."""
        return list(
            PayoffMetric.objects.filter(version_id=self.row.enrollment.version_id).order_by(
                "order", "pk"
            )
        )


STEP_HISTORY_LIMIT = 20


def _own_enrollment_with_bell(
    *, learner: User, enrollment_id: int, with_version: bool
) -> QuerySet[Enrollment]:
    own: QuerySet[Enrollment] = Enrollment.objects.for_learner(learner).filter(pk=enrollment_id)
    if with_version:
        own = own.select_related("version")
    # What .first() would ask: the lowest pk (there is at most one).
    return own.annotate(
        unread_notifications=notification_unread_count_expression(user=learner)
    ).order_by("pk")[:1]


_OWN_ENROLLMENT = PreparedRead(partial(_own_enrollment_with_bell, with_version=False))
_OWN_ENROLLMENT_WITH_VERSION = PreparedRead(partial(_own_enrollment_with_bell, with_version=True))


def _step_history(*, enrollment: Enrollment, step_id: int) -> QuerySet[PracticeAttempt]:
    return PracticeAttempt.objects.filter(enrollment=enrollment, step_id=step_id).order_by(
        "-practiced_at", "-pk"
    )[:STEP_HISTORY_LIMIT]


_STEP_HISTORY = PreparedRead(_step_history)


def step_page_get(*, learner: User, enrollment_id: int, step_id: int) -> StepPage:
    """One step of the learner's own enrolment, with its latest attempts, or 404.

    The history shows the latest ``STEP_HISTORY_LIMIT`` attempts in full; the progress
    counts every attempt in the database.
    """
    # A step of a fixed version names that version for good: with it cached, the page
    # reads the enrolment alone and checks it is on that version. The page shows the
    # version, never the micromastery: no join for that.
    version_key = _STEP_VERSION_CACHE_KEY.format(step_id)
    known_version: MicromasteryVersion | None = cache.get(version_key)
    read = _OWN_ENROLLMENT if known_version is not None else _OWN_ENROLLMENT_WITH_VERSION
    found = read.list(
        shape=policies.role_signature(learner), learner=learner, enrollment_id=enrollment_id
    )
    enrollment = found[0] if found else None
    if enrollment is None:
        raise Http404(gettext("No such enrolment."))
    not_in_version = gettext("This step is not part of your version of the micromastery.")
    if known_version is not None:
        if enrollment.version_id != known_version.pk:
            raise Http404(not_in_version)
        enrollment.version = known_version
    row = enrollments_with_progress([enrollment])[0]
    step = row.progress.step_by_id(step_id)
    if step is None:
        raise Http404(not_in_version)
    if known_version is None and version_is_final(enrollment.version):
        cache.set(version_key, enrollment.version, VERSION_CONTENT_CACHE_SECONDS)
    practice_step = step.step
    assert isinstance(practice_step, PracticeStep)
    history = (
        _STEP_HISTORY.list(shape=None, enrollment=row.enrollment, step_id=step_id)
        if step.attempts_total
        else []
    )
    return StepPage(
        row=row,
        step=step,
        practice_step=practice_step,
        history=history,
        history_total=step.attempts_total,
        unread_notifications=enrollment.unread_notifications,  # type: ignore[attr-defined]  # annotated
    )


def quick_log_learner_get(*, learner_id: int) -> User | None:
    """The learner a quick-log link was made for, if they may still practise."""
    return (
        User.objects.filter(pk=learner_id, is_active=True, organization__isnull=False)
        .select_related("organization")
        .first()
    )


def attempt_by_submission_key(
    *, enrollment: Enrollment, submission_key: uuid.UUID
) -> PracticeAttempt | None:
    """The attempt this submission logged already, if any (a second tap on one link)."""
    return enrollment.attempts.filter(submission_key=submission_key).first()


def micromastery_offered_get(*, learner: User, micromastery_id: int) -> Micromastery:
    """A micromastery of the learner's organization, or 404: another organization's
    micromasteries do not exist for them (whether it is open for enrolment is the service's
    rule, with a message the learner can act on)."""
    micromastery = (
        Micromastery.objects.for_organization(learner.organization_id)
        .filter(pk=micromastery_id)
        .first()
    )
    if micromastery is None:
        raise Http404(gettext("No such micromastery."))
    return micromastery


def enrollment_queryset(*, learner: User, status: str | None = None) -> QuerySet[Enrollment]:
    """The learner's enrolments, newest first, ready to page through and then hand to
    ``enrollments_with_progress`` (not dropped unless asked for by status)."""
    queryset = Enrollment.objects.for_learner(learner)
    queryset = queryset.filter(status=status) if status else queryset.current()
    return queryset.select_related("version", "micromastery").order_by("-created_at", "-pk")


def enrollment_without_progress_get(*, learner: User, enrollment_id: int) -> Enrollment:
    """One of the learner's own enrolments without its attempts, or 404 (never someone
    else's, whatever their role)."""
    enrollment = (
        Enrollment.objects.for_learner(learner)
        .select_related("version", "micromastery")
        .filter(pk=enrollment_id)
        .first()
    )
    if enrollment is None:
        raise Http404(gettext("No such enrolment."))
    return enrollment


def attempt_list(
    *, enrollment: Enrollment, step_id: int | None = None
) -> QuerySet[PracticeAttempt]:
    """The enrolment's attempts, latest first, optionally of one step."""
    attempts = enrollment.attempts.all()
    if step_id is not None:
        attempts = attempts.filter(step_id=step_id)
    return attempts.order_by("-practiced_at", "-pk")


def enrollment_step_get(*, enrollment: Enrollment, step_id: int) -> PracticeStep:
    """A step of the enrolment's version; any other id is refused as bad input, the same
    way whether the step exists elsewhere or not."""
    step = enrollment.version.steps.filter(pk=step_id).first()
    if step is None:
        message = gettext("This step is not part of your version of the micromastery.")
        raise ApplicationError(message, fields={"step": [message]})
    return step
