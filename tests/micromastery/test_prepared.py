"""micromastery.common.prepared: a read compiled once answers each call's own values."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F, Value
from django.utils import timezone

from accounts.models import User
from micromastery.common.prepared import PreparedRead
from practice.models import PracticeAttempt
from tests.factories import AttemptFactory, EnrollmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def attempts_since(*, learner, since):
    return (
        PracticeAttempt.objects.filter(enrollment__learner=learner, practiced_at__gte=since)
        .select_related("enrollment__version")
        .annotate(label=Value("attempt"), minutes_doubled=F("minutes") * 2)
        .order_by("practiced_at")
    )


def test_prepared_read_runs_kept_sql_with_each_calls_ids_and_moments(organization):
    now = timezone.now()
    first, second = (UserFactory(organization=organization) for _ in range(2))
    old = AttemptFactory(
        enrollment=EnrollmentFactory(learner=first), practiced_at=now - timedelta(days=3)
    )
    new = AttemptFactory(enrollment=old.enrollment, practiced_at=now - timedelta(hours=1))
    theirs = AttemptFactory(enrollment=EnrollmentFactory(learner=second), practiced_at=now)
    read = PreparedRead(attempts_since)

    assert read.list(shape="learner", learner=first, since=now - timedelta(days=1)) == [new]
    assert read.is_prepared(shape="learner")
    rows = read.list(shape="learner", learner=first, since=now - timedelta(days=7))
    assert rows == [old, new]
    assert [(row.label, row.minutes_doubled) for row in rows] == [("attempt", 20)] * 2
    assert rows[0].practiced_at == old.practiced_at
    assert rows[0].enrollment.version.title == old.enrollment.version.title
    assert read.list(shape="learner", learner=second, since=now - timedelta(days=7)) == [theirs]


def test_prepared_read_of_a_value_it_cannot_trace_runs_through_the_orm(organization):
    people = [UserFactory(organization=organization) for _ in range(3)]

    def next_person(*, person):
        # An id worked out from the input: not one the kept SQL could fill in.
        return User.objects.filter(pk=person.pk + 1)

    read = PreparedRead(next_person)
    assert read.list(shape="any", person=people[0]) == [people[1]]
    assert not read.is_prepared(shape="any")
    assert read.list(shape="any", person=people[1]) == [people[2]]


def test_prepared_read_of_values_and_lists_of_ids_answers_each_length(organization):
    people = [UserFactory(organization=organization) for _ in range(3)]

    def emails(*, ids):
        return User.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "email")

    read = PreparedRead(emails)
    expected = [(person.pk, person.email) for person in people]
    assert read.list(shape=None, ids=[people[0].pk]) == expected[:1]
    assert read.is_prepared(shape=None)
    assert read.list(shape=None, ids=[people[1].pk]) == expected[1:2]
    assert read.list(shape=None, ids=[person.pk for person in people]) == expected
    assert read.list(shape=None, ids=[people[2].pk, people[0].pk]) == [expected[0], expected[2]]


def test_prepared_read_of_an_empty_foreign_key_compares_with_null(organization):
    members = [UserFactory(organization=organization) for _ in range(2)]
    platform = UserFactory(organization=None, is_superuser=True)

    def same_organization(*, person):
        return User.objects.filter(organization_id=person.organization_id).order_by("pk")

    read = PreparedRead(same_organization)
    assert read.list(shape=None, person=members[0]) == members
    assert read.list(shape=None, person=platform) == [platform]
    assert read.list(shape=None, person=members[1]) == members


def test_prepared_read_takes_the_lazy_user_of_a_request(organization):
    from django.utils.functional import SimpleLazyObject

    people = [UserFactory(organization=organization) for _ in range(2)]

    def me(*, person):
        return User.objects.filter(pk=person.pk)

    read = PreparedRead(me)
    for person in people:
        assert read.list(shape=None, person=SimpleLazyObject(lambda p=person: p)) == [person]
    assert read.is_prepared(shape=None)


def test_prepared_read_of_an_id_beyond_64_bits_finds_nothing(learner):
    def person(*, person_id):
        return User.objects.filter(pk=person_id)

    read = PreparedRead(person)
    assert read.list(shape=None, person_id=learner.pk) == [learner]
    assert read.list(shape=None, person_id=10**30) == []
    assert read.list(shape=None, person_id=learner.pk) == [learner]


def test_prepared_read_of_an_empty_list_answers_nothing_through_the_orm(learner):
    def people(*, ids):
        return User.objects.filter(pk__in=ids)

    read = PreparedRead(people)
    assert read.list(shape=None, ids=[]) == []
    assert read.list(shape=None, ids=[learner.pk]) == [learner]
    assert read.list(shape=None, ids=[]) == []
