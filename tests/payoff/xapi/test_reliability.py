"""Statements through real worker processes: an LRS that is down, then up, loses nothing.

Runs on SQLite + the filesystem broker and on PostgreSQL + Redis. Waits are on progress.
"""

from __future__ import annotations

import pytest

from micromastery.common.outbox import MessageKind
from practice.nudges import outbox
from practice.nudges.models import NudgeStatus, OutboxMessage
from tests.factories import OrganizationFactory, UserFactory
from tests.payoff.xapi.conftest import ACCOUNTS, connect_lrs
from tests.payoff.xapi.lrs import RalphLrs
from tests.payoff.xapi.test_statements import micromastery_with_metric, practise_to_completion
from tests.practice.nudges.test_outbox_reliability import outbox_state, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_lrs_down_then_up_every_statement_arrives_once(celery_workers):
    lrs = RalphLrs(ACCOUNTS)  # not started: nothing answers on its port yet
    try:
        organization = OrganizationFactory()
        connect_lrs(organization, lrs, "acme")
        practise_to_completion(
            UserFactory(organization=organization), micromastery_with_metric(organization)
        )
        messages = OutboxMessage.objects.filter(kind=MessageKind.XAPI_STATEMENT)
        assert messages.filter(status=NudgeStatus.PLANNED).count() == 6
        celery_workers.start(
            {
                # Retries every half second at most, for as long as the test needs.
                "MICROMASTERY_OUTBOX_RETRY_BASE": "0.1",
                "MICROMASTERY_OUTBOX_RETRY_MAX": "0.5",
                "MICROMASTERY_OUTBOX_RETRY_LIMIT": "100000",
            }
        )
        outbox.outbox_dispatch(queue=celery_workers.queue)
        # Down: every statement is tried, and tried again, and none is given up.
        assert wait_for(
            lambda: all(attempts >= 3 for _, attempts in outbox_state()), progress=outbox_state
        )
        assert not messages.filter(status__in=[NudgeStatus.SENT, NudgeStatus.FAILED]).exists()
        assert "The LRS is unreachable" in messages.first().last_error
        lrs.start()  # back up
        assert wait_for(
            lambda: set(messages.values_list("status", flat=True)) == {NudgeStatus.SENT},
            progress=outbox_state,
        )
        stored = lrs.statements("acme")
    finally:
        lrs.stop()
    sent = sorted(message.payload["id"] for message in messages)
    assert sorted(statement["id"] for statement in stored) == sent  # none lost, none twice
