"""Authoring: micromasteries and their versions, practice steps, payoff metrics, courses.

A ``Micromastery`` is the stable identity; each ``MicromasteryVersion`` holds the content of
the four elements. A published version never changes: editing it means a new draft, and
learners keep the version they enrolled on. Steps and payoff metrics carry a ``key`` that
stays the same across versions so that progress and payoff join across versions.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from accounts.models import Organization
from micromastery.common.models import BaseModel, BoundedTextField

# A routine longer than this is two skills; more metrics than this measure nothing well.
MAX_STEPS_PER_VERSION = 20
MAX_METRICS_PER_VERSION = 10
# Check-ins are a handful of days after completion (e.g. 14, 30, 60, 90).
MAX_CHECKIN_DAYS = 10


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


# A version's status inside a sentence or a list ("v2, draft"): the words agree with
# "version", which the choice labels above (also used for courses) need not.
STATUS_WORDS: dict[str, StrOrPromise] = {
    PublicationStatus.DRAFT: pgettext_lazy("a version's status, in running text", "draft"),
    PublicationStatus.PUBLISHED: pgettext_lazy("a version's status, in running text", "published"),
    PublicationStatus.ARCHIVED: pgettext_lazy("a version's status, in running text", "archived"),
}


class Topic(BaseModel):
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="topics",
        verbose_name=_("organization"),
    )
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "slug"],
                name="courses_topic_slug_unique_in_org",
                violation_error_message=_("This organization already has a topic with this slug."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class MicromasteryQuerySet(models.QuerySet["Micromastery"]):
    def for_organization(self, organization: Organization | int | None) -> MicromasteryQuerySet:
        return self.filter(organization=organization)

    def with_published_version(self) -> MicromasteryQuerySet:
        return self.filter(versions__status=PublicationStatus.PUBLISHED)

    def with_title(self) -> MicromasteryQuerySet:
        """Annotate ``title``, the one title shown for a micromastery: its newest published
        version's; before its first publication, its newest draft's; else its slug."""
        newest = MicromasteryVersion.objects.filter(micromastery=OuterRef("pk")).order_by("-number")
        return self.annotate(
            title=Coalesce(
                Subquery(newest.filter(status=PublicationStatus.PUBLISHED).values("title")[:1]),
                Subquery(newest.values("title")[:1]),
                F("slug"),
                output_field=models.CharField(),
            )
        )


class Micromastery(BaseModel):
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="micromasteries",
        verbose_name=_("organization"),
    )
    slug = models.SlugField(_("slug"), max_length=120)
    topics = models.ManyToManyField(
        Topic, related_name="micromasteries", blank=True, verbose_name=_("topics")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    nudge_holdout_ratio = models.DecimalField(
        _("holdout share"),
        max_digits=3,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(Decimal("0.5"))],
        help_text=_(
            "Share of enrolments, drawn at random, that get no practice nudges (e.g. 0.2): "
            "the control group that shows whether nudging pays off."
        ),
    )

    objects = MicromasteryQuerySet.as_manager()

    class Meta:
        verbose_name = _("micromastery")
        verbose_name_plural = _("micromasteries")
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "slug"],
                name="courses_micromastery_slug_unique_in_org",
                violation_error_message=_(
                    "This organization already has a micromastery with this slug."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.slug


class VersionQuerySet(models.QuerySet["MicromasteryVersion"]):
    def for_organization(self, organization: Organization | int | None) -> VersionQuerySet:
        return self.filter(micromastery__organization=organization)

    def published(self) -> VersionQuerySet:
        return self.filter(status=PublicationStatus.PUBLISHED)

    def drafts(self) -> VersionQuerySet:
        return self.filter(status=PublicationStatus.DRAFT)


class MicromasteryVersion(BaseModel):
    """The content of a micromastery: the four elements. Immutable once published."""

    micromastery = models.ForeignKey(
        Micromastery,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("micromastery"),
    )
    number = models.PositiveIntegerField(_("number"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
    )
    title = models.CharField(
        _("title"),
        max_length=120,
        help_text=_("Name the skill as a doable action, e.g. “Run a 15-minute stand-up”."),
    )
    summary = BoundedTextField(
        _("summary"),
        max_length=1000,
        blank=True,
        help_text=_("One or two sentences a busy colleague reads in the catalog."),
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_("How long one practice takes, in minutes. Micro means minutes, not hours."),
    )
    # Context: the problem with the status quo.
    context_challenge = BoundedTextField(
        _("the challenge"),
        max_length=4000,
        blank=True,
        help_text=_(
            "Context: what goes wrong today without this skill? Describe the problem "
            "with the status quo in the learner's own situation."
        ),
    )
    context_audience = BoundedTextField(
        _("who it is for"),
        max_length=4000,
        blank=True,
        help_text=_("Context: who meets this problem, and when in their work."),
    )
    context_why_it_matters = BoundedTextField(
        _("why it matters"),
        max_length=4000,
        blank=True,
        help_text=_("Context: what does the problem cost the learner, their team or customers?"),
    )
    # The Way In: the insight that unlocks the skill.
    way_in_insight = BoundedTextField(
        _("the key insight"),
        max_length=4000,
        blank=True,
        help_text=_(
            "The Way In: the “aha!” that those in the know know. One idea that makes "
            "the skill click."
        ),
    )
    way_in_missing_link = BoundedTextField(
        _("the missing link"),
        max_length=4000,
        blank=True,
        help_text=_("The Way In: what people usually miss, and why the insight fixes it."),
    )
    way_in_media_url = models.URLField(
        _("media link"),
        max_length=2000,
        blank=True,
        help_text=_("Optional: a short video or article that shows the insight."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # The Markdown fields above as sanitized HTML, rendered once when the version is
    # published (courses.services.version_publish): published content never changes, so
    # pages need not render it again on every request. Empty on drafts, which render live.
    rendered_html = models.JSONField(default=dict, blank=True, editable=False)

    objects = VersionQuerySet.as_manager()

    MARKDOWN_FIELDS = (
        "summary",
        "context_challenge",
        "context_audience",
        "context_why_it_matters",
        "way_in_insight",
        "way_in_missing_link",
    )

    class Meta:
        verbose_name = _("micromastery version")
        verbose_name_plural = _("micromastery versions")
        ordering = ["micromastery", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["micromastery", "number"], name="courses_version_number_unique"
            ),
            models.UniqueConstraint(
                fields=["micromastery"],
                condition=models.Q(status="published"),
                name="courses_one_published_version",
            ),
            models.UniqueConstraint(
                fields=["micromastery"],
                condition=models.Q(status="draft"),
                name="courses_one_draft_version",
                violation_error_message=_("This micromastery already has a draft: edit that one."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(title)s (v%(number)s, %(status)s)") % {
            "title": self.title,
            "number": self.number,
            "status": self.status_word,
        }

    @property
    def status_word(self) -> str:
        """The status as a word inside a sentence: "draft", "published", "archived"."""
        return str(STATUS_WORDS.get(self.status, self.status))

    @property
    def is_editable(self) -> bool:
        return self.status == PublicationStatus.DRAFT


class EvidenceKind(models.TextChoices):
    REFLECTION = "reflection", _("Reflection (what happened)")
    NUMBER = "number", _("A number")
    LINK = "link", _("A link")
    CHECKBOX = "checkbox", _("Done / not done")


class PracticeStep(models.Model):
    """One step of the Purposeful Practice routine: act, get feedback, tweak, repeat."""

    version = models.ForeignKey(
        MicromasteryVersion,
        on_delete=models.CASCADE,
        related_name="steps",
        verbose_name=_("version"),
    )
    key = models.SlugField(
        _("key"),
        max_length=60,
        help_text=_("Stays the same across versions so progress carries over."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0, db_index=True)
    title = models.CharField(_("title"), max_length=120)
    # Publishing asks for under 1,200 characters (see courses.services); a draft may hold
    # more while the author trims it, up to this hard cap.
    action = BoundedTextField(
        _("the action"),
        max_length=4000,
        help_text=_(
            "What to do, on purpose, at work. Short, like a text message (under 1,200 "
            "characters); explanations belong in the Way In."
        ),
    )
    feedback_how = BoundedTextField(
        _("how to get feedback"),
        max_length=4000,
        blank=True,
        help_text=_("How the learner finds out whether it worked: whom to ask, what to observe."),
    )
    tweak_prompt = BoundedTextField(
        _("tweak prompt"),
        max_length=4000,
        blank=True,
        help_text=_(
            "The question that helps the learner adjust next time, e.g. “What will you "
            "cut from the next stand-up?”"
        ),
    )
    repetitions_required = models.PositiveSmallIntegerField(
        _("repetitions required"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("How many times to practise before the step is done."),
    )
    min_spacing_hours = models.PositiveSmallIntegerField(
        _("minimum spacing (hours)"),
        default=20,
        validators=[MaxValueValidator(24 * 30)],
        help_text=_("Hours to wait between repetitions: spacing makes the skill stick."),
    )
    evidence_kind = models.CharField(
        _("evidence kind"),
        max_length=12,
        choices=EvidenceKind.choices,
        default=EvidenceKind.REFLECTION,
    )
    # The Markdown fields above as sanitized HTML, rendered once when the step's version
    # is published (courses.services.version_publish): published content never changes, so
    # pages need not render it again on every request. Empty on drafts, which render live.
    rendered_html = models.JSONField(default=dict, blank=True, editable=False)

    MARKDOWN_FIELDS = ("action", "feedback_how", "tweak_prompt")

    class Meta:
        verbose_name = _("practice step")
        verbose_name_plural = _("practice steps")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="courses_step_key_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class MetricDirection(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class MetricReporter(models.TextChoices):
    LEARNER = "learner", _("The learner")
    MANAGER = "manager", _("The manager")


class ValueBasis(models.TextChoices):
    MONEY = "money", _("Money per unit")
    HOURS = "hours", _("Hours per unit (valued at the organization's hourly cost)")


def default_checkin_days() -> list[int]:
    return [14, 30, 60, 90]


class PayoffMetric(models.Model):
    """How the Payoff is measured: one number, its unit and which way is better."""

    version = models.ForeignKey(
        MicromasteryVersion,
        on_delete=models.CASCADE,
        related_name="payoff_metrics",
        verbose_name=_("version"),
    )
    key = models.SlugField(_("key"), max_length=60, help_text=_("Stays the same across versions."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=120, help_text=_("e.g. “Stand-up length”."))
    unit = models.CharField(_("unit"), max_length=40, blank=True, help_text=_("e.g. “minutes”."))
    direction = models.CharField(
        _("direction"),
        max_length=6,
        choices=MetricDirection.choices,
        default=MetricDirection.HIGHER,
    )
    how_to_measure = BoundedTextField(
        _("how to measure"),
        max_length=2000,
        blank=True,
        help_text=_("How to get the number, so that before and after are comparable."),
    )
    target_change = models.DecimalField(
        _("target change"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "The change from the baseline that counts as success, in the unit, in the "
            "good direction (e.g. 5 for “5 minutes shorter”)."
        ),
    )
    reported_by = models.CharField(
        _("reported by"),
        max_length=8,
        choices=MetricReporter.choices,
        default=MetricReporter.LEARNER,
    )
    checkin_days = models.JSONField(
        _("check-in days"),
        default=default_checkin_days,
        help_text=_("Days after completion when the learner (or manager) reports the value."),
    )
    min_value = models.DecimalField(
        _("min value"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Smallest sensible value; lower reports are refused."),
    )
    max_value = models.DecimalField(
        _("max value"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Largest sensible value; higher reports are refused."),
    )
    value_per_unit = models.DecimalField(
        _("value per unit"),
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_(
            "Optional: what one unit of improvement is worth, to show the payoff in money."
        ),
    )
    value_basis = models.CharField(
        _("value basis"),
        max_length=6,
        choices=ValueBasis.choices,
        default=ValueBasis.MONEY,
        blank=True,
    )
    # ``how_to_measure`` as sanitized HTML, rendered when the version is published.
    rendered_html = models.JSONField(default=dict, blank=True, editable=False)

    MARKDOWN_FIELDS = ("how_to_measure",)

    class Meta:
        verbose_name = _("payoff metric")
        verbose_name_plural = _("payoff metrics")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="courses_metric_key_unique"),
        ]

    def __str__(self) -> str:
        if not self.unit:
            return self.name
        return gettext("%(name)s (%(unit)s)") % {"name": self.name, "unit": self.unit}


class CourseQuerySet(models.QuerySet["Course"]):
    def for_organization(self, organization: Organization | int | None) -> CourseQuerySet:
        return self.filter(organization=organization)

    def published(self) -> CourseQuerySet:
        return self.filter(status=PublicationStatus.PUBLISHED)


class Course(BaseModel):
    """An ordered path of micromasteries."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="courses",
        verbose_name=_("organization"),
    )
    slug = models.SlugField(_("slug"), max_length=120)
    title = models.CharField(_("title"), max_length=120)
    summary = BoundedTextField(_("summary"), max_length=1000, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
    )
    micromasteries: models.ManyToManyField[Micromastery, CourseItem] = models.ManyToManyField(
        Micromastery, through="CourseItem", related_name="courses", verbose_name=_("micromasteries")
    )

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "slug"],
                name="courses_course_slug_unique_in_org",
                violation_error_message=_("This organization already has a course with this slug."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class CourseItem(models.Model):
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="items", verbose_name=_("course")
    )
    micromastery = models.ForeignKey(
        Micromastery, on_delete=models.CASCADE, related_name="+", verbose_name=_("micromastery")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0, db_index=True)

    class Meta:
        verbose_name = _("course item")
        verbose_name_plural = _("course items")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "micromastery"], name="courses_course_item_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.course} #{self.order}"
