"""Reads of micromasteries and courses, scoped to the viewer's organization.

Learners see what is published in their own organization. Authors additionally read every
version of their organization's micromasteries, drafts included. Everything else is a 404:
another organization's content is never confirmed to exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext

from accounts import policies
from accounts.models import Organization, User
from courses.models import (
    MAX_METRICS_PER_VERSION,
    MAX_STEPS_PER_VERSION,
    Course,
    CourseItem,
    MetricDirection,
    Micromastery,
    MicromasteryVersion,
    PayoffMetric,
    PracticeStep,
    PublicationStatus,
    Topic,
    VersionQuerySet,
)


def _with_content(versions: VersionQuerySet) -> VersionQuerySet:
    return versions.select_related("micromastery").prefetch_related(
        "steps", "payoff_metrics", "micromastery__topics"
    )


def micromastery_list(
    *, viewer: User, topic: str | None = None, search: str | None = None
) -> QuerySet[MicromasteryVersion]:
    """The catalog: the published version of each of the organization's micromasteries.

    ``topic`` is a topic slug; ``search`` matches the title or summary, ignoring case.
    """
    versions = (
        MicromasteryVersion.objects.published()
        .for_organization(viewer.organization_id)
        .select_related("micromastery")
        .prefetch_related(Prefetch("micromastery__topics", queryset=Topic.objects.order_by("name")))
        .order_by("title", "micromastery_id")
    )
    if topic:
        versions = versions.filter(micromastery__topics__slug=topic)
    if search:
        versions = versions.filter(Q(title__icontains=search) | Q(summary__icontains=search))
    return versions


def micromastery_get(*, viewer: User, micromastery_id: int) -> MicromasteryVersion:
    """The published version of one micromastery, with its steps and payoff metrics."""
    version = (
        _with_content(MicromasteryVersion.objects.published())
        .for_organization(viewer.organization_id)
        # Through the primary key rather than the foreign key column: an id beyond the
        # column's range (from the URL) then matches nothing instead of failing in SQLite.
        .filter(micromastery__pk=micromastery_id)
        .first()
    )
    if version is None:
        raise Http404(gettext("No published micromastery with this id."))
    return version


def authored_micromastery_get(*, viewer: User, micromastery_id: int) -> Micromastery:
    """A micromastery of the author's organization, whatever the state of its versions."""
    micromastery = policies.micromasteries_authorable_by(viewer).filter(pk=micromastery_id).first()
    if micromastery is None:
        raise Http404(gettext("No micromastery with this id."))
    return micromastery


def version_list(*, micromastery: Micromastery) -> QuerySet[MicromasteryVersion]:
    """Every version of a micromastery an author may read, newest first."""
    return micromastery.versions.select_related("micromastery").order_by("-number")


def version_draft_get(*, micromastery: Micromastery) -> MicromasteryVersion | None:
    """The micromastery's draft with its parts, or None when it has no draft."""
    return (
        _with_content(MicromasteryVersion.objects.drafts())
        .filter(micromastery=micromastery)
        .first()
    )


def version_get(*, micromastery: Micromastery, number: int | None = None) -> MicromasteryVersion:
    """One version with its parts: ``number``, else the published one, else the newest."""
    versions = _with_content(MicromasteryVersion.objects.filter(micromastery=micromastery))
    if number is not None:
        version = versions.filter(number=number).first()
    else:
        version = versions.published().first() or versions.order_by("-number").first()
    if version is None:
        raise Http404(gettext("No such version."))
    return version


def _published_courses(viewer: User) -> QuerySet[Course]:
    published_versions = MicromasteryVersion.objects.published()
    items = (
        CourseItem.objects.filter(micromastery__versions__status=PublicationStatus.PUBLISHED)
        .select_related("micromastery")
        .prefetch_related(
            Prefetch(
                "micromastery__versions",
                queryset=published_versions,
                to_attr="published_versions",
            )
        )
        .order_by("order", "pk")
    )
    return (
        Course.objects.published()
        .for_organization(viewer.organization_id)
        .prefetch_related(Prefetch("items", queryset=items, to_attr="published_items"))
        .order_by("title", "pk")
    )


def course_list(*, viewer: User) -> QuerySet[Course]:
    """Published courses of the viewer's organization; each course's ``published_items``
    lists, in order, the micromasteries that a learner can start now."""
    return _published_courses(viewer)


def course_get(*, viewer: User, course_id: int) -> Course:
    course = _published_courses(viewer).filter(pk=course_id).first()
    if course is None:
        raise Http404(gettext("No published course with this id."))
    return course


def version_list_for_author(*, viewer: User) -> QuerySet[MicromasteryVersion]:
    """Every version, of any status, that the viewer may author: none unless they are one."""
    return policies.versions_authorable_by(viewer)


def version_get_for_preview(*, viewer: User, version_id: int) -> MicromasteryVersion | None:
    """A version with what the learner's view shows (steps and payoff metrics in order)."""
    return (
        version_list_for_author(viewer=viewer)
        .select_related("micromastery")
        .prefetch_related(
            Prefetch("steps", PracticeStep.objects.order_by("order", "pk")),
            Prefetch("payoff_metrics", PayoffMetric.objects.order_by("order", "pk")),
        )
        .filter(pk=version_id)
        .first()
    )


# --- The author studio: quality hints and the preview of unsaved edits --------------------

# An "aha!" fits in a few sentences; more belongs in the missing link or a practice step.
WAY_IN_SENTENCES = 4


def _sentences(text: str) -> int:
    return len([part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if part.strip()])


def version_quality_hints(version: MicromasteryVersion) -> dict[str, list[str]]:
    """Advice per element ("context", "way_in", "practice", "payoff") that does not stop
    publishing."""
    hints: dict[str, list[str]] = {"context": [], "way_in": [], "practice": [], "payoff": []}
    sentences = _sentences(version.way_in_insight)
    if sentences > WAY_IN_SENTENCES:
        hints["way_in"].append(
            gettext(
                "The key insight runs to %(count)s sentences: an “aha!” fits in %(limit)s or "
                "fewer. Move the explanation to the missing link."
            )
            % {"count": sentences, "limit": WAY_IN_SENTENCES}
        )
    for index, step in enumerate(version.steps.all(), start=1):
        if not step.feedback_how.strip():
            hints["practice"].append(
                gettext(
                    "Step %(number)s “%(title)s” has no way to get feedback: without it, "
                    "practice is only repetition."
                )
                % {"number": index, "title": step.title}
            )
    for metric in version.payoff_metrics.all():
        if not metric.unit.strip():
            hints["payoff"].append(
                gettext("“%(name)s” has no unit: say what a number means (minutes, calls, %%).")
                % {"name": metric.name}
            )
        if not metric.direction:
            hints["payoff"].append(
                gettext("“%(name)s” does not say whether higher or lower is better.")
                % {"name": metric.name}
            )
    return hints


class PreviewRows(list[Any]):
    """Rows of an unsaved preview, read by templates like a related manager (``.all``)."""

    def all(self) -> PreviewRows:
        return self


@dataclass
class VersionPreview:
    """A version as the author's unsaved form has it, for the learner preview."""

    version: MicromasteryVersion
    steps: PreviewRows
    payoff_metrics: PreviewRows

    def __getattr__(self, name: str) -> Any:
        return getattr(self.version, name)


def _posted_text(data: Any, name: str, model: Any, field: str) -> str:
    limit = model._meta.get_field(field).max_length or 10_000
    return str(data.get(name, ""))[:limit]


def _posted_int(data: Any, name: str, default: int) -> int:
    value = str(data.get(name, "")).strip()
    return int(value) if value.isdigit() and len(value) < 6 else default


def version_preview_from_form(*, version: MicromasteryVersion, data: Any) -> VersionPreview:
    """The version with the edits of its (unsaved) admin form applied, nothing written.

    Reads the page's own field names (``title``, ``steps-0-action``, ...), each cut to its
    column's length and at most as many rows as a version may have.
    """
    edited = MicromasteryVersion(
        pk=version.pk, micromastery=version.micromastery, number=version.number
    )
    for field in (
        "title", "summary", "context_challenge", "context_audience", "context_why_it_matters",
        "way_in_insight", "way_in_missing_link", "way_in_media_url",
    ):  # fmt: skip
        setattr(edited, field, _posted_text(data, field, MicromasteryVersion, field))
    edited.estimated_minutes = _posted_int(data, "estimated_minutes", version.estimated_minutes)
    steps: list[tuple[int, int, PracticeStep]] = []
    total = min(_posted_int(data, "steps-TOTAL_FORMS", 0), MAX_STEPS_PER_VERSION)
    for index in range(total):
        row = f"steps-{index}-"
        if data.get(f"{row}DELETE"):
            continue
        step = PracticeStep(
            title=_posted_text(data, f"{row}title", PracticeStep, "title"),
            action=_posted_text(data, f"{row}action", PracticeStep, "action"),
            feedback_how=_posted_text(data, f"{row}feedback_how", PracticeStep, "feedback_how"),
            tweak_prompt=_posted_text(data, f"{row}tweak_prompt", PracticeStep, "tweak_prompt"),
            repetitions_required=_posted_int(data, f"{row}repetitions_required", 1),
            min_spacing_hours=_posted_int(data, f"{row}min_spacing_hours", 0),
        )
        if step.title or step.action:
            steps.append((_posted_int(data, f"{row}order", index + 1), index, step))
    metrics: list[tuple[int, int, PayoffMetric]] = []
    total = min(_posted_int(data, "payoff_metrics-TOTAL_FORMS", 0), MAX_METRICS_PER_VERSION)
    for index in range(total):
        row = f"payoff_metrics-{index}-"
        if data.get(f"{row}DELETE"):
            continue
        direction = str(data.get(f"{row}direction", ""))
        metric = PayoffMetric(
            name=_posted_text(data, f"{row}name", PayoffMetric, "name"),
            unit=_posted_text(data, f"{row}unit", PayoffMetric, "unit"),
            direction=direction if direction in MetricDirection.values else MetricDirection.HIGHER,
            how_to_measure=_posted_text(
                data, f"{row}how_to_measure", PayoffMetric, "how_to_measure"
            ),
        )
        if metric.name:
            metrics.append((_posted_int(data, f"{row}order", index + 1), index, metric))
    return VersionPreview(
        version=edited,
        steps=PreviewRows(step for _, _, step in sorted(steps, key=lambda item: item[:2])),
        payoff_metrics=PreviewRows(
            metric for _, _, metric in sorted(metrics, key=lambda item: item[:2])
        ),
    )


def micromastery_list_titled(*, organization: Organization, title: str) -> list[Micromastery]:
    """The organization's micromasteries whose newest version has this title (any case)."""
    newest_title = (
        MicromasteryVersion.objects.filter(micromastery=OuterRef("pk"))
        .order_by("-number")
        .values("title")[:1]
    )
    return list(
        Micromastery.objects.for_organization(organization)
        .annotate(newest_title=Subquery(newest_title))
        .filter(newest_title__iexact=title.strip())
        .order_by("pk")
    )
