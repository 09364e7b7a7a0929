"""The authoring tool: authors build their organization's micromasteries in the admin.

Every write goes through ``courses.services``; the admin only shows what the services
allow (a published version is read-only here because the services refuse to change it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from adminsortable2.admin import SortableAdminBase, SortableStackedInline, SortableTabularInline
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import construct_change_message, unquote
from django.contrib.admin.widgets import AdminTextareaWidget
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from accounts.models import Organization, User
from courses import services
from courses.models import (
    Course,
    CourseItem,
    Micromastery,
    MicromasteryVersion,
    PayoffMetric,
    PracticeStep,
    Topic,
)
from micromastery.common.admin import (
    OrganizationScopedAdmin,
    OrganizationScopedInlineMixin,
    scope_to_organization,
)
from micromastery.common.errors import ApplicationError

AUTHOR_ROLES = ("is_author",)

# Text that learners read, written in Markdown and shown sanitized.
MARKDOWN_FIELDS = {
    "summary",
    "context_challenge",
    "context_audience",
    "context_why_it_matters",
    "way_in_insight",
    "way_in_missing_link",
    "action",
    "feedback_how",
    "tweak_prompt",
    "how_to_measure",
}

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

CONTEXT_TEACHING = (
    "<strong>Context: the problem with the status quo that this skill solves.</strong> "
    "Start from the learner's working day: what goes wrong today, for whom, and what it "
    "costs. A learner who recognises the problem wants the skill."
)
WAY_IN_TEACHING = (
    "<strong>The Way In: the key that unlocks the skill.</strong> What do those in the know "
    "know that others miss? One “aha!” idea, said plainly, and the missing link that "
    "makes it click. Put explanations here, so that practice steps stay short."
)
PRACTICE_TEACHING = (
    "<strong>Purposeful Practice: a routine the learner repeats at work.</strong> Each step "
    "is one action taken on purpose, a way to get feedback, and a question to tweak the "
    "next attempt. Keep each action short, like a text message; set how many repetitions "
    "make it stick and how far apart. Drag the steps into the order learners follow."
)
PAYOFF_TEACHING = (
    "<strong>Payoff: what success looks like, and how it is measured.</strong> Pick one or "
    "two numbers the learner (or their manager) can report before and after, with a unit "
    "and the direction that is better, e.g. “stand-up length, minutes, lower is better”."
)


class ServiceRefused(Exception):
    """A service refused a save after the forms were valid (e.g. someone published the
    draft meanwhile): the whole admin transaction rolls back and the author is told why."""

    def __init__(self, error: ApplicationError) -> None:
        super().__init__(error.message)
        self.error = error


def refusal_message(error: ApplicationError, intro: str) -> SafeString:
    """A service's refusal as one admin message, listing each problem it names."""
    problems = error.fields.get("publish")
    if problems:
        return format_html(
            "{} What is missing: <ul>{}</ul>",
            intro,
            format_html_join("", "<li>{}</li>", ((problem,) for problem in problems)),
        )
    return format_html("{} {}", intro, error.message)


def formset_rows(
    formset: Any, fields: list[str], *, keep: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """The rows an author kept in an inline, in the order they dragged them into.

    ``keep`` names attributes carried over from saved rows (a step's ``key``), so that a
    step keeps its identity even though the service rewrites the rows.
    """
    rows: list[tuple[float, int, dict[str, Any]]] = []
    for position, form in enumerate(formset.forms):
        cleaned = getattr(form, "cleaned_data", None)
        if not cleaned or cleaned.get("DELETE"):
            continue
        row = {field: cleaned[field] for field in fields if field in cleaned}
        if form.instance.pk:
            row.update({name: getattr(form.instance, name) for name in keep})
        order = cleaned.get("order")
        rows.append((order if order else float("inf"), position, row))
    rows.sort(key=lambda item: (item[0], item[1]))
    return [row for _, _, row in rows]


class MarkdownPreviewMixin:
    """Give each Markdown textarea a "Preview" button (static/courses/markdown_preview.js)."""

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in MARKDOWN_FIELDS:
            kwargs["widget"] = AdminTextareaWidget(
                attrs={
                    "rows": 4,
                    "data-markdown-preview-url": reverse("authoring:markdown_preview"),
                }
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]


AUTHORING_MEDIA = forms.Media(
    css={"all": ["courses/authoring.css"]}, js=["courses/markdown_preview.js"]
)


# --- Micromastery versions: the four elements ---------------------------------------------


class DraftPartInline(OrganizationScopedInlineMixin, MarkdownPreviewMixin):
    """Steps and payoff metrics: editable while their version is a draft."""

    roles = AUTHOR_ROLES
    teaching = ""
    element_heading = ""

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
    verbose_name = "practice step"
    verbose_name_plural = "practice steps"
    element_heading = "3. Purposeful Practice"
    teaching = PRACTICE_TEACHING

    def get_extra(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        # A new draft opens with one empty step to fill in; later ones with none.
        return 1 if obj is not None and obj.is_editable and not obj.steps.exists() else 0


class PayoffMetricInline(DraftPartInline, SortableStackedInline):
    model = PayoffMetric
    fields = METRIC_FORM_FIELDS
    verbose_name = "payoff metric"
    verbose_name_plural = "payoff metrics"
    element_heading = "4. Payoff"
    teaching = PAYOFF_TEACHING

    def get_extra(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        if obj is not None and obj.is_editable and not obj.payoff_metrics.exists():
            return 1
        return 0


class TopicListFilter(admin.SimpleListFilter):
    """Topics of the viewer's organization only: the built-in filter would list them all."""

    title = "topic"
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


VERSION_ACTION_MESSAGES: dict[str, tuple[str, str]] = {
    # name: (success, refusal intro), formatted with the version before and the result.
    "publish": ("“{title}” version {number} is published.", "“{title}” is not published yet."),
    "new_version": (
        "Version {result_number} of “{title}” is a new draft: edit it here.",
        "No new version of “{title}”.",
    ),
    "duplicate": (
        "“{result_title}” is a new micromastery, drafted from “{title}”.",
        "“{title}” was not duplicated.",
    ),
    "archive": (
        "“{title}” is archived: out of the catalog, while learners on it keep practising.",
        "“{title}” was not archived.",
    ),
}


@admin.register(MicromasteryVersion)
class MicromasteryVersionAdmin(SortableAdminBase, MarkdownPreviewMixin, OrganizationScopedAdmin):
    roles = AUTHOR_ROLES
    organization_lookup = "micromastery__organization"
    inlines = [PracticeStepInline, PayoffMetricInline]
    list_display = [
        "title",
        "micromastery",
        "number",
        "status",
        "topic_names",
        "created_by",
        "updated_at",
    ]
    list_select_related = ["micromastery", "created_by"]
    list_filter = ["status", TopicListFilter]
    search_fields = ["title", "micromastery__slug"]
    ordering = ["-updated_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["publish_selected", "new_version_selected", "duplicate_selected", "archive_selected"]
    readonly_fields = [
        "micromastery",
        "number",
        "status",
        "created_by",
        "published_by",
        "published_at",
    ]
    fieldsets = [
        (
            "The skill",
            {
                "fields": ["title", "summary", "estimated_minutes"],
                "description": "Name the skill as something a person can do this week, and "
                "say in a sentence what it gets them.",
            },
        ),
        (
            "1. Context",
            {
                "fields": ["context_challenge", "context_audience", "context_why_it_matters"],
                "description": CONTEXT_TEACHING,
            },
        ),
        (
            "2. The Way In",
            {
                "fields": ["way_in_insight", "way_in_missing_link", "way_in_media_url"],
                "description": WAY_IN_TEACHING,
            },
        ),
        (
            "About this version",
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
        return super().media + AUTHORING_MEDIA

    def get_queryset(self, request: HttpRequest) -> QuerySet[MicromasteryVersion]:
        return super().get_queryset(request).prefetch_related("micromastery__topics")

    @admin.display(description="Topics")
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

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> Any:
        # The inlines were saved by the service, not by the formsets.
        return construct_change_message(form, [], add)

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
            extra_context["current_draft"] = (
                MicromasteryVersion.objects.drafts()
                .filter(micromastery_id=version.micromastery_id)
                .exclude(pk=version.pk)
                .first()
            )
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            self.message_user(
                request,
                refusal_message(refused.error, "Nothing was saved."),
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())

    def response_change(self, request: HttpRequest, obj: Any) -> HttpResponse:
        if "_publish" in request.POST:
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
        return object_actions + super().get_urls()

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
        names = {"title": version.title, "number": version.number}
        try:
            result = VERSION_ACTIONS[name](request, version)
        except ApplicationError as error:
            self.message_user(
                request, refusal_message(error, refusal.format(**names)), messages.ERROR
            )
            return None
        names.update(result_number=result.number, result_title=result.title)
        self.message_user(request, success.format(**names), messages.SUCCESS)
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

    @admin.action(description="Publish the selected drafts")
    def publish_selected(
        self, request: HttpRequest, queryset: QuerySet[MicromasteryVersion]
    ) -> HttpResponse | None:
        return self._run_on_selection(request, queryset, "publish")

    @admin.action(description="Start a new version of the selected ones")
    def new_version_selected(
        self, request: HttpRequest, queryset: QuerySet[MicromasteryVersion]
    ) -> HttpResponse | None:
        return self._run_on_selection(request, queryset, "new_version")

    @admin.action(description="Duplicate as new micromasteries")
    def duplicate_selected(
        self, request: HttpRequest, queryset: QuerySet[MicromasteryVersion]
    ) -> HttpResponse | None:
        return self._run_on_selection(request, queryset, "duplicate")

    @admin.action(description="Archive (take out of the catalog)")
    def archive_selected(
        self, request: HttpRequest, queryset: QuerySet[MicromasteryVersion]
    ) -> HttpResponse | None:
        return self._run_on_selection(request, queryset, "archive")


# --- Micromasteries: identity, topics and version history ---------------------------------


class VersionHistoryInline(OrganizationScopedInlineMixin, admin.TabularInline[Any, Any]):
    model = MicromasteryVersion
    roles = AUTHOR_ROLES
    fields = ["version_link", "status", "created_by", "published_at", "updated_at"]
    readonly_fields = ["version_link", "status", "created_by", "published_at", "updated_at"]
    ordering = ["-number"]
    extra = 0
    can_delete = False
    verbose_name = "version"
    verbose_name_plural = "version history"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("created_by")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Version")
    def version_link(self, version: MicromasteryVersion) -> str:
        return format_html(
            '<a href="{}">v{}: {}</a>',
            reverse("admin:courses_micromasteryversion_change", args=[version.pk]),
            version.number,
            version.title,
        )


class MicromasteryStartForm(forms.Form):
    title = forms.CharField(
        max_length=120,
        help_text="Name the skill as a doable action, e.g. “Run a 15-minute stand-up”. You "
        "can change it later.",
    )
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Optional: where learners find it in the catalog.",
    )

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        topics_field: Any = self.fields["topics"]
        topics_field.queryset = scope_to_organization(Topic.objects.all(), request)
        user: Any = request.user
        if user.is_superuser:
            self.fields["organization"] = forms.ModelChoiceField(
                queryset=Organization.objects.all()
            )


@admin.register(Micromastery)
class MicromasteryAdmin(OrganizationScopedAdmin):
    roles = AUTHOR_ROLES
    inlines = [VersionHistoryInline]
    list_display = ["slug", "latest_title", "version_statuses", "topic_names", "updated_at"]
    search_fields = ["slug", "versions__title"]
    fields = ["organization", "slug", "topics", "created_by"]
    readonly_fields = ["organization", "slug", "created_by"]
    filter_horizontal = ["topics"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Micromastery]:
        return super().get_queryset(request).prefetch_related("topics", "versions")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A micromastery goes away with its last draft (see the version page), never with
        # learners' history attached.
        return False

    @admin.display(description="Title")
    def latest_title(self, micromastery: Micromastery) -> str:
        versions = sorted(micromastery.versions.all(), key=lambda version: version.number)
        return versions[-1].title if versions else ""

    @admin.display(description="Versions")
    def version_statuses(self, micromastery: Micromastery) -> str:
        versions = sorted(micromastery.versions.all(), key=lambda version: version.number)
        return ", ".join(
            f"v{version.number} {version.get_status_display().lower()}" for version in versions
        )

    @admin.display(description="Topics")
    def topic_names(self, micromastery: Micromastery) -> str:
        return ", ".join(topic.name for topic in micromastery.topics.all())

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Start a micromastery from a title; the author lands on its first draft."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = MicromasteryStartForm(request.POST or None, request=request)
        if request.method == "POST" and form.is_valid():
            user: Any = request.user
            organization = form.cleaned_data.get("organization") or user.organization
            try:
                draft = services.micromastery_create(
                    organization=organization,
                    by=user,
                    title=form.cleaned_data["title"],
                    topics=form.cleaned_data["topics"],
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                self.log_addition(request, draft.micromastery, [{"added": {}}])
                self.message_user(
                    request,
                    f"“{draft.title}” is started. Fill in the four elements, then publish.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:courses_micromasteryversion_change", args=[draft.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Start a micromastery",
            "opts": self.opts,
            "form": form,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/courses/micromastery/start_form.html", context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            services.micromastery_set_topics(micromastery=obj, topics=form.cleaned_data["topics"])
        except ApplicationError as error:
            raise ServiceRefused(error) from error

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Topics were saved by the service; the version history is read-only."""

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> Any:
        return construct_change_message(form, [], add)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            self.message_user(request, refused.error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


# --- Topics -------------------------------------------------------------------------------


@admin.register(Topic)
class TopicAdmin(OrganizationScopedAdmin):
    roles = AUTHOR_ROLES
    list_display = ["name", "slug", "micromastery_count"]
    search_fields = ["name", "slug"]
    fields = ["organization", "name", "slug"]
    readonly_fields = ["slug"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Topic]:
        return (
            super()
            .get_queryset(request)
            .annotate(micromastery_total=Count("micromasteries", distinct=True))
        )

    @admin.display(description="Micromasteries", ordering="micromastery_total")
    def micromastery_count(self, topic: Any) -> int:
        return int(topic.micromastery_total)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            services.topic_rename(topic=obj, name=form.cleaned_data["name"])
            return
        topic = services.topic_upsert(
            organization=form.cleaned_data["organization"], name=form.cleaned_data["name"]
        )
        # The admin goes on with the row the service created (or found).
        obj.pk, obj.slug, obj.name = topic.pk, topic.slug, topic.name
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.topic_delete(topic=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for topic in queryset:
            services.topic_delete(topic=topic)


# --- Courses ------------------------------------------------------------------------------


class CourseItemInline(OrganizationScopedInlineMixin, SortableTabularInline):
    model = CourseItem
    roles = AUTHOR_ROLES
    fields = ["micromastery"]
    verbose_name = "micromastery"
    verbose_name_plural = "micromasteries, in the order learners take them"

    def get_extra(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        return 0 if obj is not None and obj.items.exists() else 1


@admin.register(Course)
class CourseAdmin(SortableAdminBase, OrganizationScopedAdmin):
    roles = AUTHOR_ROLES
    inlines = [CourseItemInline]
    list_display = ["title", "slug", "status", "micromastery_count", "updated_at"]
    list_filter = ["status"]
    search_fields = ["title", "slug"]
    fields = ["organization", "title", "slug", "summary", "status"]
    prepopulated_fields = {"slug": ["title"]}
    actions = ["publish_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Course]:
        return super().get_queryset(request).annotate(item_total=Count("items", distinct=True))

    @admin.display(description="Micromasteries", ordering="item_total")
    def micromastery_count(self, course: Any) -> int:
        return int(course.item_total)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The slug names the course for course_upsert, so it is fixed once created.
        return ["status"] if obj is None else ["status", "slug"]

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.prepopulated_fields if obj is None else {}

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Nothing is written here: ``save_related`` saves the course with its items."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        items: list[dict[str, Any]] = []
        for formset in formsets:
            if formset.model is CourseItem:
                items = formset_rows(formset, ["micromastery"])
        course = form.instance
        try:
            saved = services.course_upsert(
                organization=form.cleaned_data.get("organization") or course.organization,
                slug=form.cleaned_data.get("slug") or course.slug,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                micromasteries=[item["micromastery"] for item in items],
            )
        except ApplicationError as error:
            raise ServiceRefused(error) from error
        # The admin goes on (history, redirect) with the row the service saved.
        course.pk = saved.pk
        course._state.adding = False

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> Any:
        return construct_change_message(form, [], add)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            self.message_user(
                request, f"Nothing was saved. {refused.error.message}", messages.ERROR
            )
            return HttpResponseRedirect(request.get_full_path())

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<path:object_id>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="courses_course_publish",
            ),
            *super().get_urls(),
        ]

    def publish_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_permission(request):
            raise PermissionDenied
        course = self.get_object(request, unquote(object_id))
        self._publish(request, course)
        return HttpResponseRedirect(reverse("admin:courses_course_change", args=[course.pk]))

    def _publish(self, request: HttpRequest, course: Course) -> None:
        try:
            services.course_publish(course=course)
        except ApplicationError as error:
            self.message_user(
                request, f"“{course.title}” is not published yet. {error.message}", messages.ERROR
            )
        else:
            self.message_user(request, f"“{course.title}” is published.", messages.SUCCESS)

    @admin.action(description="Publish the selected courses")
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        for course in queryset:
            self._publish(request, course)
