from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Organization
from micromastery.common.errors import ApplicationError
from payoff.xapi.services import xapi_backfill


class Command(BaseCommand):
    help = (
        "Send an organization's learning history to its Learning Record Store as xAPI "
        "statements. Safe to run again: a statement is never stored twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", required=True, help="The organization's slug.")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            raise CommandError(f"No organization with the slug {options['organization']!r}.")
        try:
            result = xapi_backfill(organization=organization)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"{result.statements} statements: {result.queued} queued for the LRS, "
            f"{result.resent} that had failed sent again, the others were already sent "
            "or on their way."
        )
