"""Learning events reach a real LRS (Ralph) as valid xAPI 1.0.3 statements, once each.

Every outbox message is delivered in this process when its transaction commits (see
``outbox_delivered_at_once``), so after each service call the LRS has what it was sent.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as settings_module
from django.core.management import call_command
from django.core.management.base import CommandError

from micromastery.common.outbox import MessageKind
from payoff import services as payoff_services
from payoff.xapi import statements
from payoff.xapi.delivery import statement_put
from practice import services as practice_services
from practice.models import Enrollment
from practice.nudges.models import NudgeStatus, OutboxMessage
from practice.nudges.outbox import outbox_message_resend
from practice.teachback import services as teachback_services
from tests.factories import (
    MetricFactory,
    OrganizationFactory,
    StepFactory,
    UserFactory,
    VersionFactory,
    published_version,
)
from tests.payoff.xapi.conftest import connect_lrs

pytestmark = pytest.mark.django_db(transaction=True)

ADL = "http://adlnet.gov/expapi/verbs/"


def xapi_messages():
    return OutboxMessage.objects.filter(kind=MessageKind.XAPI_STATEMENT)


def practise_to_completion(learner, version):
    enrollment = practice_services.enrollment_create(
        learner=learner, micromastery=version.micromastery
    )
    for step in version.steps.order_by("order"):
        practice_services.attempt_log(
            enrollment=enrollment,
            step=step,
            what_i_did=f"Did {step.title}",
            confidence=4,
            minutes=12,
        )
    return Enrollment.objects.get(pk=enrollment.pk)


def micromastery_with_metric(organization):
    version = published_version(organization, steps=2, metrics=0, title="Run a stand-up")
    version.steps.update(repetitions_required=1, min_spacing_hours=0)
    MetricFactory(version=version, key="stand-up", name="Stand-up length", checkin_days=[14])
    return version


def teach_back_and_get_feedback(enrollment, attendees):
    """The learner teaches back; the attendees come and give their feedback."""
    teacher = enrollment.learner
    starts_at = datetime.now(UTC) + timedelta(days=1)
    session = teachback_services.teachback_propose(enrollment=enrollment)
    session = teachback_services.teachback_confirm(
        session=session, by=teacher, starts_at=starts_at, audience=attendees, location="Room 4"
    )
    with time_machine.travel(starts_at + timedelta(hours=1), tick=True):
        teachback_services.attendance_mark(session=session, by=teacher, attended=attendees)
        for person in attendees:
            teachback_services.feedback_give(
                invite=session.invites.get(invitee=person),
                by=person,
                clarity=5,
                will_try=True,
                comment="Clear and short.",
            )
    return session


def by_verb(stored, verb_id):
    return [statement for statement in stored if statement["verb"]["id"] == verb_id]


def test_every_learning_event_is_stored_by_the_lrs(ralph, settings):
    organization = OrganizationFactory(slug="acme")
    connect_lrs(organization, ralph, "acme")
    learner = UserFactory(organization=organization, email="ana@acme.example")
    colleagues = [UserFactory(organization=organization) for _ in range(2)]
    version = micromastery_with_metric(organization)
    micromastery = version.micromastery
    metric = version.payoff_metrics.get()

    enrollment = practise_to_completion(learner, version)
    session = teach_back_and_get_feedback(enrollment, colleagues)
    payoff_services.baseline_skip(enrollment=enrollment, metric=metric, by=learner)
    Enrollment.objects.filter(pk=enrollment.pk).update(
        completed_at=datetime.now(UTC) - timedelta(days=15)
    )
    enrollment.refresh_from_db()
    payoff_services.checkin_record(
        enrollment=enrollment, metric=metric, value=Decimal("9.5"), by=learner
    )

    # Ralph validated each one on write: a refused statement would be a failed message.
    assert set(xapi_messages().values_list("status", "last_error")) == {(NudgeStatus.SENT, "")}
    stored = ralph.statements("acme")
    assert len(stored) == xapi_messages().count() == 11
    site = settings.SITE_URL
    activity = f"{site}/micromasteries/{micromastery.pk}"
    step_ids = [f"{activity}/steps/step-1", f"{activity}/steps/step-2"]

    (registered,) = by_verb(stored, ADL + "registered")
    assert registered["actor"]["mbox"] == "mailto:ana@acme.example"
    assert registered["object"]["id"] == activity
    assert registered["object"]["definition"]["type"] == statements.ACTIVITY_MICROMASTERY

    attempted = by_verb(stored, ADL + "attempted")
    assert sorted(statement["object"]["id"] for statement in attempted) == step_ids
    assert attempted[0]["result"]["score"] == {"raw": 4, "min": 1, "max": 5, "scaled": 0.75}
    assert attempted[0]["result"]["duration"] == "PT12M"
    assert attempted[0]["context"]["contextActivities"]["parent"][0]["id"] == activity

    completed = by_verb(stored, ADL + "completed")
    assert sorted(statement["object"]["id"] for statement in completed) == sorted(
        [activity, *step_ids]
    )
    registrations = {statement["context"]["registration"] for statement in attempted + completed}
    assert registrations == {registered["context"]["registration"]}

    (taught,) = by_verb(stored, f"{site}/xapi/verbs/taught-back")
    assert taught["object"]["id"] == activity
    context = taught["context"]
    assert context["contextActivities"]["grouping"][0]["id"] == f"{site}/teachbacks/{session.pk}"
    assert sorted(member["mbox"] for member in context["team"]["member"]) == sorted(
        f"mailto:{person.email}" for person in colleagues
    )

    feedback = by_verb(stored, f"{site}/xapi/verbs/gave-feedback")
    assert sorted(statement["actor"]["mbox"] for statement in feedback) == sorted(
        f"mailto:{person.email}" for person in colleagues
    )
    assert feedback[0]["result"]["score"]["scaled"] == 1.0
    assert "response" not in feedback[0]["result"]  # the comment stays on the platform
    assert feedback[0]["result"]["extensions"] == {f"{site}/xapi/extensions/will-try": True}

    (mastered,) = by_verb(stored, ADL + "mastered")
    assert mastered["object"]["id"] == activity

    (checked_in,) = by_verb(stored, f"{site}/xapi/verbs/checked-in")
    assert checked_in["object"]["id"] == f"{activity}/metrics/stand-up"
    assert checked_in["result"]["extensions"][f"{site}/xapi/extensions/metric-value"] == 9.5


def test_activity_ids_stay_the_same_on_a_new_version(ralph, settings):
    organization = OrganizationFactory()
    connect_lrs(organization, ralph, "acme")
    version = micromastery_with_metric(organization)
    version.status = "archived"
    version.save()
    newer = VersionFactory(micromastery=version.micromastery, number=2, status="published")
    for step in version.steps.all():
        StepFactory(version=newer, key=step.key, order=step.order, title=f"{step.title}, sharper")
    first, second = UserFactory(organization=organization), UserFactory(organization=organization)
    for person, steps in ((first, version.steps), (second, newer.steps)):
        enrollment = Enrollment.objects.create(
            learner=person, micromastery=version.micromastery, version=steps.first().version
        )
        practice_services.attempt_log(
            enrollment=enrollment,
            step=steps.get(order=1),
            what_i_did="Did it",
            confidence=3,
            minutes=5,
        )
    stored = by_verb(ralph.statements("acme"), ADL + "attempted")
    assert len(stored) == 2
    site = settings.SITE_URL
    assert {statement["object"]["id"] for statement in stored} == {
        f"{site}/micromasteries/{version.micromastery_id}/steps/step-1"
    }
    assert {
        statement["context"]["contextActivities"]["parent"][0]["id"] for statement in stored
    } == {f"{site}/micromasteries/{version.micromastery_id}"}


def test_a_resend_is_not_a_second_statement(ralph):
    organization = OrganizationFactory()
    connect_lrs(organization, ralph, "acme")
    version = micromastery_with_metric(organization)
    practise_to_completion(UserFactory(organization=organization), version)
    before = ralph.statements("acme")
    assert len(before) == 6  # registered, 2 attempted, 2 steps and the practice completed

    # Every message sent once more, as a retry after a lost answer would.
    xapi_messages().update(status=NudgeStatus.FAILED)
    for message in xapi_messages():
        outbox_message_resend(message=message)
    assert set(xapi_messages().values_list("status", flat=True)) == {NudgeStatus.SENT}
    assert xapi_messages().filter(attempts=2).count() == 6
    after = ralph.statements("acme")
    assert sorted(statement["id"] for statement in after) == sorted(
        statement["id"] for statement in before
    )


def test_a_changed_statement_under_a_known_id_counts_as_delivered(ralph):
    organization = OrganizationFactory()
    lrs = connect_lrs(organization, ralph, "acme")
    enrollment = practice_services.enrollment_create(
        learner=UserFactory(organization=organization),
        micromastery=micromastery_with_metric(organization).micromastery,
    )
    statement = statements.enrolled(enrollment)
    statement["object"]["definition"]["name"]["en-US"] = "Renamed since"
    statement_put(lrs=lrs, statement=statement)  # the LRS answers 409: no error, no copy
    assert len(ralph.statements("acme")) == 1


def test_a_statement_the_lrs_refuses_is_recorded_with_its_reason(ralph):
    organization = OrganizationFactory()
    connect_lrs(organization, ralph, "acme")
    learner = UserFactory(organization=organization)
    enrollment = practice_services.enrollment_create(
        learner=learner, micromastery=micromastery_with_metric(organization).micromastery
    )
    message = xapi_messages().get()
    broken = statements.enrolled(enrollment) | {"id": "5d8c3b9e-1f4a-5c2d-8e7f-0a1b2c3d4e5f"}
    del broken["actor"]  # xAPI requires one
    OutboxMessage.objects.filter(pk=message.pk).update(
        payload=broken, status=NudgeStatus.FAILED, idempotency_key="broken"
    )
    outbox_message_resend(message=message)
    message.refresh_from_db()
    assert message.status == NudgeStatus.FAILED
    assert "The LRS answered HTTP 4" in message.last_error
    assert [statement["id"] for statement in ralph.statements("acme")] == [
        statements.enrolled(enrollment)["id"]  # the valid one, sent when the event happened
    ]


def test_wrong_credentials_are_recorded_for_the_admin(ralph):
    organization = OrganizationFactory()
    lrs = connect_lrs(organization, ralph, "acme")
    lrs.password = "not-the-password"
    lrs.save()
    practice_services.enrollment_create(
        learner=UserFactory(organization=organization),
        micromastery=micromastery_with_metric(organization).micromastery,
    )
    message = xapi_messages().get()
    assert message.status == NudgeStatus.FAILED
    assert "HTTP 401" in message.last_error
    assert ralph.statements("acme") == []


def test_each_organization_s_events_go_to_its_own_lrs_only(ralph):
    acme, globex = OrganizationFactory(), OrganizationFactory()
    connect_lrs(acme, ralph, "acme")
    connect_lrs(globex, ralph, "globex")
    ana = UserFactory(organization=acme, email="ana@acme.example")
    gus = UserFactory(organization=globex, email="gus@globex.example")
    practise_to_completion(ana, micromastery_with_metric(acme))
    practice_services.enrollment_create(
        learner=gus, micromastery=micromastery_with_metric(globex).micromastery
    )
    assert {s["actor"]["mbox"] for s in ralph.statements("acme")} == {"mailto:ana@acme.example"}
    assert len(ralph.statements("acme")) == 6
    assert [s["actor"]["mbox"] for s in ralph.statements("globex")] == ["mailto:gus@globex.example"]


def test_no_statement_without_an_lrs_switched_on(ralph):
    acme, globex = OrganizationFactory(), OrganizationFactory()
    connect_lrs(globex, ralph, "globex", enabled=False)
    practise_to_completion(UserFactory(organization=acme), micromastery_with_metric(acme))
    practise_to_completion(UserFactory(organization=globex), micromastery_with_metric(globex))
    assert not xapi_messages().exists()
    assert ralph.statements("globex") == []


def test_backfill_sends_the_history_once_however_often_it_runs(ralph, capsys):
    organization = OrganizationFactory(slug="acme-logistics")
    colleagues = [UserFactory(organization=organization) for _ in range(2)]
    learner = UserFactory(organization=organization)
    version = micromastery_with_metric(organization)
    enrollment = practise_to_completion(learner, version)
    teach_back_and_get_feedback(enrollment, colleagues)
    # The history was made before the LRS was connected: nothing went out.
    assert not xapi_messages().exists()
    connect_lrs(organization, ralph, "acme")

    call_command("xapi_backfill", "--organization", "acme-logistics")
    first = ralph.statements("acme")
    assert "10 statements: 10 queued" in capsys.readouterr().out
    call_command("xapi_backfill", "--organization", "acme-logistics")
    assert "10 statements: 0 queued" in capsys.readouterr().out
    second = ralph.statements("acme")
    assert len(first) == len(second) == 10
    verbs = sorted(statement["verb"]["id"].rsplit("/", 1)[1] for statement in second)
    assert verbs == sorted(
        [
            "registered",
            "attempted",
            "attempted",
            "completed",
            "completed",
            "completed",
            "taught-back",
            "gave-feedback",
            "gave-feedback",
            "mastered",
        ]
    )


def test_backfill_makes_the_statements_the_events_made(ralph):
    """The ids (and bodies) are the same whether sent live or by the backfill."""
    organization = OrganizationFactory(slug="acme-logistics")
    connect_lrs(organization, ralph, "acme")
    practise_to_completion(
        UserFactory(organization=organization), micromastery_with_metric(organization)
    )
    live = sorted(statement["id"] for statement in ralph.statements("acme"))
    live_bodies = sorted(xapi_messages().values_list("payload", flat=True), key=str)
    OutboxMessage.objects.all().delete()
    ralph.clear()
    call_command("xapi_backfill", "--organization", "acme-logistics")
    assert sorted(statement["id"] for statement in ralph.statements("acme")) == live
    assert sorted(xapi_messages().values_list("payload", flat=True), key=str) == live_bodies


def test_backfill_refuses_an_organization_without_an_lrs(ralph):
    OrganizationFactory(slug="acme-logistics")
    with pytest.raises(CommandError, match="no Learning Record Store switched on"):
        call_command("xapi_backfill", "--organization", "acme-logistics")
    with pytest.raises(CommandError, match="No organization"):
        call_command("xapi_backfill", "--organization", "nobody")
    assert not OutboxMessage.objects.exists()


@pytest.fixture
def organization_without_lrs():
    return OrganizationFactory()


def test_the_readme_lists_every_iri_the_statements_use():
    readme = (Path(settings_module.BASE_DIR) / "README.md").read_text()
    section = readme.split("## xAPI", 1)[1].split("\n## ", 1)[0]
    own = [
        *(verb for verb, _ in statements.VERBS.values()),
        statements.TEST_VERB[0],
        statements.ACTIVITY_MICROMASTERY,
        statements.ACTIVITY_STEP,
        statements.ACTIVITY_TEACHBACK,
        statements.ACTIVITY_METRIC,
        statements.EXTENSION_METRIC_VALUE,
        statements.EXTENSION_METRIC_UNIT,
        statements.EXTENSION_CHECKIN_DAY,
        statements.EXTENSION_WILL_TRY,
        statements.EXTENSION_REFRESHER,
    ]
    for iri in own:
        documented = iri if iri.startswith("http") else f"<site URL>/xapi/{iri}"
        assert f"`{documented}`" in section


def test_an_event_costs_one_query_when_the_organization_has_no_lrs(organization_without_lrs):
    """Measured on an attempt that completes a step and the practice (three events)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from payoff.xapi.services import StatementHook
    from practice.extensions import learning_event_hooks

    counts = []
    for hooked in (False, True):
        learner = UserFactory(organization=organization_without_lrs)
        version = published_version(organization_without_lrs, steps=1, metrics=0)
        version.steps.update(repetitions_required=1)
        enrollment = Enrollment.objects.create(
            learner=learner, micromastery=version.micromastery, version=version
        )
        hook = StatementHook()
        if not hooked:
            learning_event_hooks.unregister(hook)
        try:
            with CaptureQueriesContext(connection) as queries:
                practice_services.attempt_log(
                    enrollment=enrollment,
                    step=version.steps.get(),
                    what_i_did="Did it",
                    confidence=3,
                    minutes=5,
                )
        finally:
            learning_event_hooks.register(hook)
        counts.append(len(queries))
    assert counts[1] - counts[0] == 3  # attempted, step completed, practice completed
