from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD, demo_logins, seed_people
from courses.demo import seed_content


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
        self.stdout.write(self.style.SUCCESS(f"Demo data ready for {organization}."))
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for role, email in demo_logins():
            self.stdout.write(f"  {role:<24} {email}")
