"""The completion card's read of the enrolment's latest teach-back is compiled once per
thread: each card must still link to its own enrolment's session."""

from __future__ import annotations

import pytest
from django.urls import reverse

from practice.teachback.completion import TeachBackProposalHook
from tests.factories import TeachBackSessionFactory

pytestmark = pytest.mark.django_db


def test_completion_card_links_each_enrolment_to_its_own_latest_session(organization):
    hook = TeachBackProposalHook()
    first = TeachBackSessionFactory(
        enrollment__learner__organization=organization, status="proposed", starts_at=None
    )
    second = TeachBackSessionFactory(enrollment__learner__organization=organization)
    cancelled = TeachBackSessionFactory(
        enrollment=second.enrollment, teacher=second.teacher, status="cancelled"
    )

    def card(session):
        return hook.completion_card(enrollment=session.enrollment, learner=session.teacher)

    first_card = card(first)
    assert reverse("teachback:session", args=[first.pk]) in first_card
    assert "Choose who and when for your teach-back" in first_card
    second_card = card(second)
    assert reverse("teachback:session", args=[second.pk]) in second_card
    assert reverse("teachback:session", args=[cancelled.pk]) not in second_card
    assert "Your teach-back on" in second_card
    first.status = "cancelled"
    first.save()
    # Cancelled since: the card no longer links to it.
    cancelled_card = card(first)
    assert reverse("teachback:session", args=[first.pk]) not in cancelled_card
    assert "We are finding colleagues and times that fit" in cancelled_card
