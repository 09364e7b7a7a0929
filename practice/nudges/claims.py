"""Claims on outgoing rows (nudges and outbox messages): one statement per batch.

A row moves ``planned`` -> ``sending`` under a claim token and a lease, and leaves
``sending`` only through a statement that names that token. Every statement here is a
single ``UPDATE ... RETURNING``: it says which rows it changed, so a batch never needs a
second query to learn what it owns.

- ``rows_claim``: on PostgreSQL the rows are picked by a sub-select ``FOR UPDATE SKIP
  LOCKED``, so dispatchers claiming at the same moment get disjoint batches without
  waiting for each other; on SQLite a write statement holds the database's one write lock,
  which serialises claims to the same effect.
- ``rows_begin_attempts``: the send task's check that it still owns its rows, recording
  one more attempt on each and renewing their lease, for the whole batch at once.
- ``rows_reclaim_expired``: a ``sending`` row whose lease ran out (its worker died, its
  message was lost) goes back to ``planned``; the old token then matches nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet
from django.utils import timezone

from practice.nudges.models import NudgeStatus


def _column(model: type[Model], name: str) -> str:
    column = getattr(model._meta.get_field(name), "column", None)
    if not isinstance(column, str):
        raise TypeError(f"{model.__name__}.{name} is not a column.")
    return connection.ops.quote_name(column)


def _db_value(model: type[Model], name: str, value: object) -> Any:
    return model._meta.get_field(name).get_db_prep_value(value, connection)  # type: ignore[union-attr]


def _returning_ids(sql: str, params: Sequence[Any]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def rows_claim(
    rows: QuerySet[Any], *, now: datetime, batch_size: int, lease: timedelta
) -> tuple[list[int], str]:
    """Move up to ``batch_size`` due ``planned`` rows to ``sending`` under a new token:
    (their ids, the token), in one statement. Earliest due first."""
    model = rows.model
    due = (
        rows.filter(status=NudgeStatus.PLANNED, due_at__lte=now)
        .order_by("due_at", "pk")
        .values("pk")[:batch_size]
    )
    pick_sql, pick_params = due.query.sql_with_params()
    if connection.features.has_select_for_update_skip_locked:
        pick_sql += " FOR UPDATE SKIP LOCKED"
    token = uuid.uuid4()
    table = connection.ops.quote_name(model._meta.db_table)
    pk = _column(model, "id")
    status, claim_token = _column(model, "status"), _column(model, "claim_token")
    # Names come from the model and values are parameters (here and below).
    ids = _returning_ids(
        f"UPDATE {table} SET {status} = %s, {claim_token} = %s, "  # noqa: S608
        f"{_column(model, 'lease_expires_at')} = %s WHERE {pk} IN ({pick_sql}) RETURNING {pk}",
        [
            NudgeStatus.SENDING,
            _db_value(model, "claim_token", token),
            _db_value(model, "lease_expires_at", now + lease),
            *pick_params,
        ],
    )
    return (ids, str(token)) if ids else ([], "")


# Joined into an UPDATE on PostgreSQL, so that its transaction (in autocommit, the statement's
# own) commits without waiting for the disk; the setting ends with that transaction. The
# sub-select's one column (set_config) names none of the table's.
_ASYNCHRONOUS_COMMIT = "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS commit_mode "


def _owned_update(
    model: type[Model],
    ids: Sequence[int],
    token: str,
    assignments: str,
    values: Sequence[object],
    *,
    asynchronous_commit: bool = False,
) -> set[int]:
    """Run ``UPDATE ... SET <assignments>`` on those of ``ids`` this token still owns; their ids.

    ``asynchronous_commit``: see ``row_record_delivered``."""
    if not ids:
        return set()
    table = connection.ops.quote_name(model._meta.db_table)
    pk = _column(model, "id")
    placeholders = ", ".join(["%s"] * len(ids))
    from_clause = (
        _ASYNCHRONOUS_COMMIT if asynchronous_commit and connection.vendor == "postgresql" else ""
    )
    return set(
        _returning_ids(
            f"UPDATE {table} SET {assignments} {from_clause}"  # noqa: S608
            f"WHERE {pk} IN ({placeholders}) "
            f"AND {_column(model, 'status')} = %s AND {_column(model, 'claim_token')} = %s "
            f"RETURNING {pk}",
            [
                *values,
                *ids,
                NudgeStatus.SENDING,
                _db_value(model, "claim_token", uuid.UUID(token)),
            ],
        )
    )


def rows_begin_attempts(
    model: type[Model], ids: Sequence[int], token: str, lease: timedelta
) -> set[int]:
    """Record one more attempt on each of ``ids`` this token still owns, renewing its
    lease from now; the ids it owns. A row missing from the answer is hands off."""
    attempts = _column(model, "attempts")
    return _owned_update(
        model,
        ids,
        token,
        f"{attempts} = {attempts} + 1, {_column(model, 'lease_expires_at')} = %s",
        [_db_value(model, "lease_expires_at", timezone.now() + lease)],
    )


def rows_renew_lease(
    model: type[Model], ids: Sequence[int], token: str, lease: timedelta
) -> set[int]:
    """Renew the lease of those of ``ids`` this token still owns (a slow batch keeps the
    rows it has not sent yet); the ids it owns."""
    return _owned_update(
        model,
        ids,
        token,
        f"{_column(model, 'lease_expires_at')} = %s",
        [_db_value(model, "lease_expires_at", timezone.now() + lease)],
    )


def rows_finish(
    model: type[Model], ids: Sequence[int], token: str, status: str, **fields: object
) -> int:
    """Leave ``sending`` for ``status`` (setting ``fields`` too) on those of ``ids`` this
    token still owns, in one statement; how many."""
    return _finish(model, ids, token, status, fields)


def _finish(
    model: type[Model],
    ids: Sequence[int],
    token: str,
    status: str,
    fields: Mapping[str, object],
    *,
    asynchronous_commit: bool = False,
) -> int:
    values = {"status": status, "claim_token": None, "lease_expires_at": None, **fields}
    assignments = ", ".join(f"{_column(model, name)} = %s" for name in values)
    prepared = [
        model._meta.get_field(name).get_db_prep_save(value, connection)  # type: ignore[union-attr]
        for name, value in values.items()
    ]
    return len(
        _owned_update(
            model, ids, token, assignments, prepared, asynchronous_commit=asynchronous_commit
        )
    )


def row_finish(model: type[Model], pk: int, token: str, status: str, **fields: object) -> bool:
    """Leave ``sending`` for ``status``, only if this token still owns the row."""
    return bool(rows_finish(model, [pk], token, status, **fields))


def row_record_delivered(model: type[Model], pk: int, token: str, **fields: object) -> bool:
    """``row_finish`` to ``sent`` right after a delivery, without waiting for the disk.

    On PostgreSQL the statement commits asynchronously (``synchronous_commit`` off for
    its transaction only, set within the statement itself: one round trip): every other
    connection sees the row ``sent`` at once, so a worker killed now changes nothing, but
    a crash of the database server itself within a fraction of a second can forget the
    mark. The lease then runs out and the row is sent again: at least once, never lost,
    like a worker killed between delivery and this statement. Waiting for the disk on
    every single message would make the send rate that of the disk's flushes.
    """
    return bool(_finish(model, [pk], token, NudgeStatus.SENT, fields, asynchronous_commit=True))


def rows_reclaim_expired(rows: QuerySet[Any], *, now: datetime) -> int:
    """Put ``sending`` rows whose lease ran out back to ``planned``."""
    return rows.filter(status=NudgeStatus.SENDING, lease_expires_at__lt=now).update(
        status=NudgeStatus.PLANNED, claim_token=None, lease_expires_at=None
    )
