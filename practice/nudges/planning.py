"""The nudge planner: one service, run by beat every minute, that decides who gets what when.

The rules, in one place:

1. **What is due** comes from the registered nudge sources (``practice.nudges.sources``):
   practice due (a repetition's spacing has passed), time to start (enrolled, nothing
   practised a day later), streak at risk (a running streak of working days and no
   practice yet today, from the middle of the working day), "learn long" refresher due,
   and whatever downstream apps register (payoff check-ins). Holdout enrolments produce no
   practice items: they are the control group that shows whether nudging pays off.
2. **When**: in the recipient's own time zone, inside their working hours on one of their
   working days, never on a paused day (a pause shifts the next nudge to the first working
   day after it), at least ``MIN_GAP`` after their previous nudge and at least
   ``QUIET_AFTER_PRACTICE`` after their last attempt.
3. **How often**: at most one nudge per recipient per local day across all channels. When
   several things are due they are combined into one digest. A recipient with a nudge
   still planned or being sent gets nothing new: that nudge's content is refreshed when
   it is sent.
4. **Where**: every channel the recipient has on (email, in-app, their team's webhook),
   the same message, one row per channel; the daily cap is also a database constraint on
   (recipient, local day, channel), so two planners running at once cannot both plan.
5. Nobody unsubscribed, inactive or without an organization is planned for.
6. **Time-critical items** (teach-back reminders, 24 hours and 1 hour before a session)
   are appointments, not practice: a reminder moved into working hours or to another day
   would be useless. Each is planned on its own, for exactly its moment
   (``starts_at - 24h`` / ``- 1h``), on every channel the recipient has on, outside the
   one-a-day cap (they neither use it up nor wait for it, and the database constraint
   leaves them out), regardless of working hours, the gap between nudges and recent
   practice. They still respect channel preferences, unsubscribe and a pause (a paused
   day gets no reminder). Their dedupe key is the item's subject (session UID, SEQUENCE,
   24h/1h), so a rescheduled session gets new reminders; at send time the dispatcher
   cancels a reminder whose session was cancelled, moved or has started.

Learners are planned in batches by primary key with a fixed number of queries per batch.
Planning reads plain values and writes plain rows (``NudgeRow``): a batch's nudges go to
the database in one multi-row ``INSERT ... ON CONFLICT DO NOTHING``, never as model
instances. On PostgreSQL batches are planned on a few threads side by side, so that one
works in Python while another waits for the database (``BatchPlanners``).
"""

from __future__ import annotations

import json
import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.translation import ngettext

from accounts.models import Organization, User
from accounts.working_hours import first_working_moment, working_day_of
from micromastery.common.batches import among
from practice.nudges.models import (
    TIME_CRITICAL_KINDS,
    Nudge,
    NudgeChannel,
    NudgeKind,
    NudgePreference,
    NudgeStatus,
    TeamWebhook,
    paused_on,
)
from practice.nudges.sources import DueItem, due_items_collect

MIN_GAP = timedelta(hours=3)
QUIET_AFTER_PRACTICE = timedelta(hours=1)
PLANNER_BATCH_SIZE = 500
# Threads planning batches side by side on PostgreSQL (``BatchPlanners``).
PLANNER_THREADS = 2
# How far ahead a slot is searched for (a long pause plans nothing until it nears its end).
HORIZON_DAYS = 14
ON_ITS_WAY = (NudgeStatus.PLANNED, NudgeStatus.SENDING)


# Rows the planner writes, as plain values (the insert below knows their columns).
class NudgeRow(NamedTuple):
    recipient_id: int
    kind: str
    channel: str
    subject_ref: str
    local_date: date
    due_at: datetime
    dedupe_key: str
    payload: dict[str, Any]
    webhook_id: int | None


# Rows a database statement may carry at most (SQLite allows 32,766 parameters).
INSERT_CHUNK = 1000
# The columns a planned nudge is written with (the last three take the same start values
# in every row: planned, no attempt, no error).
INSERT_COLUMNS = (
    "created_at, updated_at, recipient_id, kind, channel, subject_ref, local_date, "
    "due_at, dedupe_key, payload, webhook_id, status, attempts, last_error"
)


def nudges_insert_statements(rows: Sequence[NudgeRow]) -> list[tuple[str, list[Any]]]:
    """The statements (SQL and parameters) that insert planned nudges; a row that would
    break the dedupe key or the daily cap is dropped by the database.

    On PostgreSQL the rows travel as one JSON document that the server turns into rows
    (``json_populate_recordset``): the database parses it on its own core, where a
    parameter per value would cost the planner a few microseconds each to quote. Elsewhere
    they go as a multi-row ``VALUES``, in chunks.
    """
    if not rows:
        return []
    ops = connection.ops
    table = ops.quote_name(Nudge._meta.db_table)
    now = timezone.now()
    if connection.vendor == "postgresql":
        document = json.dumps(
            [
                {
                    "recipient_id": row.recipient_id,
                    "kind": row.kind,
                    "channel": row.channel,
                    "subject_ref": row.subject_ref,
                    "local_date": row.local_date.isoformat(),
                    "due_at": row.due_at.isoformat(),
                    "dedupe_key": row.dedupe_key,
                    "payload": row.payload,
                    "webhook_id": row.webhook_id,
                }
                for row in rows
            ],
            cls=DjangoJSONEncoder,
        )
        # Names are the model's own and every value is a parameter.
        sql = (
            f"INSERT INTO {table} ({INSERT_COLUMNS}) "  # noqa: S608
            "SELECT %s, %s, recipient_id, kind, channel, subject_ref, local_date, due_at, "
            "dedupe_key, payload, webhook_id, %s, 0, '' "
            f"FROM json_populate_recordset(NULL::{table}, %s) ON CONFLICT DO NOTHING"
        )
        return [(sql, [now, now, NudgeStatus.PLANNED, document])]
    stamp = ops.adapt_datetimefield_value(now)
    statements = []
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, '')"] * len(chunk))
        params: list[Any] = []
        # A nudge's channels share one payload: encode it once.
        encoded: dict[int, str] = {}
        for row in chunk:
            payload = encoded.get(id(row.payload))
            if payload is None:
                payload = encoded[id(row.payload)] = json.dumps(row.payload, cls=DjangoJSONEncoder)
            params += (
                stamp,
                stamp,
                row.recipient_id,
                row.kind,
                row.channel,
                row.subject_ref,
                ops.adapt_datefield_value(row.local_date),
                ops.adapt_datetimefield_value(row.due_at),
                row.dedupe_key,
                payload,
                row.webhook_id,
                NudgeStatus.PLANNED,
            )
        # Names are the model's own and every value is a parameter.
        sql = f"INSERT INTO {table} ({INSERT_COLUMNS}) VALUES {values} ON CONFLICT DO NOTHING"  # noqa: S608
        statements.append((sql, params))
    return statements


def nudges_insert(rows: Sequence[NudgeRow]) -> int:
    """Insert planned nudges (``nudges_insert_statements``). Returns how many were offered."""
    with connection.cursor() as cursor:
        for sql, params in nudges_insert_statements(rows):
            cursor.execute(sql, params)
    return len(rows)


class BatchPlanners:
    """Plan and write batches of people on ``PLANNER_THREADS`` threads, each with a
    database connection of its own.

    A batch spends about a third of its time waiting for the database (its reads, then its
    insert with the indexes and foreign key checks); meanwhile another thread works out
    its own batch in Python. Batches are about different people, so none waits for
    another's rows, and the database's daily cap and dedupe key hold across threads as
    they do across planner processes. After a failure the remaining batches are skipped
    and ``close`` raises it; what was written stays (the next run plans the rest).
    """

    def __init__(self, plan: Callable[[list[User]], tuple[int, int]], threads: int) -> None:
        self._plan = plan
        self._queue: queue.Queue[list[User] | None] = queue.Queue(maxsize=threads)
        self._done: list[tuple[int, int]] = []
        self._failures: list[BaseException] = []
        self._threads = [
            threading.Thread(target=self._work, name=f"nudge-planner-{n}", daemon=True)
            for n in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def _work(self) -> None:
        try:
            while (learners := self._queue.get()) is not None:
                if self._failures:
                    continue  # drain: a batch after a failure is left for the next run
                try:
                    self._done.append(self._plan(learners))
                except BaseException as error:  # handed to the caller by close()
                    self._failures.append(error)
        finally:
            connection.close()  # this thread's own connection

    @property
    def failed(self) -> bool:
        return bool(self._failures)

    def submit(self, learners: list[User]) -> None:
        """Hand a batch over; waits while every thread already has one waiting."""
        self._queue.put(learners)

    def close(self) -> tuple[int, int]:
        """Wait for the batches handed over; the sums of what ``plan`` answered for them.
        Raises the first failure."""
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        if self._failures:
            raise self._failures[0]
        return sum(seen for seen, _ in self._done), sum(offered for _, offered in self._done)


@dataclass
class PlanResult:
    learners_seen: int = 0
    nudges_offered: int = 0  # rows handed to the database; duplicates are dropped there
    batches: int = 0


def last_practised_at(user_ids: list[int]) -> dict[int, datetime | None]:
    """When each person last practised (any enrolment): nudges keep quiet for a while after.

    People who never enrolled are left out (``.get`` answers None for them, as for people
    who never practised)."""
    return dict(
        # Asked of their enrolments, so that PostgreSQL reads only theirs by index instead
        # of joining the whole table.
        User.objects.filter(among("enrollments__learner_id", user_ids))
        .annotate(last=Max("enrollments__attempts__practiced_at"))
        .values_list("pk", "last")
    )


def preference_of(user: User) -> NudgePreference:
    """The saved preference, or the defaults (every channel on) when there is none."""
    try:
        return user.nudge_preference
    except NudgePreference.DoesNotExist:
        return NudgePreference(user=user)


def organizations_attach(people: Sequence[User], known: dict[int, Organization]) -> None:
    """Attach each person's organization, read once a run: a handful of organizations
    serve every batch, where a join would build one copy for each of 100,000 people."""
    missing = {person.organization_id for person in people} - known.keys()
    if missing:
        known.update(Organization.objects.in_bulk(missing))
    cache = User.organization.field  # the foreign key's per-instance cache
    for person in people:
        if person.organization_id is not None:
            cache.set_cached_value(person, known[person.organization_id])


class PlanPreference(NamedTuple):
    """What the planner reads of a person's nudge preference, as plain values: it reads
    everyone's every minute."""

    email_enabled: bool
    in_app_enabled: bool
    webhook_enabled: bool
    paused_until: date | None
    unsubscribed_at: datetime | None

    def is_paused_on(self, day: date) -> bool:
        return paused_on(self.paused_until, day)


# Someone who never saved a preference has the model's defaults: every channel on.
DEFAULT_PREFERENCE = PlanPreference._make(
    getattr(NudgePreference(), name) for name in PlanPreference._fields
)


def preferences_read(people: Sequence[User]) -> dict[int, PlanPreference]:
    """Each person's preference by id, in one query (``DEFAULT_PREFERENCE`` for whoever is
    missing)."""
    rows = NudgePreference.objects.filter(among("user_id", [p.pk for p in people])).values_list(
        "user_id", *PlanPreference._fields
    )
    return {row[0]: PlanPreference._make(row[1:]) for row in rows}


def next_slot(
    *, earliest: datetime, user: User, preference: PlanPreference, skip_days: Iterable[date] = ()
) -> datetime | None:
    """The first moment at or after ``earliest`` the recipient may be nudged, or None.

    Inside working hours on a working day, in their own time zone (a night shift counts
    for the day it starts on), not on a paused day and not on ``skip_days`` (days that
    already have their nudge).
    """
    skipped = set(skip_days)
    return first_working_moment(
        user,
        earliest,
        day_allowed=lambda day: not preference.is_paused_on(day) and day not in skipped,
        search_days=HORIZON_DAYS,
    )


class Slots:
    """The planner's slots, each worked out once for everyone who shares it.

    People in the same time zone with the same working hours and days, not paused or paused
    until the same day, asked from the same moment with the same days already taken, get
    the same slot: most of an organization, most minutes. ``find`` answers (the slot, the
    working day it counts for) or None.
    """

    def __init__(self) -> None:
        self._found: dict[tuple[Any, ...], tuple[datetime, date] | None] = {}

    def find(
        self,
        *,
        earliest: datetime,
        user: User,
        preference: PlanPreference,
        skip_days: Iterable[date] = (),
    ) -> tuple[datetime, date] | None:
        skipped = frozenset(skip_days)
        key = (
            earliest,
            user.time_zone,
            user.work_starts_at,
            user.work_ends_at,
            user.working_weekdays,
            preference.paused_until,
            skipped,
        )
        if key in self._found:
            return self._found[key]
        slot = next_slot(earliest=earliest, user=user, preference=preference, skip_days=skipped)
        # The day the slot's working window started on: one nudge per shift, even across
        # midnight.
        found = self._found[key] = None if slot is None else (slot, working_day_of(user, slot))
        return found


def nudge_channels(
    *, preference: PlanPreference, webhook: TeamWebhook | None
) -> list[tuple[str, TeamWebhook | None]]:
    channels: list[tuple[str, TeamWebhook | None]] = []
    if preference.email_enabled:
        channels.append((NudgeChannel.EMAIL, None))
    if preference.in_app_enabled:
        channels.append((NudgeChannel.IN_APP, None))
    if preference.webhook_enabled and webhook is not None:
        channels.append((NudgeChannel.WEBHOOK, webhook))
    return channels


def is_time_critical(item: DueItem) -> bool:
    return item.kind in TIME_CRITICAL_KINDS


def _time_critical_nudges(
    learner: User,
    items: Sequence[DueItem],
    preference: PlanPreference,
    webhook: TeamWebhook | None,
) -> list[NudgeRow]:
    """One nudge per item and channel, at the item's exact moment (rule 6)."""
    nudges = []
    for item in items:
        local_date = item.due_at.astimezone(learner.zone).date()
        if preference.is_paused_on(local_date):
            continue
        payload = {"subject": f"{item.title}: {item.text}", "items": [item.as_payload()]}
        for channel, channel_webhook in nudge_channels(preference=preference, webhook=webhook):
            nudges.append(
                NudgeRow(
                    recipient_id=learner.pk,
                    kind=item.kind,
                    channel=channel,
                    subject_ref=item.subject_ref,
                    local_date=local_date,
                    due_at=item.due_at,
                    dedupe_key=f"{learner.pk}:{item.kind}:{item.subject_ref}:{channel}",
                    payload=payload,
                    webhook_id=channel_webhook.pk if channel_webhook else None,
                )
            )
    return nudges


def team_webhooks_of(learner_ids: Sequence[int]) -> dict[int, TeamWebhook]:
    """Each learner's team webhook (the first of their teams, by team name, that has one)."""
    webhooks: dict[int, TeamWebhook] = {}
    rows = (
        TeamWebhook.objects.filter(is_active=True, team__members__in=learner_ids)
        .select_related("team")
        .order_by("team__name", "pk")
        .values_list("team__members", "pk", "url", "secret", "team_id")
    )
    for learner_id, pk, url, secret, team_id in rows:
        if learner_id not in webhooks:
            webhooks[learner_id] = TeamWebhook(pk=pk, url=url, secret=secret, team_id=team_id)
    return webhooks


def digest_subject(count: int) -> str:
    """The subject line of a digest, in the active language."""
    return ngettext(
        "%(count)d thing to practise today", "%(count)d things to practise today", count
    ) % {"count": count}


def nudge_content(items: Sequence[DueItem]) -> tuple[str, str, str]:
    """(kind, subject_ref, subject line) of the nudge that carries these items."""
    if len(items) == 1:
        item = items[0]
        return item.kind, item.subject_ref, f"{item.title}: {item.text}"
    return NudgeKind.DIGEST, "day", digest_subject(len(items))


def _plan_batch(
    learners: list[User], preferences: dict[int, PlanPreference], now: datetime
) -> list[NudgeRow]:
    learner_ids = [learner.pk for learner in learners]
    # One read of the batch's nudges that count (time-critical ones stand apart) answers
    # both rule 3 and rules 2-3 below: who has one on its way, and, of the last two days,
    # which local days are taken and when the latest went out.
    recent_from = now - timedelta(days=2)
    nudges_of_batch = list(
        Nudge.objects.filter(among("recipient_id", learner_ids))
        .filter(Q(status__in=ON_ITS_WAY) | Q(due_at__gte=recent_from))
        .exclude(kind__in=TIME_CRITICAL_KINDS)
        .order_by()
        .values_list("recipient_id", "status", "local_date", "due_at", "sent_at")
    )
    # Rule 3: whoever has a nudge on its way gets nothing new until it has gone, so only
    # the sources of time-critical items are asked about them.
    waiting = {recipient_id for recipient_id, status, *_ in nudges_of_batch if status in ON_ITS_WAY}
    due = due_items_collect(learners=learners, now=now, waiting=waiting)
    if not due:
        return []
    busy: set[int] = set()
    counted_days: dict[int, set[date]] = defaultdict(set)
    last_nudge_at: dict[int, datetime] = {}
    for recipient_id, status, local_date, due_at, sent_at in nudges_of_batch:
        if recipient_id not in due or due_at < recent_from:
            continue
        if status in (NudgeStatus.CANCELLED, NudgeStatus.SUPPRESSED):
            continue
        if status in ON_ITS_WAY:
            busy.add(recipient_id)
        counted_days[recipient_id].add(local_date)
        moment = sent_at or due_at
        if moment > last_nudge_at.get(recipient_id, moment - timedelta(seconds=1)):
            last_nudge_at[recipient_id] = moment
    last_attempt_at = last_practised_at(list(due))
    webhooks = team_webhooks_of(learner_ids)

    slots = Slots()
    nudges: list[NudgeRow] = []
    for learner in learners:
        pk = learner.pk
        all_items = due.get(pk, ())
        preference = preferences.get(pk, DEFAULT_PREFERENCE)
        nudges += _time_critical_nudges(
            learner,
            [item for item in all_items if is_time_critical(item)],
            preference,
            webhooks.get(pk),
        )
        items = [item for item in all_items if not is_time_critical(item)]
        if not items or pk in busy:
            continue
        earliest = now
        if pk in last_nudge_at:
            earliest = max(earliest, last_nudge_at[pk] + MIN_GAP)
        practised_at = last_attempt_at.get(pk)
        if practised_at is not None:
            earliest = max(earliest, practised_at + QUIET_AFTER_PRACTICE)
        found = slots.find(
            earliest=earliest,
            user=learner,
            preference=preference,
            skip_days=counted_days[pk],
        )
        if found is None:
            continue
        slot, local_date = found
        kind, subject_ref, subject = nudge_content(items)
        payload = {"subject": subject, "items": [item.as_payload() for item in items]}
        for channel, webhook in nudge_channels(preference=preference, webhook=webhooks.get(pk)):
            nudges.append(
                NudgeRow(
                    recipient_id=pk,
                    kind=kind,
                    channel=channel,
                    subject_ref=subject_ref,
                    local_date=local_date,
                    due_at=slot,
                    dedupe_key=(f"{pk}:{kind}:{subject_ref}:{local_date.isoformat()}:{channel}"),
                    payload=payload,
                    webhook_id=webhook.pk if webhook else None,
                )
            )
    return nudges


def people_batch_plan(people: list[User], now: datetime) -> tuple[int, int]:
    """Plan and write the nudges of a batch of people (their organizations attached).
    Returns (learners planned for, rows offered)."""
    preferences = preferences_read(people)
    learners = [
        person
        for person in people
        if preferences.get(person.pk, DEFAULT_PREFERENCE).unsubscribed_at is None
    ]
    rows = _plan_batch(learners, preferences, now)
    return len(learners), nudges_insert(rows)


def nudges_plan(*, now: datetime | None = None, batch_size: int = PLANNER_BATCH_SIZE) -> PlanResult:
    """Plan the next nudge of every learner who has something due (rules: module docstring).

    Safe to run from several processes at once: inserts that would break the dedupe key or
    the daily cap are dropped by the database. On PostgreSQL, outside a transaction,
    batches are planned on several threads (``BatchPlanners``); inside one (a caller's, or
    a test's) and on SQLite, with its single writer, one after another.
    """
    now = now or timezone.now()
    result = PlanResult()
    last_pk = 0
    organizations: dict[int, Organization] = {}
    planners: BatchPlanners | None = None
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Texts written outside a source's own language (a digest's subject) keep the
        # caller's language on every thread.
        language = translation.get_language()

        def plan_in_language(people: list[User]) -> tuple[int, int]:
            with translation.override(language):
                return people_batch_plan(people, now)

        planners = BatchPlanners(plan_in_language, PLANNER_THREADS)
    try:
        while planners is None or not planners.failed:
            # One index lookup a batch, whatever the table statistics say: the next people
            # by primary key (a join or a filter on their preference would let PostgreSQL
            # sort every remaining person for each batch).
            people = list(
                User.objects.filter(
                    pk__gt=last_pk, is_active=True, organization__isnull=False
                ).order_by("pk")[:batch_size]
            )
            if not people:
                break
            last_pk = people[-1].pk
            result.batches += 1
            # The organization's language writes the nudges of people who chose none.
            organizations_attach(people, organizations)
            if planners is None:
                seen, offered = people_batch_plan(people, now)
                result.learners_seen += seen
                result.nudges_offered += offered
            else:
                planners.submit(people)
    finally:
        if planners is not None:
            result.learners_seen, result.nudges_offered = planners.close()
    return result


def nudges_replan_for(*, user: User) -> int:
    """Drop the recipient's planned nudges so the planner plans again under new preferences.

    A nudge already claimed for sending checks the preferences again before it goes out.
    """
    deleted, _ = Nudge.objects.filter(recipient=user, status=NudgeStatus.PLANNED).delete()
    return deleted
