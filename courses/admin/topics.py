"""Topics, the labels learners browse the catalog by."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from courses import services
from courses.admin.authoring import (
    AUTHOR_ROLES,
)
from courses.models import (
    Topic,
)
from micromastery.common.admin import (
    OrganizationScopedAdmin,
)


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

    @admin.display(description=_("Micromasteries"), ordering="micromastery_total")
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
