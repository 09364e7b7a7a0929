from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from micromastery.common.admin import OrganizationScopedAdmin
from payoff.models import LearningCost
from payoff.services import learning_cost_set


@admin.register(LearningCost)
class LearningCostAdmin(OrganizationScopedAdmin):
    """L&D cost per micromastery: the dashboard's ROI appears once one is entered."""

    organization_lookup = "micromastery__organization"
    roles = ("is_author", "is_org_admin")
    list_display = ("micromastery", "amount", "note", "updated_at")
    fields = ("micromastery", "amount", "note")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = learning_cost_set(
            micromastery=obj.micromastery,
            amount=obj.amount,
            note=obj.note,
            by=request.user,  # type: ignore[arg-type]
        )
        if saved is not None:
            obj.pk = saved.pk
