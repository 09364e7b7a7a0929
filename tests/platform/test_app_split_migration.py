"""Nudges, teach-back and cohorts left the practice app without moving a row.

A database at the layout where they were part of practice (practice 0007) is migrated to
their own apps and back: the same rows, with the same ids, in the same tables, are read
through either layout's models; no table is created, altered or copied; permissions and
the admin history follow the models.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from practice.cohorts.models import Cohort, CohortMembership
from practice.models import Enrollment
from practice.nudges.models import Notification, Nudge
from practice.teachback.models import TeachBackInvite, TeachBackSession
from tests.factories import EnrollmentFactory, TeamFactory, UserFactory, published_version

NEW_APPS = ("nudges", "teachback", "cohorts")
BEFORE_SPLIT = ("practice", "0008_text_limits")
MOVED_TABLES = (
    "practice_teachbacksession",
    "practice_teachbackinvite",
    "practice_cohort",
    "practice_cohortmembership",
    "practice_cohort_teams",
    "practice_nudge",
    "practice_notification",
)


def _before_split_targets(executor: MigrationExecutor) -> list[tuple[str, str | None]]:
    return [BEFORE_SPLIT, *((app, None) for app in NEW_APPS)]


def _newest_without(executor: MigrationExecutor, excluded: set) -> list[tuple[str, str]]:
    """Of every app but practice and the new ones, the newest migration that needs none of
    ``excluded`` (a later payoff migration reads the nudges app, say)."""
    graph = executor.loader.graph
    nodes = []
    for app in {app for app, _name in graph.leaf_nodes()} - {"practice", *NEW_APPS}:
        candidates = [
            node
            for node in graph.nodes
            if node[0] == app and not excluded & set(graph.forwards_plan(node))
        ]
        if candidates:
            nodes.append(max(candidates, key=lambda node: len(graph.forwards_plan(node))))
    return nodes


def _before_split_state_nodes(executor: MigrationExecutor) -> list[tuple[str, str]]:
    split = {node for node in executor.loader.graph.nodes if node[0] in NEW_APPS}
    return [BEFORE_SPLIT, *_newest_without(executor, split)]


def _migrate(targets: list) -> tuple[MigrationExecutor, list[str]]:
    executor = MigrationExecutor(connection)
    with CaptureQueriesContext(connection) as queries:
        executor.migrate(targets)
    executor.loader.build_graph()
    return executor, [query["sql"] for query in queries.captured_queries]


# The split's last migration in each new app: what came after it (the outbox, say) adds
# tables of its own and is not part of the move.
SPLIT_DONE = {app: (app, "0002_content_types_from_practice") for app in NEW_APPS}


def _latest(executor: MigrationExecutor) -> list[tuple[str, str]]:
    """The split done: the new apps at their split migrations, practice at its newest, and
    the other apps at their newest migration that needs nothing after the split."""
    graph = executor.loader.graph
    split_done = {node for target in SPLIT_DONE.values() for node in graph.forwards_plan(target)}
    after_split = {node for node in graph.nodes if node[0] in NEW_APPS} - split_done
    practice = [node for node in graph.leaf_nodes() if node[0] == "practice"]
    return [*SPLIT_DONE.values(), *practice, *_newest_without(executor, after_split)]


def _row_ids() -> dict[str, list[int]]:
    with connection.cursor() as cursor:
        found = {}
        for table in MOVED_TABLES:
            cursor.execute(f"SELECT id FROM {table} ORDER BY id")
            found[table] = [row[0] for row in cursor.fetchall()]
    return found


def _touches_moved_tables(statements: list[str]) -> list[str]:
    return [sql for sql in statements if any(table in sql for table in MOVED_TABLES)]


@pytest.mark.django_db(transaction=True)
def test_split_moves_no_rows_and_migrates_back():
    executor, _ = _migrate(_before_split_targets(MigrationExecutor(connection)))
    old = executor.loader.project_state(_before_split_state_nodes(executor)).apps
    assert old.get_model("practice", "TeachBackSession")._meta.db_table == MOVED_TABLES[0]

    # Rows written by the practice app's models, as the code before the split wrote them.
    version = published_version()
    organization = version.micromastery.organization
    teacher = UserFactory(organization=organization)
    colleague = UserFactory(organization=organization)
    team = TeamFactory(organization=organization)
    enrollment = EnrollmentFactory(learner=teacher, version=version)
    session = old.get_model("practice", "TeachBackSession").objects.create(
        teacher_id=teacher.pk,
        micromastery_id=version.micromastery_id,
        enrollment_id=enrollment.pk,
        status="scheduled",
        starts_at=timezone.now() + timedelta(days=2),
    )
    invite = old.get_model("practice", "TeachBackInvite").objects.create(
        session_id=session.pk, invitee_id=colleague.pk, rsvp="accepted"
    )
    cohort = old.get_model("practice", "Cohort").objects.create(
        organization_id=organization.pk,
        name="Spring stand-ups",
        micromastery_id=version.micromastery_id,
        starts_on=date(2026, 3, 2),
    )
    cohort.teams.add(team.pk)
    membership = old.get_model("practice", "CohortMembership").objects.create(
        cohort_id=cohort.pk, learner_id=colleague.pk, added_at=timezone.now()
    )
    nudge = old.get_model("practice", "Nudge").objects.create(
        recipient_id=colleague.pk,
        kind="practice_due",
        channel="in_app",
        subject_ref=f"enrollment:{enrollment.pk}:step:1:0",
        local_date=date(2026, 3, 3),
        due_at=timezone.now(),
        dedupe_key="split-test",
    )
    notification = old.get_model("practice", "Notification").objects.create(
        recipient_id=colleague.pk, nudge_id=nudge.pk, title="Time to practise"
    )
    Enrollment.objects.filter(pk=enrollment.pk).update(taught_in=session.pk)
    # An author allowed to see teach-backs, and the admin history of the session.
    session_type = ContentType.objects.get(app_label="practice", model="teachbacksession")
    reviewer = UserFactory(organization=organization)
    reviewer.user_permissions.add(
        Permission.objects.get(content_type=session_type, codename="view_teachbacksession")
    )
    entry = LogEntry.objects.create(
        user_id=reviewer.pk,
        content_type_id=session_type.pk,
        object_id=str(session.pk),
        object_repr="Teach-back",
        action_flag=ADDITION,
    )
    rows_before = _row_ids()

    executor, statements = _migrate(_latest(executor))

    # Nothing was created, altered or copied: the moved tables were not even mentioned (the
    # statements are captured: the content types' relabelling is among them).
    assert any("django_content_type" in sql for sql in statements)
    assert _touches_moved_tables(statements) == []
    assert not [sql for sql in statements if sql.lstrip().upper().startswith(("CREATE", "ALTER"))]
    assert _row_ids() == rows_before
    # The same rows, read through the new apps' models.
    assert TeachBackSession.objects.get(pk=session.pk).status == "scheduled"
    assert TeachBackInvite.objects.get(pk=invite.pk).session_id == session.pk
    assert Enrollment.objects.get(pk=enrollment.pk).taught_in_id == session.pk
    assert Cohort.objects.get(pk=cohort.pk).name == "Spring stand-ups"
    assert list(Cohort.objects.get(pk=cohort.pk).teams.values_list("pk", flat=True)) == [team.pk]
    assert CohortMembership.objects.get(pk=membership.pk).learner_id == colleague.pk
    assert Nudge.objects.get(pk=nudge.pk).dedupe_key == "split-test"
    assert Notification.objects.get(pk=notification.pk).nudge_id == nudge.pk
    # Permissions and admin history kept their content type, now under the new label.
    moved_type = ContentType.objects.get(pk=session_type.pk)
    assert (moved_type.app_label, moved_type.model) == ("teachback", "teachbacksession")
    assert User.objects.get(pk=reviewer.pk).has_perm("teachback.view_teachbacksession")
    assert LogEntry.objects.get(pk=entry.pk).get_edited_object() == TeachBackSession.objects.get(
        pk=session.pk
    )

    try:
        executor, statements = _migrate(_before_split_targets(executor))
        old = executor.loader.project_state(_before_split_state_nodes(executor)).apps

        assert _touches_moved_tables(statements) == []
        assert _row_ids() == rows_before
        assert old.get_model("practice", "TeachBackSession").objects.get(pk=session.pk).status == (
            "scheduled"
        )
        assert old.get_model("practice", "Notification").objects.get(pk=notification.pk).nudge_id
        assert old.get_model("practice", "Cohort").objects.get(pk=cohort.pk).teams.count() == 1
        back_type = ContentType.objects.get(pk=session_type.pk)
        assert (back_type.app_label, back_type.model) == ("practice", "teachbacksession")
        assert User.objects.get(pk=reviewer.pk).has_perm("practice.view_teachbacksession")
    finally:
        # Leave the database at the latest migrations for the tests that follow.
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
