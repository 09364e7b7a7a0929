from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from accounts.models import Organization
from courses import selectors
from courses.models import Micromastery
from courses.transfer import FORMATS, version_export


class Command(BaseCommand):
    help = (
        "Write one version of a micromastery as JSON or YAML: the published version unless "
        "--version is given (the newest one if none is published)."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # Django gives every command --version (Django's own); here it means the version of
        # the micromastery, so the option below replaces it.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The micromastery's slug.")
        parser.add_argument("--organization", required=True, help="The organization's slug.")
        parser.add_argument("--format", choices=FORMATS, default="yaml", dest="file_format")
        parser.add_argument("--version", type=int, dest="number", help="The version number.")
        parser.add_argument("-o", "--output", help="Write to this file instead of the screen.")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            raise CommandError(f"No organization with the slug “{options['organization']}”.")
        micromastery = (
            Micromastery.objects.for_organization(organization).filter(slug=options["slug"]).first()
        )
        if micromastery is None:
            raise CommandError(
                f"{organization} has no micromastery with the slug “{options['slug']}”."
            )
        try:
            version = selectors.version_get(micromastery=micromastery, number=options["number"])
        except Http404 as error:
            raise CommandError(
                f"“{micromastery.slug}” has no version {options['number']}."
            ) from error
        text = version_export(version=version, file_format=options["file_format"])
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {version} to {options['output']}.")
        else:
            self.stdout.write(text, ending="")
