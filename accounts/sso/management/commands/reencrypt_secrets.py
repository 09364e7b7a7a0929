from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.sso.models import SingleSignOn
from micromastery.common import encryption


class Command(BaseCommand):
    help = (
        "Encrypt the stored single sign-on client secrets again under the current "
        "DJANGO_SECRET_KEY, after a rotation; then the old key can leave "
        "DJANGO_SECRET_KEY_FALLBACKS."
    )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        for single_sign_on in SingleSignOn.objects.select_for_update().exclude(
            client_secret_encrypted=""
        ):
            try:
                single_sign_on.client_secret_encrypted = encryption.reencrypt(
                    single_sign_on.client_secret_encrypted
                )
            except encryption.UndecryptableSecret as error:
                raise CommandError(
                    f"The client secret of {single_sign_on.organization} cannot be decrypted "
                    "with the current or fallback keys: nothing was changed. Enter it again "
                    "in the admin, or put the key it was written with in "
                    "DJANGO_SECRET_KEY_FALLBACKS."
                ) from error
            single_sign_on.save(update_fields=["client_secret_encrypted", "updated_at"])
            count += 1
        self.stdout.write(f"Encrypted {count} client secret(s) under the current secret key.")
