from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Organization, User
from courses.transfer import FORMATS, MAX_IMPORT_BYTES, TransferFormat, micromastery_import
from micromastery.common.errors import ApplicationError


class Command(BaseCommand):
    help = "Create a new draft micromastery in an organization from a JSON or YAML file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A file written by export_micromastery.")
        parser.add_argument("--organization", required=True, help="The organization's slug.")
        parser.add_argument("--by", help="Email of the author to record as its creator.")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            dest="file_format",
            help="Default: from the file's extension, else from its content.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            raise CommandError(f"No organization with the slug “{options['organization']}”.")
        by = None
        if options["by"]:
            by = (
                User.objects.for_organization(organization)
                .filter(email__iexact=options["by"].strip())
                .first()
            )
            if by is None:
                raise CommandError(f"{organization} has nobody with the email “{options['by']}”.")
        path = Path(options["file"])
        by_extension: dict[str, TransferFormat] = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}
        file_format = options["file_format"] or by_extension.get(path.suffix.lower())
        try:
            # Read one byte past the limit: enough for the import to refuse a huge file
            # without loading all of it.
            with path.open("rb") as upload:
                content = upload.read(MAX_IMPORT_BYTES + 1)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        try:
            draft = micromastery_import(
                organization=organization, by=by, content=content, file_format=file_format
            )
        except ApplicationError as error:
            raise CommandError(f"{path}: {error.message}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported “{draft.title}” into {organization} as a draft "
                f"(slug {draft.micromastery.slug})."
            )
        )
