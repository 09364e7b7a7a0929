"""Writes to micromasteries: drafting, publishing, new versions, duplicates, archiving.

Every rule about a version's life lives here; the admin, the API, import and the demo
data all call these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sized
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import format_lazy, slugify
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from accounts.models import Organization, User
from courses.models import (
    MAX_CHECKIN_DAYS,
    MAX_METRICS_PER_VERSION,
    MAX_STEPS_PER_VERSION,
    Course,
    CourseItem,
    Micromastery,
    MicromasteryVersion,
    PayoffMetric,
    PracticeStep,
    PublicationStatus,
    Topic,
)
from micromastery.common.errors import ApplicationError, refuse_invalid_fields
from micromastery.common.markdown import render_markdown_fields
from micromastery.common.slugs import slug_from, slug_taken_among, slug_taken_in, unique_slug

# A step's action is read on a phone between two tasks: microlearning platforms cap a
# lesson at about this many characters.
STEP_ACTION_MAX_CHARS = 1200

VERSION_CONTENT_FIELDS = [
    "title",
    "summary",
    "estimated_minutes",
    "context_challenge",
    "context_audience",
    "context_why_it_matters",
    "way_in_insight",
    "way_in_missing_link",
    "way_in_media_url",
]
STEP_FIELDS = [
    "key",
    "order",
    "title",
    "action",
    "feedback_how",
    "tweak_prompt",
    "repetitions_required",
    "min_spacing_hours",
    "evidence_kind",
]
METRIC_FIELDS = [
    "key",
    "order",
    "name",
    "unit",
    "direction",
    "how_to_measure",
    "target_change",
    "reported_by",
    "checkin_days",
    "min_value",
    "max_value",
    "value_per_unit",
    "value_basis",
]


def _require_editable(version: MicromasteryVersion) -> None:
    if not version.is_editable:
        raise ApplicationError(
            gettext(
                "Version %(number)s is %(status)s and cannot change: learners may be "
                "practising it. Make a new version to edit it."
            )
            % {"number": version.number, "status": version.status_word}
        )


def _unique_slug(organization: Organization, name: str) -> str:
    return unique_slug(
        name,
        taken=slug_taken_in(Micromastery.objects.for_organization(organization)),
        fallback="micromastery",
        max_length=Micromastery._meta.get_field("slug").max_length or 120,
    )


def _unique_key(existing: set[str], name: str) -> str:
    key = unique_slug(name, taken=slug_taken_among(existing), fallback="item", max_length=50)
    existing.add(key)
    return key


# --- Drafting -----------------------------------------------------------------------------


@transaction.atomic
def micromastery_create(
    *,
    organization: Organization,
    by: User | None,
    title: str,
    slug: str = "",
    topics: Iterable[Topic | str] = (),
    steps: Iterable[Mapping[str, Any]] = (),
    payoff_metrics: Iterable[Mapping[str, Any]] = (),
    **content: Any,
) -> MicromasteryVersion:
    """Create a micromastery with its first version, a draft. Returns the draft.

    Topics are ``Topic`` rows or names; a name the organization does not use yet becomes a
    new topic.
    """
    micromastery = Micromastery(
        organization=organization,
        slug=slugify(slug) if slug else _unique_slug(organization, title),
        created_by=by,
    )
    try:
        micromastery.full_clean()
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error) from error
    micromastery.save()
    micromastery.topics.set(_resolve_topics(organization, topics))
    version = MicromasteryVersion(micromastery=micromastery, number=1, created_by=by, title=title)
    _apply_content(version, content)
    version.save()
    version_replace_parts(version=version, steps=steps, payoff_metrics=payoff_metrics)
    return version


def _resolve_topics(organization: Organization, topics: Iterable[Topic | str]) -> list[Topic]:
    resolved = [
        topic_upsert(organization=organization, name=topic) if isinstance(topic, str) else topic
        for topic in topics
    ]
    if any(topic.organization_id != organization.pk for topic in resolved):
        raise ApplicationError(gettext("Topics must belong to the micromastery's organization."))
    return resolved


def _apply_content(version: MicromasteryVersion, content: Mapping[str, Any]) -> None:
    unknown = set(content) - set(VERSION_CONTENT_FIELDS)
    if unknown:
        raise ApplicationError(
            gettext("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    for field, value in content.items():
        setattr(version, field, value)
    try:
        version.full_clean(exclude=["micromastery", "created_by", "published_by"])
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error) from error


@transaction.atomic
def version_update(*, version: MicromasteryVersion, **content: Any) -> MicromasteryVersion:
    version = MicromasteryVersion.objects.select_for_update().get(pk=version.pk)
    _require_editable(version)
    _apply_content(version, content)
    version.save()
    return version


@transaction.atomic
def version_replace_parts(
    *,
    version: MicromasteryVersion,
    steps: Iterable[Mapping[str, Any]] | None = None,
    payoff_metrics: Iterable[Mapping[str, Any]] | None = None,
) -> MicromasteryVersion:
    """Replace a draft's steps and/or payoff metrics (None leaves that part as it is).

    Keys are kept when given and generated from the title or name otherwise, so that a
    step keeps its identity across versions.
    """
    _require_editable(version)
    steps = None if steps is None else list(steps)
    payoff_metrics = None if payoff_metrics is None else list(payoff_metrics)
    too_many = version_part_count_errors(steps=steps, payoff_metrics=payoff_metrics)
    if too_many:
        raise ApplicationError(
            " ".join(message for messages in too_many.values() for message in messages),
            fields=too_many,
        )
    if steps is not None:
        version.steps.all().delete()
        _save_parts(version, PracticeStep, STEP_FIELDS, steps, _("Practice step"), "title")
    if payoff_metrics is not None:
        version.payoff_metrics.all().delete()
        _save_parts(
            version, PayoffMetric, METRIC_FIELDS, payoff_metrics, _("Payoff metric"), "name"
        )
    return version


def version_part_count_errors(
    *, steps: Sized | None, payoff_metrics: Sized | None
) -> dict[str, list[str]]:
    """Too many steps or payoff metrics for one version, by field; empty when they fit.

    The API's input serializer asks this before it validates each item, so that a body
    with thousands of steps is turned away without the work.
    """
    errors: dict[str, list[str]] = {}
    if steps is not None and len(steps) > MAX_STEPS_PER_VERSION:
        errors["steps"] = [
            gettext("A micromastery has at most %(count)s practice steps: split it into two.")
            % {"count": MAX_STEPS_PER_VERSION}
        ]
    if payoff_metrics is not None and len(payoff_metrics) > MAX_METRICS_PER_VERSION:
        errors["payoff_metrics"] = [
            gettext(
                "A micromastery has at most %(count)s payoff metrics: keep the ones that "
                "show the payoff best."
            )
            % {"count": MAX_METRICS_PER_VERSION}
        ]
    return errors


def _save_parts(
    version: MicromasteryVersion,
    model: type[Any],
    fields: list[str],
    items: Iterable[Mapping[str, Any]],
    label: StrOrPromise,
    name_field: str,
) -> None:
    def prefix(index: int) -> str:
        # "Practice step 2: " before each of that row's messages.
        return gettext("%(part)s %(number)s: ") % {"part": label, "number": index}

    parts = []
    for index, data in enumerate(items, start=1):
        part = _build_part(model, fields, data, prefix(index))
        part.version = version
        part.order = data.get("order") or index
        parts.append(part)
    # Given keys are reserved before any key is generated, so that a new step named like an
    # existing one never takes the existing step's key (and with it, learners' progress).
    taken = {part.key for part in parts if part.key}
    used: set[str] = set()
    for index, part in enumerate(parts, start=1):
        if not part.key or part.key in used:
            part.key = _unique_key(taken, part.key or getattr(part, name_field))
        used.add(part.key)
        _clean_part(part, prefix(index))
        if isinstance(part, PayoffMetric):
            _check_checkin_days(part.checkin_days, prefix(index))
        part.save()


@transaction.atomic
def version_save_draft(
    *,
    version: MicromasteryVersion,
    content: Mapping[str, Any],
    steps: Iterable[Mapping[str, Any]],
    payoff_metrics: Iterable[Mapping[str, Any]],
) -> MicromasteryVersion:
    """Save a draft's four elements in one go: content, steps and payoff metrics together,
    or nothing at all."""
    version = version_update(version=version, **content)
    return version_replace_parts(version=version, steps=steps, payoff_metrics=payoff_metrics)


@transaction.atomic
def version_delete_draft(*, version: MicromasteryVersion) -> None:
    """Throw a draft away. A micromastery left without any version goes with it."""
    version = MicromasteryVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != PublicationStatus.DRAFT:
        raise ApplicationError(
            gettext(
                "Version %(number)s is %(status)s: only a draft can be deleted. Archive the "
                "micromastery to take it out of the catalog."
            )
            % {"number": version.number, "status": version.status_word}
        )
    micromastery = version.micromastery
    version.delete()
    if not micromastery.versions.exists():
        micromastery.delete()


@transaction.atomic
def micromastery_set_topics(*, micromastery: Micromastery, topics: Iterable[Topic]) -> Micromastery:
    topics = list(topics)
    if any(topic.organization_id != micromastery.organization_id for topic in topics):
        raise ApplicationError(gettext("Topics must belong to the micromastery's organization."))
    micromastery.topics.set(topics)
    return micromastery


def _build_part(model: type[Any], fields: list[str], data: Mapping[str, Any], prefix: str) -> Any:
    unknown = set(data) - set(fields) - {"id"}
    if unknown:
        raise ApplicationError(
            prefix + gettext("unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    return model(**{field: value for field, value in data.items() if field in fields})


def _clean_part(part: Any, prefix: str) -> None:
    try:
        part.full_clean(exclude=["version"], validate_constraints=False)
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error, prefix) from error


@transaction.atomic
def version_edit(
    *,
    version: MicromasteryVersion,
    topics: Iterable[Topic | str] | None = None,
    steps: Iterable[Mapping[str, Any]] | None = None,
    payoff_metrics: Iterable[Mapping[str, Any]] | None = None,
    **content: Any,
) -> MicromasteryVersion:
    """Change a draft in one go: content fields, topics, steps and payoff metrics.

    Whatever is left out (None) stays as it is; a list replaces the whole part. Topics
    belong to the micromastery, so they change for every version of it.
    """
    version = version_update(version=version, **content)
    if topics is not None:
        micromastery = version.micromastery
        micromastery.topics.set(_resolve_topics(micromastery.organization, topics))
    return version_replace_parts(version=version, steps=steps, payoff_metrics=payoff_metrics)


TOO_MANY_CHECKIN_DAYS = format_lazy(
    _(
        "Ask for at most {count} check-ins, such as [14, 30, 60, 90]: learners stop "
        "answering long before that."
    ),
    count=MAX_CHECKIN_DAYS,
)


def checkin_days_problem(checkin_days: Any) -> str | None:
    """Why these cannot be a metric's check-in days, or None (the rule of ``_check``)."""
    try:
        _check_checkin_days(checkin_days, "")
    except ApplicationError as error:
        return error.message[:1].upper() + error.message[1:]
    return None


def _check_checkin_days(checkin_days: Any, prefix: str) -> None:
    # A JSON column takes anything; the check-in planner needs whole days after completion.
    if not isinstance(checkin_days, list) or any(
        isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 3650
        for day in checkin_days
    ):
        raise ApplicationError(
            prefix
            + gettext(
                "check-in days must be a list of whole days after completion, "
                "such as [14, 30, 60, 90]."
            ),
            fields={
                "checkin_days": [gettext("Use a list of whole days, such as [14, 30, 60, 90].")]
            },
        )
    if len(checkin_days) > MAX_CHECKIN_DAYS:
        too_many = str(TOO_MANY_CHECKIN_DAYS)
        raise ApplicationError(prefix + too_many, fields={"checkin_days": [too_many]})


# --- Publishing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishProblem:
    """One thing that stops publishing, and the field of the version page it is about
    (``title``, ``way_in_insight``, ``steps-0-action``, ``payoff_metrics-1-unit``; the
    prefixes are the page's step and metric rows, in order)."""

    field: str
    message: str


def version_publish_problem_list(version: MicromasteryVersion) -> list[PublishProblem]:
    """What stops this version from being published, in the author's words, by field."""
    problems: list[PublishProblem] = []

    def problem(field: str, message: str) -> None:
        problems.append(PublishProblem(field, message))

    if not version.title.strip():
        problem("title", gettext("Title is empty."))
    if not version.context_challenge.strip():
        problem("context_challenge", gettext("Context: the challenge is empty."))
    if not version.context_audience.strip():
        problem("context_audience", gettext("Context: who it is for is empty."))
    if not version.context_why_it_matters.strip():
        problem("context_why_it_matters", gettext("Context: why it matters is empty."))
    if not version.way_in_insight.strip():
        problem("way_in_insight", gettext("Way In: the key insight is empty."))
    steps = list(version.steps.all())
    if not steps:
        problem("steps-0-title", gettext("Practice: add at least one step."))
    for index, step in enumerate(steps, start=1):
        names: dict[str, Any] = {"number": index, "title": step.title}
        row = f"steps-{index - 1}"
        if not step.action.strip():
            problem(
                f"{row}-action",
                gettext("Practice: step %(number)s “%(title)s” has no action.") % names,
            )
        elif len(step.action) > STEP_ACTION_MAX_CHARS:
            problem(
                f"{row}-action",
                gettext(
                    "Practice: step %(number)s “%(title)s”: the action is %(length)s "
                    "characters; keep it under %(limit)s and move explanations to the Way In."
                )
                % {
                    **names,
                    "length": number_format(len(step.action), force_grouping=True),
                    "limit": number_format(STEP_ACTION_MAX_CHARS, force_grouping=True),
                },
            )
        if not step.feedback_how.strip():
            problem(
                f"{row}-feedback_how",
                gettext("Practice: step %(number)s “%(title)s” does not say how to get feedback.")
                % names,
            )
        if not step.tweak_prompt.strip():
            problem(
                f"{row}-tweak_prompt",
                gettext("Practice: step %(number)s “%(title)s” has no tweak prompt.") % names,
            )
    metrics = list(version.payoff_metrics.all())
    if not any(metric.unit.strip() for metric in metrics):
        problem(
            "payoff_metrics-0-unit" if metrics else "payoff_metrics-0-name",
            gettext("Payoff: add at least one metric with a unit."),
        )
    for index, metric in enumerate(metrics):
        name = {"name": metric.name}
        row = f"payoff_metrics-{index}"
        if metrics and not metric.unit.strip():
            problem(f"{row}-unit", gettext("Payoff: metric “%(name)s” has no unit.") % name)
        if not metric.how_to_measure.strip():
            problem(
                f"{row}-how_to_measure",
                gettext("Payoff: metric “%(name)s” does not say how to measure it.") % name,
            )
        if not metric.checkin_days:
            problem(
                f"{row}-checkin_days",
                gettext("Payoff: metric “%(name)s” has no check-in days.") % name,
            )
    return problems


def version_publish_problems(version: MicromasteryVersion) -> list[str]:
    """What stops this version from being published, in the author's words."""
    return [problem.message for problem in version_publish_problem_list(version)]


@transaction.atomic
def version_publish(*, version: MicromasteryVersion, by: User | None) -> MicromasteryVersion:
    """Publish a complete draft. The version it replaces is archived: no new enrolments,
    while learners who enrolled on it keep practising exactly what they started."""
    version = MicromasteryVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != PublicationStatus.DRAFT:
        raise ApplicationError(
            gettext("Version %(number)s is %(status)s; only a draft can be published.")
            % {"number": version.number, "status": version.status_word}
        )
    problems = version_publish_problems(version)
    if problems:
        raise ApplicationError(
            " ".join([gettext("Not published yet."), *problems]), fields={"publish": problems}
        )
    MicromasteryVersion.objects.filter(
        micromastery_id=version.micromastery_id, status=PublicationStatus.PUBLISHED
    ).update(status=PublicationStatus.ARCHIVED, updated_at=timezone.now())
    version.status = PublicationStatus.PUBLISHED
    version.published_by = by
    version.published_at = timezone.now()
    version_render_markdown(version=version)
    version.save(
        update_fields=["status", "published_by", "published_at", "rendered_html", "updated_at"]
    )
    return version


def version_render_markdown(*, version: MicromasteryVersion) -> None:
    """Store the version's Markdown (its own, its steps' and metrics') as sanitized HTML.

    Sets ``version.rendered_html`` (the caller saves the version) and saves the steps and
    metrics. Only for content that no longer changes: published or archived versions.
    """
    version.rendered_html = render_markdown_fields(version, MicromasteryVersion.MARKDOWN_FIELDS)
    steps = list(version.steps.all())
    for step in steps:
        step.rendered_html = render_markdown_fields(step, PracticeStep.MARKDOWN_FIELDS)
    PracticeStep.objects.bulk_update(steps, ["rendered_html"], batch_size=100)
    metrics = list(version.payoff_metrics.all())
    for metric in metrics:
        metric.rendered_html = render_markdown_fields(metric, PayoffMetric.MARKDOWN_FIELDS)
    PayoffMetric.objects.bulk_update(metrics, ["rendered_html"], batch_size=100)


def _copy_version(
    source: MicromasteryVersion,
    *,
    micromastery: Micromastery,
    number: int,
    by: User | None,
    title: str | None = None,
) -> MicromasteryVersion:
    copy = MicromasteryVersion(micromastery=micromastery, number=number, created_by=by)
    for field in VERSION_CONTENT_FIELDS:
        setattr(copy, field, getattr(source, field))
    if title is not None:
        copy.title = title
    copy.save()
    PracticeStep.objects.bulk_create(
        PracticeStep(version=copy, **{field: getattr(step, field) for field in STEP_FIELDS})
        for step in source.steps.all()
    )
    PayoffMetric.objects.bulk_create(
        PayoffMetric(version=copy, **{field: getattr(metric, field) for field in METRIC_FIELDS})
        for metric in source.payoff_metrics.all()
    )
    return copy


@transaction.atomic
def version_create_draft(*, version: MicromasteryVersion, by: User | None) -> MicromasteryVersion:
    """Start the next version as a draft copy of ``version`` (keys kept)."""
    micromastery = Micromastery.objects.select_for_update().get(pk=version.micromastery_id)
    existing = micromastery.versions.filter(status=PublicationStatus.DRAFT).first()
    if existing is not None:
        raise ApplicationError(
            gettext("Version %(number)s is already a draft: edit that one, or publish it first.")
            % {"number": existing.number}
        )
    latest = micromastery.versions.order_by("-number").values_list("number", flat=True).first()
    return _copy_version(version, micromastery=micromastery, number=(latest or 0) + 1, by=by)


@transaction.atomic
def micromastery_duplicate(*, version: MicromasteryVersion, by: User | None) -> MicromasteryVersion:
    """A new micromastery whose first draft copies ``version``."""
    source = version.micromastery
    title = (gettext("Copy of %(title)s") % {"title": version.title})[:120]
    micromastery = Micromastery.objects.create(
        organization_id=source.organization_id,
        slug=_unique_slug(source.organization, f"{source.slug}-copy"),
        created_by=by,
    )
    micromastery.topics.set(source.topics.all())
    return _copy_version(version, micromastery=micromastery, number=1, by=by, title=title)


@transaction.atomic
def micromastery_archive(*, micromastery: Micromastery, by: User | None) -> Micromastery:
    """Take a micromastery out of the catalog; learners already on it keep their version."""
    changed = MicromasteryVersion.objects.filter(
        micromastery=micromastery, status=PublicationStatus.PUBLISHED
    ).update(status=PublicationStatus.ARCHIVED, updated_at=timezone.now())
    if not changed:
        raise ApplicationError(gettext("Only a published micromastery can be archived."))
    return micromastery


# --- Topics and courses -------------------------------------------------------------------


@transaction.atomic
def topic_upsert(*, organization: Organization, name: str) -> Topic:
    """The organization's topic called ``name`` (or whose slug ``name`` makes), else a new one.

    A name with nothing a slug can keep ("!!!", "¿¿") is only ever matched by name, and a
    new topic gets a free slug ("topic", "topic-2"): such names never merge into one topic.
    """
    refuse_invalid_fields(Topic(organization=organization, name=name), ["name"])
    topics = Topic.objects.filter(organization=organization)
    max_length = Topic._meta.get_field("slug").max_length or 100
    topic = topics.filter(name__iexact=name).first()
    slug = slug_from(name, max_length=max_length)
    if topic is None and slug:
        # Only a topic whose own name makes a slug: "Topic 2" must not find "!!!" (topic-2).
        topic = next(
            (found for found in topics.filter(slug=slug) if slug_from(found.name, max_length=1)),
            None,
        )
    if topic is None:
        topic = Topic.objects.create(
            organization=organization,
            name=name,
            slug=unique_slug(
                name, taken=slug_taken_in(topics), fallback="topic", max_length=max_length
            ),
        )
    return topic


@transaction.atomic
def topic_rename(*, topic: Topic, name: str) -> Topic:
    """Rename a topic; its slug stays, so links and filters keep working."""
    name = name.strip()
    if not name:
        message = gettext("Give the topic a name.")
        raise ApplicationError(message, fields={"name": [message]})
    topic.name = name
    refuse_invalid_fields(topic, ["name"])
    topic.save(update_fields=["name", "updated_at"])
    return topic


@transaction.atomic
def topic_delete(*, topic: Topic) -> None:
    """Delete a topic; its micromasteries stay, only the label goes."""
    topic.delete()


@transaction.atomic
def course_upsert(
    *,
    organization: Organization,
    slug: str,
    title: str,
    summary: str = "",
    micromasteries: Iterable[Micromastery] = (),
) -> Course:
    micromasteries = list(micromasteries)
    if any(item.organization_id != organization.pk for item in micromasteries):
        raise ApplicationError(
            gettext("A course can only contain its organization's micromasteries.")
        )
    refuse_invalid_fields(
        Course(organization=organization, slug=slug, title=title, summary=summary),
        ["slug", "title", "summary"],
    )
    course, _ = Course.objects.update_or_create(
        organization=organization, slug=slug, defaults={"title": title, "summary": summary}
    )
    course.items.all().delete()
    CourseItem.objects.bulk_create(
        CourseItem(course=course, micromastery=micromastery, order=index)
        for index, micromastery in enumerate(micromasteries, start=1)
    )
    return course


@transaction.atomic
def course_publish(*, course: Course) -> Course:
    items = list(course.items.select_related("micromastery"))
    if not items:
        raise ApplicationError(
            gettext("Add at least one micromastery before publishing the course.")
        )
    unpublished = [
        item.micromastery.slug
        for item in items
        if not item.micromastery.versions.filter(status=PublicationStatus.PUBLISHED).exists()
    ]
    if unpublished:
        raise ApplicationError(
            ngettext(
                "Publish this micromastery first: %(slugs)s.",
                "Publish these micromasteries first: %(slugs)s.",
                len(unpublished),
            )
            % {"slugs": ", ".join(unpublished)}
        )
    course.status = PublicationStatus.PUBLISHED
    course.save(update_fields=["status", "updated_at"])
    return course
