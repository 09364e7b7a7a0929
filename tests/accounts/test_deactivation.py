"""Deactivating a person, from any place, cancels what was planned to reach them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import services
from practice.nudges.models import Nudge, NudgeStatus
from tests.accounts.test_tokens import user_admin_form
from tests.factories import NudgeFactory

pytestmark = pytest.mark.django_db


def test_user_deactivate_cancels_planned_nudges_and_keeps_sent_ones(learner, manager):
    planned = NudgeFactory(recipient=learner, status="planned")
    sent = NudgeFactory(recipient=learner, status="sent", channel="in_app")
    someone_else = NudgeFactory(recipient=manager, status="planned")
    services.user_deactivate(user=learner)
    statuses = dict(Nudge.objects.values_list("pk", "status"))
    assert statuses == {
        planned.pk: NudgeStatus.CANCELLED,
        sent.pk: NudgeStatus.SENT,
        someone_else.pk: NudgeStatus.PLANNED,
    }


def test_admin_deactivation_cancels_planned_nudges(client, org_admin, learner):
    planned = NudgeFactory(recipient=learner, status="planned")
    client.force_login(org_admin)
    response = client.post(
        reverse("admin:accounts_user_change", args=[learner.pk]),
        user_admin_form(learner, is_active=None),
    )
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.status == NudgeStatus.CANCELLED
