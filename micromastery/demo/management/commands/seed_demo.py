from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import mail
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from accounts.demo import DEMO_PASSWORD, demo_logins, seed_people
from courses.demo import seed_content
from payoff.demo import seed_payoff
from payoff.rollups import rollups_rebuild
from practice.cohorts.demo import seed_cohorts
from practice.demo import seed_practice
from practice.nudges.outbox import outbox_hold_back, outbox_last_id
from practice.nudges.planning import nudges_plan
from practice.teachback.demo import seed_teachback

DEMO = "Demo data: never sent."


@dataclass
class HeldBack:
    sent_directly: list[mail.EmailMessage]
    cancelled: int = 0

    def __len__(self) -> int:
        return len(self.sent_directly) + self.cancelled


@contextmanager
def emails_held_back() -> Iterator[HeldBack]:
    """Keep the emails the seeding causes (assignments, invitations) in memory.

    The demo's people are made up and the story happened "in the past": nobody should get
    those emails, and a console backend would flood the terminal with them.
    """
    held: list[mail.EmailMessage] = []
    held_back = HeldBack(held)
    outbox = getattr(mail, "outbox", None)
    mail.outbox = held
    last_id = outbox_last_id()
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield held_back
        # Seeding runs before any worker starts: what it enqueued is cancelled before it
        # can be sent. Counted with the others for the summary line.
        held_back.cancelled = outbox_hold_back(after_id=last_id, reason=DEMO)
    finally:
        if outbox is None:
            del mail.outbox
        else:
            mail.outbox = outbox


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


class Command(BaseCommand):
    help = "Create or refresh the demo organization (idempotent). Refused in production."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.MICROMASTERY_DEMO_DATA_ALLOWED:
            raise CommandError(
                "seed_demo writes demo accounts with a known password and is refused in "
                "production. Set DJANGO_DEBUG=true for a local demo."
            )
        organization = seed_people()
        seed_content(organization)
        with emails_held_back() as held:
            seed_practice(organization)
            seed_cohorts(organization)
            seed_teachback(organization)
            seed_payoff(organization)
        # The dashboard reads the rollups: fill them now rather than at the next beat. The
        # rebuild reports rows it had to add as drift, which is expected here.
        with _quiet("payoff.rollups"):
            rollups_rebuild()
        nudges_plan()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready for {organization}."))
        if held:
            self.stdout.write(f"{len(held)} demo emails were held back, not sent.")
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for role, email in demo_logins():
            self.stdout.write(f"  {role:<24} {email}")
