from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from courses.models import PayoffMetric
from practice.nudges import planning, services
from practice.nudges.models import Nudge, NudgeStatus
from tests.factories import (
    NudgeFactory,
    NudgePreferenceFactory,
    TeamFactory,
    TeamWebhookFactory,
    UserFactory,
    published_version,
)
from tests.practice.nudges.helpers import MONDAY, day, enrol, practise

pytestmark = pytest.mark.django_db


def plan(now):
    with time_machine.travel(now, tick=False):
        return planning.nudges_plan(now=now)


def nudges_of(user):
    return list(Nudge.objects.filter(recipient=user).order_by("channel"))


def test_plan_start_nudge_a_day_after_enrolling_on_every_channel_on(learner):
    enrol(learner)
    plan(day(0, 15))
    assert nudges_of(learner) == []  # enrolled this morning: give them a day
    plan(day(1, 10))
    nudges = nudges_of(learner)
    assert [n.channel for n in nudges] == ["email", "in_app"]
    assert {n.kind for n in nudges} == {"start_nudge"}
    assert nudges[0].due_at == day(1, 10)
    assert nudges[0].local_date == date(2026, 3, 3)
    # The link is the step's quick log: one tap logs a rep, without signing in.
    assert nudges[0].items[0]["path"].startswith("/q/")


def test_plan_waits_for_working_hours_in_the_learners_time_zone(learner):
    learner.time_zone = "America/New_York"
    learner.save()
    enrol(learner)
    plan(day(1, 10))  # 05:00 in New York
    nudge = nudges_of(learner)[0]
    assert nudge.due_at.astimezone(ZoneInfo("America/New_York")).time() == time(9, 0)
    assert nudge.due_at == day(1, 14)


def test_plan_skips_days_off_to_the_next_working_day(learner):
    enrol(learner)
    plan(day(4, 18))  # Friday after work
    nudge = nudges_of(learner)[0]
    assert nudge.due_at == day(7, 9)  # Monday 09:00 London
    assert nudge.local_date.isoweekday() == 1


def test_plan_never_during_a_pause(learner):
    enrol(learner)
    NudgePreferenceFactory(user=learner, paused_until=date(2026, 3, 5))  # until Thursday
    plan(day(1, 10))
    assert nudges_of(learner)[0].due_at == day(4, 9)  # Friday morning


def test_plan_gives_colleagues_in_one_batch_each_their_own_slot(learner, organization):
    # Slots are worked out once for people who share them: whatever sets a slot apart
    # (time zone, hours, days, a pause, a day already taken) must still set it apart.
    def colleague(**fields):
        person = UserFactory(organization=organization, **fields)
        enrol(person)
        return person

    same = colleague()
    new_york = colleague(time_zone="America/New_York")
    late = colleague(work_starts_at=time(13, 0))
    early = colleague(work_ends_at=time(9, 30))
    weekends = colleague(working_days=[6, 7])
    paused = colleague()
    NudgePreferenceFactory(user=paused, paused_until=date(2026, 3, 5))
    taken = colleague()
    # Sent at 08:00 today: today is taken.
    NudgeFactory(recipient=taken, due_at=day(1, 8), local_date=date(2026, 3, 3))
    practised = colleague()
    practise(enrol(practised), at=day(1, 9, 30))  # another micromastery, half an hour ago
    enrol(learner)
    plan(day(1, 10))
    assert nudges_of(learner)[0].due_at == nudges_of(same)[0].due_at == day(1, 10)
    assert nudges_of(new_york)[0].due_at == day(1, 14)  # 09:00 in New York
    assert nudges_of(late)[0].due_at == day(1, 13)
    assert nudges_of(early)[0].due_at == day(2, 9)  # today's hours are over
    assert nudges_of(weekends)[0].due_at == day(5, 9)  # Saturday
    assert nudges_of(paused)[0].due_at == day(4, 9)  # Friday, after the pause
    assert nudges_of(practised)[0].due_at == day(1, 10, 30)  # an hour after practising
    later = [n for n in nudges_of(taken) if n.status == NudgeStatus.PLANNED]
    assert later[0].local_date == date(2026, 3, 4)  # Tuesday already had its nudge


def test_plan_combines_several_due_items_into_one_digest_a_day(learner):
    enrol(learner)
    enrol(learner)
    plan(day(1, 10))
    nudges = nudges_of(learner)
    assert len(nudges) == 2  # one message, over email and in-app
    assert {n.kind for n in nudges} == {"digest"}
    assert len(nudges[0].items) == 2
    plan(day(1, 10, 5))
    assert len(nudges_of(learner)) == 2  # nothing planned twice


def test_plan_at_most_one_nudge_per_local_day(learner):
    enrol(learner)
    plan(day(1, 10))
    Nudge.objects.filter(recipient=learner).update(status=NudgeStatus.SENT, sent_at=day(1, 10))
    plan(day(1, 15))
    later = Nudge.objects.filter(recipient=learner, status=NudgeStatus.PLANNED)
    assert {n.due_at for n in later} == {day(2, 9)}  # tomorrow, not today again


def test_plan_keeps_three_hours_between_nudges(learner):
    learner.work_starts_at, learner.work_ends_at = time(0, 0), time(23, 59)
    learner.working_days = [1, 2, 3, 4, 5, 6, 7]
    learner.save()
    enrol(learner, at=MONDAY - timedelta(days=1))
    Nudge.objects.create(
        recipient=learner,
        kind="practice_due",
        channel="email",
        subject_ref="earlier",
        local_date=date(2026, 3, 2),
        due_at=day(1, 23, 30) - timedelta(days=1),
        status=NudgeStatus.SENT,
        sent_at=day(0, 23, 30),
        dedupe_key="earlier",
    )
    plan(day(1, 0, 30))
    planned = Nudge.objects.filter(recipient=learner, status=NudgeStatus.PLANNED)
    assert {n.due_at for n in planned} == {day(1, 2, 30)}


def test_plan_not_within_an_hour_of_practice(learner):
    enrollment = enrol(learner, published_version(learner.organization, steps=1))
    step = enrollment.version.steps.get()
    step.min_spacing_hours = 3
    step.save()
    practise(enrollment, at=day(1, 9))
    practise(enrollment, at=day(1, 11, 30))  # extra practice: too early to count
    plan(day(1, 12))
    nudge = nudges_of(learner)[0]
    assert nudge.kind == "practice_due"
    assert nudge.due_at == day(1, 12, 30)


def test_plan_gives_holdout_enrolments_no_practice_nudges(learner):
    enrol(learner, holdout=True)
    plan(day(2, 10))
    assert nudges_of(learner) == []


def test_plan_respects_unsubscribe_and_channels_off(learner, organization):
    enrol(learner)
    NudgePreferenceFactory(user=learner, email_enabled=False)
    quiet = UserFactory(organization=organization)
    enrol(quiet)
    NudgePreferenceFactory(user=quiet, unsubscribed_at=MONDAY)
    plan(day(1, 10))
    assert [n.channel for n in nudges_of(learner)] == ["in_app"]
    assert nudges_of(quiet) == []


def test_plan_posts_to_the_team_webhook_when_there_is_one(learner, organization):
    team = TeamFactory(organization=organization, members=[learner])
    webhook = TeamWebhookFactory(team=team)
    enrol(learner)
    plan(day(1, 10))
    by_channel = {n.channel: n for n in nudges_of(learner)}
    assert set(by_channel) == {"email", "in_app", "webhook"}
    assert by_channel["webhook"].webhook_id == webhook.pk


def test_plan_streak_at_risk_from_midday(learner):
    enrollment = enrol(learner, published_version(learner.organization, steps=1))
    step = enrollment.version.steps.get()
    step.repetitions_required, step.min_spacing_hours = 10, 200
    step.save()
    practise(enrollment, at=day(0, 9))
    practise(enrollment, at=day(1, 9))
    plan(day(2, 11))
    assert nudges_of(learner) == []  # practice not due (spacing), streak not at risk yet
    plan(day(2, 13, 5))
    nudge = nudges_of(learner)[0]
    assert nudge.kind == "streak_at_risk"
    assert nudge.payload["items"][0]["title"] == "2 working days in a row"


def test_plan_payoff_checkin_from_the_registered_source(learner):
    enrollment = enrol(learner, published_version(learner.organization, steps=1, metrics=1))
    PayoffMetric.objects.filter(version=enrollment.version).update(checkin_days=[14])
    enrollment.completed_at = day(1, 9)
    enrollment.status = "completed"
    enrollment.holdout = True  # check-ins are measurements: the control group gets them too
    enrollment.save()
    plan(day(14, 10))
    assert nudges_of(learner) == []
    plan(day(15, 10))
    nudge = nudges_of(learner)[0]
    assert nudge.kind == "payoff_checkin_due"
    assert "14-day check-in" in nudge.items[0]["text"]


def test_preferences_change_replans_planned_nudges(learner):
    enrol(learner)
    plan(day(1, 10))
    with time_machine.travel(day(1, 10), tick=False):
        services.nudge_preferences_update(
            user=learner,
            email_enabled=False,
            in_app_enabled=True,
            webhook_enabled=True,
            paused_until=date(2026, 3, 4),
            subscribed=True,
            time_zone="Europe/London",
            work_starts_at=time(10, 0),
            work_ends_at=time(16, 0),
            working_days=[1, 2, 3, 4, 5],
        )
    assert nudges_of(learner) == []
    plan(day(1, 10, 1))
    assert [(n.channel, n.due_at) for n in nudges_of(learner)] == [("in_app", day(3, 10))]


def test_plan_query_count_per_batch_does_not_grow_with_learners(organization):
    version = published_version(organization, steps=2)

    def learners(count):
        people = [UserFactory(organization=organization) for _ in range(count)]
        for person in people:
            enrol(person, version)
        return people

    learners(3)
    with CaptureQueriesContext(connection) as few:
        plan(day(1, 10))
    Nudge.objects.all().delete()
    learners(30)
    with CaptureQueriesContext(connection) as many:
        plan(day(1, 10))
    assert Nudge.objects.count() == 66

    # Reads are fixed per batch; the insert is chunked only by the database's parameter limit.
    def reads(context):
        return [q for q in context.captured_queries if not q["sql"].startswith("INSERT")]

    # 13: the teach-back reminder source adds one (sessions of the next 24 hours), one
    # reads the batch's nudges (who has one on its way, which days are taken, when the last
    # went out), one reads the people's preferences, one the organizations the run has not
    # met yet (whose language speaks for people who chose none): once a run, not a batch.
    assert len(reads(many)) == len(reads(few)) == 13
    # A second batch adds every read but the organizations' (and the last, empty, read of
    # people that ends a run).
    Nudge.objects.all().delete()
    with CaptureQueriesContext(connection) as two_batches:
        planning.nudges_plan(now=day(1, 10), batch_size=20)
    assert len(reads(two_batches)) - len(reads(many)) == 13 - 1 - 1


def test_plan_a_night_shift_learner_inside_their_shift_and_dispatch_sends_it(learner):
    from practice.nudges import dispatch

    # 22:00-06:00 in Tokyo (UTC+9): the shift runs 13:00-21:00 UTC.
    learner.time_zone = "Asia/Tokyo"
    learner.work_starts_at, learner.work_ends_at = time(22, 0), time(6, 0)
    learner.full_clean()
    learner.save()
    enrol(learner)  # Monday 17:00 in Tokyo
    plan(day(1, 10))  # Tuesday 19:00 in Tokyo, the start nudge is due
    nudges = nudges_of(learner)
    assert [n.channel for n in nudges] == ["email", "in_app"]
    assert nudges[0].due_at == day(1, 13)  # Tuesday 22:00 in Tokyo
    assert nudges[0].local_date == date(2026, 3, 3)
    with time_machine.travel(day(1, 16), tick=False):  # 01:00 on Wednesday in Tokyo
        ids, token = dispatch.nudges_claim(now=day(1, 16))
        outcome = dispatch.nudges_send(nudge_ids=ids, token=token)
    assert outcome.sent == 2
    assert {n.status for n in nudges_of(learner)} == {NudgeStatus.SENT}


def test_plan_a_night_shift_counts_for_the_day_it_started(learner):
    learner.time_zone = "Asia/Tokyo"
    learner.work_starts_at, learner.work_ends_at = time(22, 0), time(6, 0)
    learner.save()
    enrol(learner)
    plan(day(1, 17))  # 02:00 on Wednesday in Tokyo: inside Tuesday's shift
    nudge = nudges_of(learner)[0]
    assert nudge.due_at == day(1, 17)
    assert nudge.local_date == date(2026, 3, 3)  # Tuesday's shift, its one nudge


def test_plan_asks_again_only_about_learners_whose_nudge_has_gone(
    learner, organization, monkeypatch
):
    from practice.nudge_sources import PracticeNudgeSource

    asked = []
    due_items = PracticeNudgeSource.due_items

    def recorded(self, *, learners, now):
        asked.append({person.pk for person in learners})
        return due_items(self, learners=learners, now=now)

    monkeypatch.setattr(PracticeNudgeSource, "due_items", recorded)
    colleague = UserFactory(organization=organization)
    enrol(learner)
    enrol(colleague)
    plan(day(1, 10))
    assert asked == [{learner.pk, colleague.pk}]
    planned = {n.pk for n in Nudge.objects.all()}
    # Both have today's nudge on its way: the next run does not work out what is due.
    plan(day(1, 10, 1))
    assert len(asked) == 1
    assert {n.pk for n in Nudge.objects.all()} == planned
    Nudge.objects.filter(recipient=learner).update(status=NudgeStatus.SENT, sent_at=day(1, 10))
    plan(day(1, 10, 2))
    assert asked[1:] == [{learner.pk}]
    tomorrow = Nudge.objects.filter(recipient=learner, status=NudgeStatus.PLANNED)
    assert {n.local_date for n in tomorrow} == {date(2026, 3, 4)}


@pytest.mark.django_db(transaction=True)
def test_plan_in_batches_writes_every_batch_whether_planned_on_threads_or_in_line(organization):
    # Outside a transaction on PostgreSQL, batches are planned on threads side by side,
    # each with a connection of its own; everywhere else in line. Both plan everyone, once.
    version = published_version(organization, steps=1)
    # A "%" in author text stays text, whichever way the rows are written.
    type(version).objects.filter(pk=version.pk).update(title="Say no, 100% kindly")
    people = [UserFactory(organization=organization) for _ in range(7)]
    for person in people:
        enrol(person, version)
    result = planning.nudges_plan(now=day(1, 10), batch_size=2)
    assert result.batches == 4
    assert Nudge.objects.count() == result.nudges_offered == 14  # email and in-app each
    assert set(Nudge.objects.values_list("recipient_id", flat=True)) == {p.pk for p in people}
    assert {nudge.items[0]["title"] for nudge in Nudge.objects.all()} == {"Say no, 100% kindly"}
    # A second run offers the same rows again and the database keeps one of each.
    planning.nudges_plan(now=day(1, 10), batch_size=2)
    assert Nudge.objects.count() == 14


@pytest.mark.django_db(transaction=True)
def test_plan_stops_at_a_failed_batch_write_and_says_why(organization, monkeypatch):
    version = published_version(organization, steps=1)
    for _ in range(6):
        enrol(UserFactory(organization=organization), version)
    real_statements = planning.nudges_insert_statements
    batches: list[int] = []

    def second_batch_fails(rows):
        batches.append(len(rows))
        if len(batches) == 1:
            return real_statements(rows)
        return [("INSERT INTO practice_no_such_table VALUES (1)", [])]

    monkeypatch.setattr(planning, "nudges_insert_statements", second_batch_fails)
    with pytest.raises(DatabaseError, match="practice_no_such_table"):
        planning.nudges_plan(now=day(1, 10), batch_size=2)
    # The first batch stays written; planning again later plans the rest.
    assert Nudge.objects.count() == 4
    monkeypatch.setattr(planning, "nudges_insert_statements", real_statements)
    planning.nudges_plan(now=day(1, 10), batch_size=2)
    assert Nudge.objects.count() == 12
