from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import Organization, Team, User

TEST_PASSWORD = "a-long-test-password"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"organization-{n}")
    hourly_cost_rate = 50
    currency = "EUR"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    display_name = factory.Faker("name")
    organization = factory.SubFactory(OrganizationFactory)
    time_zone = "Europe/London"
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")

    @factory.post_generation
    def members(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.members.set(extracted)

    @factory.post_generation
    def managers(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.managers.set(extracted)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "courses.Topic"

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class MicromasteryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "courses.Micromastery"

    organization = factory.SubFactory(OrganizationFactory)
    slug = factory.Sequence(lambda n: f"micromastery-{n}")


class VersionFactory(factory.django.DjangoModelFactory):
    """A complete draft: every element filled in, ready to publish once it has parts."""

    class Meta:
        model = "courses.MicromasteryVersion"

    micromastery = factory.SubFactory(MicromasteryFactory)
    number = 1
    status = "draft"
    title = factory.Sequence(lambda n: f"Run a better meeting {n}")
    summary = "Shorter meetings that end with decisions."
    estimated_minutes = 10
    context_challenge = "Meetings drift and end without decisions."
    context_audience = "Team leads who run weekly meetings."
    context_why_it_matters = "Every drifting meeting costs the whole team an hour."
    way_in_insight = "Decide the decision before the meeting starts."
    way_in_missing_link = "People prepare topics, not decisions."


class StepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "courses.PracticeStep"

    version = factory.SubFactory(VersionFactory)
    key = factory.Sequence(lambda n: f"step-{n}")
    order = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Step {n}")
    action = "Write the decision you need at the top of the agenda."
    feedback_how = "Ask one attendee whether the decision was clear."
    tweak_prompt = "What will you cut next time?"
    repetitions_required = 2
    min_spacing_hours = 20


class MetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "courses.PayoffMetric"

    version = factory.SubFactory(VersionFactory)
    key = factory.Sequence(lambda n: f"metric-{n}")
    order = factory.Sequence(lambda n: n)
    name = "Meeting length"
    unit = "minutes"
    direction = "lower"
    how_to_measure = "Time the next three meetings and take the average."
    target_change = 10
    reported_by = "learner"


def published_version(organization=None, *, steps=2, metrics=1, status="published", **kwargs):
    """A version with steps and payoff metrics, published unless told otherwise."""
    micromastery = MicromasteryFactory(organization=organization or OrganizationFactory())
    version = VersionFactory(micromastery=micromastery, status=status, **kwargs)
    for index in range(steps):
        StepFactory(
            version=version, key=f"step-{index + 1}", order=index + 1, title=f"Step {index + 1}"
        )
    for index in range(metrics):
        MetricFactory(version=version, key=f"metric-{index + 1}", order=index + 1)
    return version


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "practice.Enrollment"

    learner = factory.SubFactory(UserFactory)
    version = factory.LazyAttribute(lambda o: published_version(o.learner.organization))
    micromastery = factory.LazyAttribute(lambda o: o.version.micromastery)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "courses.Course"
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")
    status = "published"

    @factory.post_generation
    def micromasteries(obj, create, extracted, **kwargs):
        """``micromasteries=[...]`` become the course's items, in that order."""
        if create and extracted:
            for order, micromastery in enumerate(extracted, start=1):
                obj.items.create(micromastery=micromastery, order=order)


class AttemptFactory(factory.django.DjangoModelFactory):
    """An attempt written straight to the table (for lists); flows use attempt_log."""

    class Meta:
        model = "practice.PracticeAttempt"

    enrollment = factory.SubFactory(EnrollmentFactory)
    step = factory.LazyAttribute(lambda o: o.enrollment.version.steps.order_by("order").first())
    practiced_at = factory.LazyFunction(timezone.now)
    what_i_did = "Opened the meeting with the decision we needed."
    what_happened = "We decided in ten minutes."
    confidence = 3
    minutes = 10
    counts_as_repetition = True


def published_course(organization, versions, *, status="published"):
    """A course whose items are the micromasteries of ``versions``, in that order."""
    return CourseFactory(
        organization=organization,
        status=status,
        micromasteries=[version.micromastery for version in versions],
    )


class TeamWebhookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "nudges.TeamWebhook"

    team = factory.SubFactory(TeamFactory)
    url = "https://hooks.example.com/services/T000/B000/xyz"
    secret = "team-webhook-secret"


class NudgePreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "nudges.NudgePreference"

    user = factory.SubFactory(UserFactory)


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "payoff.PayoffMeasurement"

    enrollment = factory.SubFactory(EnrollmentFactory)
    metric = factory.LazyAttribute(lambda o: o.enrollment.version.payoff_metrics.first())
    kind = "baseline"
    value = 10
    measured_at = factory.LazyFunction(timezone.now)
    reported_by = factory.LazyAttribute(lambda o: o.enrollment.learner)


class TeachBackSessionFactory(factory.django.DjangoModelFactory):
    """A scheduled teach-back two days ahead, taught by a learner who completed the practice."""

    class Meta:
        model = "teachback.TeachBackSession"

    enrollment = factory.SubFactory(
        EnrollmentFactory,
        completed_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=1)),
        status="completed",
    )
    teacher = factory.LazyAttribute(lambda o: o.enrollment.learner)
    micromastery = factory.LazyAttribute(lambda o: o.enrollment.micromastery)
    status = "scheduled"
    starts_at = factory.LazyFunction(
        lambda: timezone.now().replace(second=0, microsecond=0) + timedelta(days=2)
    )
    location = "Room 4"
    confirmed_at = factory.LazyFunction(timezone.now)


class TeachBackInviteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "teachback.TeachBackInvite"

    session = factory.SubFactory(TeachBackSessionFactory)
    invitee = factory.SubFactory(
        UserFactory, organization=factory.SelfAttribute("..session.teacher.organization")
    )


class NudgeFactory(factory.django.DjangoModelFactory):
    """A nudge written straight to the table, sent by default (for dashboards)."""

    class Meta:
        model = "nudges.Nudge"

    recipient = factory.SubFactory(UserFactory)
    kind = "practice_due"
    channel = "email"
    subject_ref = factory.Sequence(lambda n: f"enrollment:{n}")
    status = "sent"
    due_at = factory.LazyFunction(timezone.now)
    sent_at = factory.LazyAttribute(lambda o: o.due_at if o.status == "sent" else None)
    local_date = factory.LazyAttribute(lambda o: o.due_at.date())
    dedupe_key = factory.Sequence(lambda n: f"nudge-{n}")
