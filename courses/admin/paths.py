"""Courses: ordered paths of micromasteries."""

from __future__ import annotations

from typing import Any

from adminsortable2.admin import CustomInlineFormSet, SortableAdminBase, SortableTabularInline
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from courses import services
from courses.admin.authoring import (
    AUTHOR_ROLES,
    ServiceRefused,
    ServiceSavedAdminMixin,
    formset_rows,
)
from courses.models import (
    Course,
    CourseItem,
)
from micromastery.common.admin import (
    OrganizationScopedAdmin,
    OrganizationScopedInlineMixin,
)
from micromastery.common.errors import ApplicationError


class LabelledRowsFormSet(CustomInlineFormSet):
    """A table row's fields named for assistive technology: the column headings of a
    tabular inline are not their labels (axe: label, select-name)."""

    def add_fields(self, form: Any, index: int | None) -> None:
        super().add_fields(form, index)
        for name, field in form.fields.items():
            if name == "DELETE":
                field.widget.attrs["aria-label"] = (
                    gettext("Remove new row")
                    if index is None
                    else gettext("Remove row %(number)s") % {"number": index + 1}
                )
            elif not field.widget.is_hidden:
                # The admin wraps a foreign key's select (with "add" links): label the select.
                widget = getattr(field.widget, "widget", field.widget)
                names = {"field": field.label or name, "number": (index or 0) + 1}
                widget.attrs["aria-label"] = (
                    gettext("%(field)s, new row") % names
                    if index is None
                    else gettext("%(field)s, row %(number)s") % names
                )


class CourseItemInline(OrganizationScopedInlineMixin, SortableTabularInline):
    model = CourseItem
    formset = LabelledRowsFormSet
    roles = AUTHOR_ROLES
    fields = ["micromastery"]
    verbose_name = _("micromastery")
    verbose_name_plural = _("micromasteries, in the order learners take them")

    def get_extra(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        return 0 if obj is not None and obj.items.exists() else 1


@admin.register(Course)
class CourseAdmin(ServiceSavedAdminMixin, SortableAdminBase, OrganizationScopedAdmin):
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

    @admin.display(description=_("Micromasteries"), ordering="item_total")
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
                request,
                " ".join(
                    [
                        pgettext("a course", "“%(title)s” is not published yet.")
                        % {"title": course.title},
                        error.message,
                    ]
                ),
                messages.ERROR,
            )
        else:
            self.message_user(
                request,
                pgettext("a course", "“%(title)s” is published.") % {"title": course.title},
                messages.SUCCESS,
            )

    @admin.action(description=_("Publish the selected courses"))
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        for course in queryset:
            self._publish(request, course)
