from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from micromastery.common import encryption


class Command(BaseCommand):
    help = (
        "Encrypt every stored secret (single sign-on client secrets, LRS passwords) again "
        "under the current DJANGO_SECRET_KEY, after a rotation; then the old key can leave "
        "DJANGO_SECRET_KEY_FALLBACKS."
    )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        # All or nothing: one secret that cannot be opened leaves every row as it was.
        for kind in encryption.encrypted_fields:
            count = 0
            rows = kind.model._default_manager.select_for_update().exclude(**{kind.field: ""})
            for row in rows:
                try:
                    setattr(row, kind.field, encryption.reencrypt(getattr(row, kind.field)))
                except encryption.UndecryptableSecret as error:
                    raise CommandError(
                        f"The {kind.noun} of {row} cannot be decrypted with the current or "
                        "fallback keys: nothing was changed. Enter it again in the admin, or "
                        "put the key it was written with in DJANGO_SECRET_KEY_FALLBACKS."
                    ) from error
                row.save(update_fields=[kind.field])
                count += 1
            self.stdout.write(
                f"Encrypted {count} {kind.noun}{'' if count == 1 else 's'} under the current "
                "secret key."
            )
