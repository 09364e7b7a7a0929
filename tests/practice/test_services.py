import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from courses import services as course_services
from micromastery.common.errors import ApplicationError
from payoff.models import PayoffMeasurement
from payoff.services import baseline_record
from practice import selectors, services
from practice.models import Enrollment, EnrollmentStatus, PracticeAttempt
from practice.progress import REFRESHER_INTERVALS_DAYS
from tests.factories import UserFactory, published_version

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def log(enrollment, step, **kwargs):
    kwargs.setdefault("what_i_did", "Ran the stand-up with a timer.")
    kwargs.setdefault("confidence", 3)
    kwargs.setdefault("minutes", 10)
    return services.attempt_log(enrollment=enrollment, step=step, **kwargs)


@pytest.fixture
def version(organization):
    # Two steps of two repetitions each, 20 hours apart.
    return published_version(organization, steps=2, metrics=1)


@pytest.fixture
def enrollment(learner, version):
    with time_machine.travel(START, tick=False):
        return services.enrollment_create(learner=learner, micromastery=version.micromastery)


def steps_of(version):
    return list(version.steps.order_by("order"))


def test_enrollment_pins_the_published_version(learner, version, author):
    enrollment = services.enrollment_create(learner=learner, micromastery=version.micromastery)
    draft = course_services.version_create_draft(version=version, by=author)
    course_services.version_publish(version=draft, by=author)
    enrollment.refresh_from_db()
    assert enrollment.version == version
    assert enrollment.status == EnrollmentStatus.ACTIVE


def test_enrollment_refused_for_other_organization_and_unpublished(
    learner, other_organization, organization
):
    foreign = published_version(other_organization)
    with pytest.raises(ApplicationError, match="not offered in your organization"):
        services.enrollment_create(learner=learner, micromastery=foreign.micromastery)
    draft = published_version(organization, status="draft")
    with pytest.raises(ApplicationError, match="not open for enrolment"):
        services.enrollment_create(learner=learner, micromastery=draft.micromastery)


def test_enrollment_twice_refused_and_after_drop_resumes(learner, enrollment, version):
    with pytest.raises(ApplicationError, match="already enrolled"):
        services.enrollment_create(learner=learner, micromastery=version.micromastery)
    services.enrollment_drop(enrollment=enrollment)
    again = services.enrollment_create(learner=learner, micromastery=version.micromastery)
    assert again.pk == enrollment.pk
    assert again.status == EnrollmentStatus.ACTIVE


def test_attempt_repetitions_respect_spacing(enrollment, version):
    first, _second = steps_of(version)
    with time_machine.travel(START, tick=False):
        result = log(enrollment, first)
    assert result.attempt.counts_as_repetition
    assert result.progress.steps[0].repetitions_done == 1
    assert result.progress.steps[0].next_due_at == START + timedelta(hours=20)
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        early = log(enrollment, first)
    assert not early.attempt.counts_as_repetition  # kept as extra practice
    assert early.progress.steps[0].repetitions_done == 1
    with time_machine.travel(START + timedelta(hours=21), tick=False):
        spaced = log(enrollment, first)
    assert spaced.attempt.counts_as_repetition
    assert spaced.progress.steps[0].done
    assert spaced.progress.current_step.number == 2
    assert spaced.progress.percent == 50


def test_attempt_on_locked_step_refused_and_nothing_saved(enrollment, version):
    _first, second = steps_of(version)
    with pytest.raises(ApplicationError) as refused:
        log(enrollment, second)
    assert "unlocks when you have finished step 1" in refused.value.fields["step"][0]
    assert PracticeAttempt.objects.count() == 0


def test_attempt_bad_input_refused(enrollment, version, other_organization, organization):
    first, _ = steps_of(version)
    other_step = published_version(organization).steps.first()
    cases = [
        ({"step": other_step}, "step"),
        ({"confidence": 6}, "confidence"),
        ({"confidence": 0}, "confidence"),
        ({"what_i_did": "   "}, "what_i_did"),
        ({"practiced_at": datetime.now(UTC) + timedelta(days=1)}, "practiced_at"),
        ({"minutes": 0}, "minutes"),
    ]
    for change, field in cases:
        kwargs = {"step": first, **change}
        step = kwargs.pop("step")
        with pytest.raises(ApplicationError) as refused:
            log(enrollment, step, **kwargs)
        assert field in refused.value.fields, change
    assert PracticeAttempt.objects.count() == 0


def test_attempt_same_submission_logged_once(enrollment, version):
    first, _ = steps_of(version)
    key = uuid.uuid4()
    one = log(enrollment, first, submission_key=key)
    two = log(enrollment, first, submission_key=key)
    assert one.created and not two.created
    assert two.attempt.pk == one.attempt.pk
    assert PracticeAttempt.objects.count() == 1


def complete(enrollment, version, start=START):
    moment = start
    result = None
    for step in steps_of(version):
        for _ in range(step.repetitions_required):
            with time_machine.travel(moment, tick=False):
                result = log(enrollment, step)
            moment += timedelta(hours=step.min_spacing_hours + 1)
    return result, moment


def test_completion_when_every_step_is_done(enrollment, version):
    result, _ = complete(enrollment, version)
    assert result.completed_now
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert enrollment.completed_at is not None
    assert result.progress.percent == 100


def test_refreshers_come_back_at_expanding_intervals(enrollment, version):
    complete(enrollment, version)
    enrollment.refresh_from_db()
    completed_at = enrollment.completed_at
    assert REFRESHER_INTERVALS_DAYS == (3, 7, 21, 60)
    progress = services.enrollment_progress(enrollment)
    assert progress.refresher_due_at == completed_at + timedelta(days=3)
    moment = completed_at
    for index, days in enumerate(REFRESHER_INTERVALS_DAYS):
        due = moment + timedelta(days=days)
        assert services.enrollment_progress(enrollment).refresher_due_at == due
        # Practising before it is due is extra practice, not the refresher.
        with time_machine.travel(due - timedelta(hours=1), tick=False):
            early = log(enrollment, steps_of(version)[0])
        assert not early.attempt.is_refresher
        with time_machine.travel(due + timedelta(hours=2), tick=False):
            refresher = log(enrollment, steps_of(version)[index % 2])
        assert refresher.attempt.is_refresher
        moment = due + timedelta(hours=2)
    assert services.enrollment_progress(enrollment).refresher_due_at is None


def test_pause_and_resume(enrollment, version):
    paused = services.enrollment_pause(enrollment=enrollment)
    assert paused.status == EnrollmentStatus.PAUSED
    learner = enrollment.learner
    today, later = selectors.practise_today(learner=learner)
    assert today == [] and later == []
    resumed = services.enrollment_resume(enrollment=enrollment)
    assert resumed.status == EnrollmentStatus.ACTIVE
    with pytest.raises(ApplicationError):
        services.enrollment_resume(enrollment=enrollment)


def test_logging_while_paused_resumes(enrollment, version):
    services.enrollment_pause(enrollment=enrollment)
    log(enrollment, steps_of(version)[0])
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE


def test_dropped_enrollment_refuses_attempts(enrollment, version):
    services.enrollment_drop(enrollment=enrollment)
    with pytest.raises(ApplicationError, match="Resume it"):
        log(enrollment, steps_of(version)[0])


@pytest.mark.parametrize(
    ("zone", "expected_today"),
    [("Asia/Tokyo", False), ("America/Los_Angeles", True)],
)
def test_practise_today_uses_the_learners_day(organization, version, zone, expected_today):
    # First repetition at 2026-03-02 10:00 UTC; next one due 20 hours later, 06:00 UTC on
    # the 3rd. At 2026-03-02 12:00 UTC it is 21:00 in Tokyo (due tomorrow at 15:00 local)
    # and 04:00 in Los Angeles (due at 22:00 the same local day).
    learner = UserFactory(organization=organization, time_zone=zone)
    enrollment = services.enrollment_create(learner=learner, micromastery=version.micromastery)
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=UTC), tick=False):
        log(enrollment, steps_of(version)[0])
    today, later = selectors.practise_today(
        learner=learner, now=datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    )
    assert (len(today) == 1) is expected_today
    assert (len(later) == 1) is not expected_today


def test_streak_counts_local_working_days_and_skips_days_off(organization, version):
    learner = UserFactory(organization=organization, time_zone="Asia/Tokyo")
    enrollment = services.enrollment_create(learner=learner, micromastery=version.micromastery)
    # Thursday and Friday in Tokyo, then the weekend off, then Monday.
    for moment in ["2026-03-05T01:00", "2026-03-06T01:00", "2026-03-09T01:00"]:
        with time_machine.travel(datetime.fromisoformat(moment).replace(tzinfo=UTC), tick=False):
            log(enrollment, steps_of(version)[0])
    assert (
        selectors.practice_streak(learner=learner, now=datetime(2026, 3, 9, 5, 0, tzinfo=UTC)) == 3
    )
    # Tuesday evening in Tokyo without practice: still alive until the day ends.
    assert (
        selectors.practice_streak(learner=learner, now=datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
        == 3
    )
    # Wednesday: Tuesday was missed.
    assert (
        selectors.practice_streak(learner=learner, now=datetime(2026, 3, 11, 5, 0, tzinfo=UTC)) == 0
    )


def test_baseline_recorded_and_validated(enrollment, version, learner, other_organization):
    metric = version.payoff_metrics.first()
    metric.min_value = Decimal("0")
    metric.save()
    baseline_record(enrollment=enrollment, metric=metric, value=Decimal("25"), by=learner)
    baseline_record(enrollment=enrollment, metric=metric, value=Decimal("30"), by=learner)
    assert enrollment.measurements.get().value == Decimal("30")
    with pytest.raises(ApplicationError, match="cannot be below"):
        baseline_record(enrollment=enrollment, metric=metric, value=Decimal("-1"), by=learner)
    stranger = UserFactory(organization=learner.organization)
    with pytest.raises(ApplicationError):
        baseline_record(enrollment=enrollment, metric=metric, value=Decimal("1"), by=stranger)


class FixedDraw(random.Random):
    """A source of randomness that always draws the same number."""

    def __init__(self, value):
        super().__init__()
        self.value = value

    def random(self):
        return self.value


@pytest.mark.parametrize(
    ("share", "drawn", "holdout"),
    [("0.2", 0.19, True), ("0.2", 0.2, False), ("0.2", 0.95, False), ("0", 0.0, False)],
)
def test_holdout_share_is_drawn_at_enrolment(organization, learner, share, drawn, holdout):
    version = published_version(organization)
    micromastery = version.micromastery
    micromastery.nudge_holdout_ratio = Decimal(share)
    micromastery.save()
    enrollment = services.enrollment_create(
        learner=learner, micromastery=micromastery, draw=FixedDraw(drawn)
    )
    assert enrollment.holdout is holdout
    assert Enrollment.objects.get(pk=enrollment.pk).holdout is holdout


def test_enrollment_with_extensions_is_all_or_nothing(learner, version):
    from practice.extensions import enrollment_forms_for_version

    metric = version.payoff_metrics.get()
    extension_forms = enrollment_forms_for_version(
        version=version, data={f"extension0-metric_{metric.pk}": "40"}
    )
    assert all(form.is_valid() for _, form in extension_forms)
    # The author hands the metric to managers between the form and the save: refused.
    type(metric).objects.filter(pk=metric.pk).update(reported_by="manager")
    for _, form in extension_forms:
        for candidate in form.metrics.values():
            candidate.reported_by = "manager"
    with pytest.raises(ApplicationError, match="Your manager reports"):
        services.enrollment_create_with_extensions(
            learner=learner,
            micromastery=version.micromastery,
            personal_payoff="Shorter meetings",
            extension_forms=extension_forms,
        )
    assert not learner.enrollments.exists()
    assert not PayoffMeasurement.objects.exists()


@pytest.mark.parametrize(
    ("kind", "evidence", "ok"),
    [
        ("number", "4.5", True),
        ("number", "NaN", False),
        ("number", "four", False),
        ("link", "https://example.com/x", True),
        ("link", "javascript:alert(1)", False),
        ("checkbox", "yes", True),
        ("checkbox", "maybe", False),
        ("reflection", "anything at all", True),
        ("number", "", True),
    ],
)
def test_attempt_evidence_follows_the_steps_evidence_kind(enrollment, version, kind, evidence, ok):
    step = steps_of(version)[0]
    step.evidence_kind = kind
    step.save()
    if ok:
        assert log(enrollment, step, evidence=evidence).attempt.evidence == evidence
    else:
        with pytest.raises(ApplicationError) as refused:
            log(enrollment, step, evidence=evidence)
        assert "evidence" in refused.value.fields
        assert not PracticeAttempt.objects.exists()
