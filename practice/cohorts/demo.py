"""The demo's cohort: found by its name, so seeding again adds nothing."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, Team
from courses.models import Micromastery
from practice.cohorts import services as cohort_services
from practice.demo import STAND_UP, local_moment

COHORT_NAME = "Dispatch: 15-minute stand-ups"
COHORT_DUE_IN_DAYS = 14
COHORT_KICKOFF_IN_DAYS = 2
COHORT_KICKOFF_URL = "https://meet.acme.example/dispatch-stand-up-kickoff"


@transaction.atomic
def seed_cohorts(organization: Organization) -> None:
    """Marcus assigns the stand-up to Dispatch, with a kickoff; assigning again adds nothing."""
    people = {user.email: user for user in organization.users.all()}
    manager = people["marcus.reed@acme.example"]
    today = timezone.now().astimezone(manager.zone).date()
    kickoff = local_moment(manager, days_ago=-COHORT_KICKOFF_IN_DAYS, hour=9, today=today)
    cohort_services.cohort_assign(
        by=manager,
        name=COHORT_NAME,
        micromastery=Micromastery.objects.for_organization(organization).get(slug=STAND_UP),
        teams=[Team.objects.get(organization=organization, name="Dispatch")],
        starts_on=today,
        due_on=today + timedelta(days=COHORT_DUE_IN_DAYS),
        kickoff_at=kickoff,
        kickoff_minutes=30,
        kickoff_url=COHORT_KICKOFF_URL,
        facilitator=manager,
    )
