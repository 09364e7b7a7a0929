from datetime import timedelta

import pytest
from django.utils import timezone

from micromastery.celery import app
from practice import services as practice_services
from practice.models import Enrollment
from practice.teachback import services
from practice.teachback.models import SessionStatus, TeachBackSession
from practice.teachback.tasks import teachback_propose_sweep_task, teachback_propose_task
from tests.factories import EnrollmentFactory, UserFactory, published_version
from tests.waiting import children_cpu, wait_until


def complete_practice(learner, django_capture_on_commit_callbacks, execute=False):
    version = published_version(learner.organization, steps=1)
    version.steps.update(repetitions_required=1)
    enrollment = practice_services.enrollment_create(
        learner=learner, micromastery=version.micromastery
    )
    with django_capture_on_commit_callbacks(execute=execute) as callbacks:
        result = practice_services.attempt_log(
            enrollment=enrollment, step=version.steps.get(), what_i_did="x", confidence=4, minutes=5
        )
    assert result.completed_now
    return enrollment, callbacks


@pytest.mark.django_db
def test_propose_task_is_queued_on_completion_and_idempotent(
    learner, django_capture_on_commit_callbacks
):
    for _ in range(3):
        UserFactory(organization=learner.organization)
    enrollment, callbacks = complete_practice(learner, django_capture_on_commit_callbacks)
    assert len(callbacks) == 1
    session_id = teachback_propose_task(enrollment.pk)
    session = TeachBackSession.objects.get(pk=session_id)
    assert session.status == SessionStatus.PROPOSED
    assert session.invites.count() == 3
    assert teachback_propose_task(enrollment.pk) == session_id
    # The teacher dismissed it: running again brings no new proposal.
    services.teachback_cancel(session=session, by=learner)
    assert teachback_propose_task(enrollment.pk) == session_id
    assert TeachBackSession.objects.filter(enrollment=enrollment).count() == 1
    assert teachback_propose_task(enrollment.pk + 1000) is None


@pytest.mark.django_db
def test_propose_task_skips_dropped_and_incomplete_enrolments(learner):
    incomplete = EnrollmentFactory(learner=learner)
    dropped = EnrollmentFactory(learner=learner, completed_at=timezone.now(), status="dropped")
    assert teachback_propose_task(incomplete.pk) is None
    assert teachback_propose_task(dropped.pk) is None
    assert not TeachBackSession.objects.exists()


@pytest.mark.django_db
def test_sweep_proposes_for_recent_completions_without_one_in_bounded_batches(organization):
    now = timezone.now()

    def completed(ago, **kwargs):
        return EnrollmentFactory(
            learner=UserFactory(organization=organization),
            completed_at=now - ago,
            status=kwargs.pop("status", "completed"),
            **kwargs,
        )

    lost = [completed(timedelta(hours=hours)) for hours in (1, 2, 3)]
    fresh = completed(timedelta(minutes=2))  # its own task is still on the way
    old = completed(timedelta(days=60))
    dropped = completed(timedelta(hours=1), status="dropped")
    assert len(services.teachback_propose_missing(limit=2)) == 2
    assert teachback_propose_sweep_task() == 1
    assert teachback_propose_sweep_task() == 0
    proposed = set(TeachBackSession.objects.values_list("enrollment_id", flat=True))
    assert proposed == {enrollment.pk for enrollment in lost}
    assert not proposed & {fresh.pk, old.pk, dropped.pk}


def test_beat_runs_the_proposal_sweep():
    entry = app.conf.beat_schedule["teachback-propose-sweep"]
    assert entry["task"] == teachback_propose_sweep_task.name
    assert teachback_propose_sweep_task.name in app.tasks


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_completion_reaches_a_proposal_through_the_broker_and_a_worker(
    learner, celery_worker_queue, django_capture_on_commit_callbacks, monkeypatch
):
    UserFactory(organization=learner.organization)
    # Send the task to the queue this test's worker listens on.
    router = app.amqp.router
    monkeypatch.setattr(
        router,
        "routes",
        [
            lambda name, *args, **kwargs: (
                {"queue": celery_worker_queue} if name == teachback_propose_task.name else None
            ),
            *router.routes,
        ],
    )
    enrollment, _ = complete_practice(learner, django_capture_on_commit_callbacks, execute=True)
    # The worker starting up and running the task is the progress: its CPU use.
    wait_until(
        lambda: TeachBackSession.objects.filter(enrollment=enrollment).exists(),
        progress=children_cpu,
    )
    session = TeachBackSession.objects.get(enrollment=enrollment)
    assert session.status == SessionStatus.PROPOSED
    assert Enrollment.objects.get(pk=enrollment.pk).completed_at is not None
