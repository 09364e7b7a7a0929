"""``make lint`` runs this: interface text left unmarked, and catalogues behind the sources."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from micromastery.common import translations


class Command(BaseCommand):
    help = (
        "Fails on interface text not marked for translation, on messages a language's "
        "catalogue lacks, and on compiled catalogues older than their source."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--unmarked-only",
            action="store_true",
            help="Only look for unmarked text (while the catalogues are being translated).",
        )

    def handle(self, *args: Any, unmarked_only: bool = False, **options: Any) -> None:
        root = Path(settings.BASE_DIR)
        problems = [str(finding) for finding in translations.unmarked_text(root)]
        if problems:
            problems.insert(0, "Interface text not marked for translation:")
        if not unmarked_only:
            messages = translations.source_messages(root)
            for language in translations.TRANSLATED_LANGUAGES:
                problems.extend(translations.catalogue_gaps(root, language, messages))
            problems.extend(translations.stale_compiled_catalogues(root))
        if problems:
            self.stderr.write("\n".join(problems))
            raise CommandError(f"{len(problems)} translation problems (see above).")
        self.stdout.write("Every interface text is marked and translated.")
