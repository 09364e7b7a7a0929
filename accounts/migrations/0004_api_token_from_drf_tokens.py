"""Carry the keys of DRF's authtoken table over to ApiToken, then empty that table.

rest_framework.authtoken is no longer installed, so its table is read with plain SQL and
only when it exists (a database created after this change never had it). Its rows are
deleted once copied: they hold usable keys in clear text. Going back leaves the tokens
with ApiToken: a digest cannot be turned back into a key.
"""

from datetime import UTC

from django.db import migrations
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import api_token_credentials, api_token_digest

DRF_TOKEN_TABLE = "authtoken_token"


def _aware(value, default):
    # SQLite hands back naive UTC datetimes (or text), PostgreSQL aware ones.
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is None:
        return default
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def copy_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if DRF_TOKEN_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    User = apps.get_model("accounts", "User")
    table = schema_editor.quote_name(DRF_TOKEN_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {schema_editor.quote_name('key')}, user_id, created FROM {table}")
        rows = cursor.fetchall()
    users = User.objects.in_bulk([user_id for _, user_id, _ in rows])
    now = timezone.now()
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                digest=api_token_digest(key),
                user_id=user_id,
                credentials=api_token_credentials(
                    password=users[user_id].password,
                    organization_id=users[user_id].organization_id,
                ),
                created_at=_aware(created, now),
                # Their last use is unknown: the idle period starts now.
                last_used_at=now,
            )
            for key, user_id, created in rows
            if user_id in users
        ],
        ignore_conflicts=True,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_token"),
    ]

    operations = [
        migrations.RunPython(copy_drf_tokens, migrations.RunPython.noop),
    ]
