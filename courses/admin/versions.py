"""Micromastery versions: the four elements, saved and moved through their lifecycle by services."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from adminsortable2.admin import SortableAdminBase, SortableStackedInline
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import policies
from accounts.models import User
from courses import services
from courses.admin.authoring import (
    AUTHOR_ROLES,
    AUTHORING_MEDIA,
    MarkdownPreviewMixin,
    ServiceRefused,
    ServiceSavedAdminMixin,
    formset_rows,
    refusal_message,
)
from courses.admin.transfer import VersionTransferMixin
from courses.models import (
    MAX_METRICS_PER_VERSION,
    MAX_STEPS_PER_VERSION,
    MicromasteryVersion,
    PayoffMetric,
    PracticeStep,
    Topic,
)
from courses.selectors import version_quality_hints
from micromastery.common.admin import (
    OrganizationScopedAdmin,
    OrganizationScopedInlineMixin,
    scope_to_organization,
)
from micromastery.common.errors import ApplicationError

# After a refused "Save and publish", the change page lists the problems with links.
PUBLISH_PROBLEMS_PARAM = "publish_problems"

STEP_FORM_FIELDS = [
    "title",
    "action",
    "feedback_how",
    "tweak_prompt",
    "repetitions_required",
    "min_spacing_hours",
    "evidence_kind",
]
METRIC_FORM_FIELDS = [
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

# The four elements' headings on the page (fieldsets and inlines), which the quality
# hints are placed under.
ELEMENT_HEADINGS = {
    "context": _("1. Context"),
    "way_in": _("2. The Way In"),
    "practice": _("3. Purposeful Practice"),
    "payoff": _("4. Payoff"),
}

# Our own words for authors, with each element's heading in bold.
CONTEXT_TEACHING = (
    _("Context: the problem with the status quo that this skill solves."),
    _(
        "Start from the learner's working day: what goes wrong today, for whom, and what it "
        "costs. A learner who recognises the problem wants the skill."
    ),
)
WAY_IN_TEACHING = (
    _("The Way In: the key that unlocks the skill."),
    _(
        "What do those in the know know that others miss? One “aha!” idea, said plainly, and "
        "the missing link that makes it click. Put explanations here, so that practice steps "
        "stay short."
    ),
)
PRACTICE_TEACHING = (
    _("Purposeful Practice: a routine the learner repeats at work."),
    _(
        "Each step is one action taken on purpose, a way to get feedback, and a question to "
        "tweak the next attempt. Keep each action short, like a text message; set how many "
        "repetitions make it stick and how far apart. Drag the steps into the order learners "
        "follow."
    ),
)
PAYOFF_TEACHING = (
    _("Payoff: what success looks like, and how it is measured."),
    _(
        "Pick one or two numbers the learner (or their manager) can report before and after, "
        "with a unit and the direction that is better, e.g. “stand-up length, minutes, lower "
        "is better”."
    ),
)


def teaching_html(teaching: tuple[Any, Any]) -> SafeString:
    """An element's teaching text, its first sentence in bold, in the reader's language."""
    heading, body = teaching
    return format_html("<strong>{}</strong> {}", heading, body)


STUDIO_MEDIA = forms.Media(js=["courses/studio_preview.js"])


class CheckinDaysField(forms.CharField):
    """Check-in days as an author writes them, "14, 30, 60, 90", stored as a list of days."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs["max_length"] = 200
        kwargs.setdefault("required", False)
        kwargs["label"] = _("Check-in days")
        kwargs["help_text"] = _(
            "Days after completing when the learner reports again, separated by commas: "
            "14, 30, 60, 90."
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith("["):
            value = re.findall(r"-?\d+", value)
        if isinstance(value, list | tuple):
            return ", ".join(str(day) for day in value)
        return value

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value) or ""
        parts = [part for part in re.split(r"[\s,;]+", text.strip().strip("[]")) if part]
        if any(not part.isdigit() for part in parts):
            raise forms.ValidationError(
                gettext(
                    "Write whole days after completing, separated by commas, such as "
                    "14, 30, 60, 90."
                )
            )
        return [int(part) for part in parts]

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        problem = services.checkin_days_problem(value) if value else None
        if problem:
            raise forms.ValidationError(problem)

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != list(initial or [])
        except forms.ValidationError:
            return True


class DraftPartInline(OrganizationScopedInlineMixin, MarkdownPreviewMixin):
    """Steps and payoff metrics: editable while their version is a draft."""

    roles = AUTHOR_ROLES
    element = ""
    teaching_text: tuple[Any, Any] | None = None

    @property
    def element_heading(self) -> str:
        return str(ELEMENT_HEADINGS[self.element]) if self.element else ""

    @property
    def teaching(self) -> str:
        return teaching_html(self.teaching_text) if self.teaching_text else ""

    def _parent_editable(self, obj: Any) -> bool:
        return obj is None or obj.is_editable

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and self._parent_editable(obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._parent_editable(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._parent_editable(obj)


class PracticeStepInline(DraftPartInline, SortableStackedInline):
    model = PracticeStep
    fields = STEP_FORM_FIELDS
    verbose_name = _("practice step")
    verbose_name_plural = _("practice steps")
    element = "practice"
    teaching_text = PRACTICE_TEACHING
    # The page offers no more rows than the service accepts (which refuses more, too).
    max_num = MAX_STEPS_PER_VERSION

    def get_extra(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        # A new draft opens with one empty step to fill in; later ones with none.
        return 1 if obj is not None and obj.is_editable and not obj.steps.exists() else 0


class PayoffMetricInline(DraftPartInline, SortableStackedInline):
    model = PayoffMetric
    fields = METRIC_FORM_FIELDS
    verbose_name = _("payoff metric")
    verbose_name_plural = _("payoff metrics")
    element = "payoff"
    teaching_text = PAYOFF_TEACHING
    max_num = MAX_METRICS_PER_VERSION

    def get_extra(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        if obj is not None and obj.is_editable and not obj.payoff_metrics.exists():
            return 1
        return 0

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "checkin_days":
            return CheckinDaysField(initial=db_field.get_default())
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class TopicListFilter(admin.SimpleListFilter):
    """Topics of the viewer's organization only: the built-in filter would list them all."""

    title = _("topic")
    parameter_name = "topic"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        topics = scope_to_organization(Topic.objects.all(), request)
        return [(str(topic.pk), topic.name) for topic in topics]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        if not str(value).isdigit():
            return queryset.none()
        return queryset.filter(micromastery__topics__pk=int(value))


def _by(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


# The version lifecycle, shared by list actions and the change page's buttons: each returns
# the version to open next, or raises ApplicationError.
VERSION_ACTIONS: dict[str, Callable[[HttpRequest, MicromasteryVersion], MicromasteryVersion]] = {
    "publish": lambda request, version: services.version_publish(version=version, by=_by(request)),
    "new_version": lambda request, version: services.version_create_draft(
        version=version, by=_by(request)
    ),
    "duplicate": lambda request, version: services.micromastery_duplicate(
        version=version, by=_by(request)
    ),
    "archive": lambda request, version: _archive(request, version),
}


def _archive(request: HttpRequest, version: MicromasteryVersion) -> MicromasteryVersion:
    services.micromastery_archive(micromastery=version.micromastery, by=_by(request))
    version.refresh_from_db()
    return version


VERSION_ACTION_MESSAGES: dict[str, tuple[Any, Any]] = {
    # name: (success, refusal intro), formatted with the version before and the result.
    "publish": (
        _("“%(title)s” version %(number)s is published."),
        _("“%(title)s” is not published yet."),
    ),
    "new_version": (
        _("Version %(result_number)s of “%(title)s” is a new draft: edit it here."),
        _("No new version of “%(title)s”."),
    ),
    "duplicate": (
        _("“%(result_title)s” is a new micromastery, drafted from “%(title)s”."),
        _("“%(title)s” was not duplicated."),
    ),
    "archive": (
        _("“%(title)s” is archived: out of the catalog, while learners on it keep practising."),
        _("“%(title)s” was not archived."),
    ),
}


@admin.register(MicromasteryVersion)
class MicromasteryVersionAdmin(
    VersionTransferMixin,
    ServiceSavedAdminMixin,
    SortableAdminBase,
    MarkdownPreviewMixin,
    OrganizationScopedAdmin,
):
    roles = AUTHOR_ROLES
    organization_lookup = "micromastery__organization"
    visible_to = staticmethod(policies.versions_authorable_by)
    inlines = [PracticeStepInline, PayoffMetricInline]
    list_display = [
        "title",
        "micromastery",
        "number",
        "status",
        "topic_names",
        "author",
        "updated_at",
    ]
    list_select_related = ["micromastery", "created_by"]
    list_filter = ["status", TopicListFilter]
    search_fields = ["title", "micromastery__slug"]
    ordering = ["-updated_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = [
        "publish_selected",
        "new_version_selected",
        "duplicate_selected",
        "archive_selected",
        "export_json",
        "export_yaml",
    ]
    readonly_fields = [
        "micromastery",
        "number",
        "status",
        "created_by",
        "published_by",
        "published_at",
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        # Built per request: the teaching texts are HTML in the author's language.
        return [
            (
                _("The skill"),
                {
                    "fields": ["title", "summary", "estimated_minutes"],
                    "description": _(
                        "Name the skill as something a person can do this week, and "
                        "say in a sentence what it gets them."
                    ),
                },
            ),
            (
                ELEMENT_HEADINGS["context"],
                {
                    "fields": ["context_challenge", "context_audience", "context_why_it_matters"],
                    "description": teaching_html(CONTEXT_TEACHING),
                },
            ),
            (
                ELEMENT_HEADINGS["way_in"],
                {
                    "fields": ["way_in_insight", "way_in_missing_link", "way_in_media_url"],
                    "description": teaching_html(WAY_IN_TEACHING),
                },
            ),
            (
                _("About this version"),
                {
                    "fields": [
                        ("micromastery", "number", "status"),
                        ("created_by", "published_by", "published_at"),
                    ],
                    "classes": ["collapse"],
                },
            ),
        ]

    @property
    def media(self) -> forms.Media:
        return super().media + AUTHORING_MEDIA + STUDIO_MEDIA

    def get_queryset(self, request: HttpRequest) -> QuerySet[MicromasteryVersion]:
        return super().get_queryset(request).prefetch_related("micromastery__topics")

    @admin.display(description=_("Author"), ordering="created_by__display_name")
    def author(self, version: MicromasteryVersion) -> str:
        return str(version.created_by) if version.created_by else ""

    @admin.display(description=_("Topics"))
    def topic_names(self, version: MicromasteryVersion) -> str:
        return ", ".join(topic.name for topic in version.micromastery.topics.all())

    # Versions start from a micromastery (or a "New version" of a published one).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or obj.is_editable)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_editable)

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        # Deleting goes one draft at a time, through the change page and its service.
        actions.pop("delete_selected", None)
        return actions

    # Saving: content, steps and payoff metrics in one service call.

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Nothing is written here: ``save_related`` saves the draft with its inlines."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        content = {
            field: form.cleaned_data[field]
            for field in services.VERSION_CONTENT_FIELDS
            if field in form.cleaned_data
        }
        steps: list[dict[str, Any]] = []
        payoff_metrics: list[dict[str, Any]] = []
        for formset in formsets:
            if formset.model is PracticeStep:
                steps = formset_rows(formset, STEP_FORM_FIELDS, keep=["key"])
            elif formset.model is PayoffMetric:
                payoff_metrics = formset_rows(formset, METRIC_FORM_FIELDS, keep=["key"])
        try:
            services.version_save_draft(
                version=form.instance, content=content, steps=steps, payoff_metrics=payoff_metrics
            )
        except ApplicationError as error:
            raise ServiceRefused(error) from error

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        if object_id is not None:
            version = self.get_object(request, unquote(object_id))
            if version is not None:
                extra_context.update(self._studio_context(request, version))
            extra_context["current_draft"] = (
                MicromasteryVersion.objects.drafts()
                .filter(micromastery_id=version.micromastery_id)
                .exclude(pk=version.pk)
                .first()
            )
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _studio_context(self, request: HttpRequest, version: MicromasteryVersion) -> dict[str, Any]:
        """The studio around the form: hints per element, the live preview's address and,
        after a refused publish, what is missing with a link to each field."""
        context: dict[str, Any] = {
            # By the heading of the element they are about, as the page shows it.
            "quality_hints": {
                str(ELEMENT_HEADINGS[element]): hints
                for element, hints in version_quality_hints(version).items()
            },
            "studio_preview_url": reverse("authoring:version_preview", args=[version.pk]),
        }
        if (
            request.method == "GET"
            and request.GET.get(PUBLISH_PROBLEMS_PARAM)
            and version.is_editable
        ):
            context["publish_problems"] = services.version_publish_problem_list(version)
        return context

    def response_change(self, request: HttpRequest, obj: Any) -> HttpResponse:
        if "_publish" in request.POST:
            if services.version_publish_problem_list(obj):
                # Saved, not published: the page lists what is missing above the form.
                self.message_user(
                    request,
                    gettext(
                        "“%(title)s” is not published yet: your edits are saved, and what is "
                        "missing is listed above the form."
                    )
                    % {"title": obj.title},
                    messages.ERROR,
                )
                return HttpResponseRedirect(
                    f"{self._change_url(obj)}?{PUBLISH_PROBLEMS_PARAM}=1#publish-problems"
                )
            self._run_version_action(request, "publish", obj)
            return HttpResponseRedirect(self._change_url(obj))
        return super().response_change(request, obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.version_delete_draft(version=obj)

    # Lifecycle actions: buttons on the change page and actions on the list.

    def get_urls(self) -> list[URLPattern]:
        object_actions = [
            path(
                f"<path:object_id>/{name.replace('_', '-')}/",
                self.admin_site.admin_view(self._object_action_view(name)),
                name=f"courses_micromasteryversion_{name}",
            )
            for name in ("publish", "new_version", "duplicate", "archive")
        ]
        return self.transfer_urls() + object_actions + super().get_urls()

    def _object_action_view(self, name: str) -> Callable[..., HttpResponse]:
        def view(request: HttpRequest, object_id: str) -> HttpResponse:
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            if not self.has_view_permission(request):
                raise PermissionDenied
            version = self.get_object(request, unquote(object_id))
            result = self._run_version_action(request, name, version)
            return HttpResponseRedirect(self._change_url(result or version))

        return view

    def _run_version_action(
        self, request: HttpRequest, name: str, version: MicromasteryVersion
    ) -> MicromasteryVersion | None:
        success, refusal = VERSION_ACTION_MESSAGES[name]
        names: dict[str, Any] = {"title": version.title, "number": version.number}
        try:
            result = VERSION_ACTIONS[name](request, version)
        except ApplicationError as error:
            self.message_user(request, refusal_message(error, refusal % names), messages.ERROR)
            return None
        names.update(result_number=result.number, result_title=result.title)
        self.message_user(request, success % names, messages.SUCCESS)
        return result

    def _run_on_selection(
        self, request: HttpRequest, queryset: QuerySet[MicromasteryVersion], name: str
    ) -> HttpResponse | None:
        results = [
            self._run_version_action(request, name, version)
            for version in queryset.select_related("micromastery")
        ]
        opened = [result for result in results if result is not None]
        # One new draft: open it, as the button on the change page does.
        if name in {"new_version", "duplicate"} and len(results) == 1 and opened:
            return HttpResponseRedirect(self._change_url(opened[0]))
        return None

    def _change_url(self, version: MicromasteryVersion) -> str:
        return reverse("admin:courses_micromasteryversion_change", args=[version.pk])

    @admin.action(description=_("Publish the selected drafts"))
    def publish_selected(
        self, request: HttpRequest, queryset: QuerySet[MicromasteryVersion]
    ) -> HttpResponse | None:
        return self._run_on_selection(request, queryset, "publish")

    @admin.action(description=_("Start a new version of the selected ones"))
    def new_version_selected(
        self, request: HttpRequest, queryset: QuerySet[MicromasteryVersion]
    ) -> HttpResponse | None:
        return self._run_on_selection(request, queryset, "new_version")

    @admin.action(description=_("Duplicate as new micromasteries"))
    def duplicate_selected(
        self, request: HttpRequest, queryset: QuerySet[MicromasteryVersion]
    ) -> HttpResponse | None:
        return self._run_on_selection(request, queryset, "duplicate")

    @admin.action(description=_("Archive (take out of the catalog)"))
    def archive_selected(
        self, request: HttpRequest, queryset: QuerySet[MicromasteryVersion]
    ) -> HttpResponse | None:
        return self._run_on_selection(request, queryset, "archive")
