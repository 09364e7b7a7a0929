"""Reads of micromasteries and courses, scoped to the viewer's organization.

Learners see what is published in their own organization. Authors additionally read every
version of their organization's micromasteries, drafts included. Everything else is a 404:
another organization's content is never confirmed to exist.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from accounts import policies
from accounts.models import User
from courses.models import (
    Course,
    CourseItem,
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
        raise Http404("No published micromastery with this id.")
    return version


def authored_micromastery_get(*, viewer: User, micromastery_id: int) -> Micromastery:
    """A micromastery of the author's organization, whatever the state of its versions."""
    micromastery = policies.micromasteries_authorable_by(viewer).filter(pk=micromastery_id).first()
    if micromastery is None:
        raise Http404("No micromastery with this id.")
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
        raise Http404("No such version.")
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
        raise Http404("No published course with this id.")
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
