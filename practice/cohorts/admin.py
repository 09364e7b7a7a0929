from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts import policies
from micromastery.common.admin import OrganizationScopedAdmin
from micromastery.common.errors import ApplicationError
from practice.cohorts import services as cohort_services
from practice.cohorts.models import Cohort, CohortMembership

COHORT_FIELDS = [
    "organization",
    "name",
    "micromastery",
    "course",
    "teams",
    "people",
    "starts_on",
    "due_on",
    "kickoff_at",
    "kickoff_minutes",
    "kickoff_location",
    "kickoff_url",
    "facilitator",
]
# What a cohort practises and when it started stay as assigned; a different piece of work
# is a new cohort.
FIXED_AFTER_ASSIGNING = ["organization", "micromastery", "course", "starts_on"]


class CohortAdminForm(forms.ModelForm[Cohort]):
    """Shows the assignment rules of the cohort services next to the fields they are about."""

    request: HttpRequest

    class Meta:
        model = Cohort
        fields = COHORT_FIELDS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        user: Any = self.request.user
        instance = self.instance
        organization = cleaned.get("organization") or (
            instance.organization if instance.pk else user.organization
        )
        if organization is None:
            self.add_error(
                "organization", gettext("Choose the organization the cohort belongs to.")
            )
            return cleaned
        errors = cohort_services.cohort_assignment_errors(
            by=user,
            organization=organization,
            name=cleaned.get("name") or "",
            micromastery=instance.micromastery if instance.pk else cleaned.get("micromastery"),
            course=instance.course if instance.pk else cleaned.get("course"),
            teams=list(cleaned.get("teams") or []),
            people=list(cleaned.get("people") or []),
            starts_on=instance.starts_on if instance.pk else cleaned.get("starts_on"),
            due_on=cleaned.get("due_on"),
            kickoff_at=cleaned.get("kickoff_at"),
            kickoff_location=cleaned.get("kickoff_location") or "",
            kickoff_url=cleaned.get("kickoff_url") or "",
            facilitator=cleaned.get("facilitator"),
        )
        if instance.pk:
            # Work archived after it was assigned does not block changing dates or members.
            errors.pop("micromastery", None)
            errors.pop("course", None)
        for field, field_messages in errors.items():
            target = field if field in self.fields and field not in self.errors else None
            for message in field_messages:
                self.add_error(target, message)
        return cleaned


class CohortMembershipInline(admin.TabularInline[CohortMembership, Cohort]):
    model = CohortMembership
    extra = 0
    can_delete = False
    fields = ["learner", "added_at", "notified_at", "removed_at"]
    readonly_fields = ["learner", "added_at", "notified_at", "removed_at"]
    verbose_name_plural = _("Members (removing someone keeps their practice)")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[CohortMembership]:
        return super().get_queryset(request).select_related("learner")


@admin.register(Cohort)
class CohortAdmin(OrganizationScopedAdmin):
    """Assigning from the admin goes through the same service as the manager page and the
    API: saving a new cohort enrols and notifies its members."""

    form = CohortAdminForm
    roles = ("is_org_admin", "is_author")
    visible_to = staticmethod(policies.cohorts_visible_to)
    list_display = ["name", "organization", "work", "starts_on", "due_on", "assigned_by"]
    list_select_related = ["organization", "micromastery", "course", "assigned_by"]
    search_fields = ["name"]
    filter_horizontal = ["teams", "people"]
    inlines = [CohortMembershipInline]
    actions = ["sync_members"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return FIXED_AFTER_ASSIGNING if obj is not None else []

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        # The rules depend on who assigns (a manager may only pick their teams).
        form.request = request  # type: ignore[attr-defined]
        return form

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The record of who was assigned what stays; take members out instead.
        user: Any = request.user
        return bool(user.is_superuser)

    @admin.display(description=_("Micromastery or course"))
    def work(self, cohort: Cohort) -> str:
        return str(cohort.course or cohort.micromastery)

    def save_model(self, request: HttpRequest, obj: Cohort, form: Any, change: bool) -> None:
        user: Any = request.user
        data = form.cleaned_data
        common = {
            "name": data["name"],
            "teams": data.get("teams") or [],
            "people": data.get("people") or [],
            "due_on": data.get("due_on"),
            "kickoff_at": data.get("kickoff_at"),
            "kickoff_minutes": data.get("kickoff_minutes") or 60,
            "kickoff_location": data.get("kickoff_location") or "",
            "kickoff_url": data.get("kickoff_url") or "",
            "facilitator": data.get("facilitator"),
        }
        if change:
            outcome = cohort_services.cohort_update(cohort=obj, by=user, **common)
        else:
            outcome = cohort_services.cohort_assign(
                by=user,
                organization=data.get("organization") or user.organization,
                micromastery=data.get("micromastery"),
                course=data.get("course"),
                starts_on=data["starts_on"],
                **common,
            )
        # The admin logs and redirects to the object it handed in: give it the saved row.
        obj.pk = outcome.cohort.pk
        obj._state.adding = False
        self.message_user(request, outcome.summary, messages.SUCCESS)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The service set teams and people; the membership inline is read-only.
        return None

    @admin.action(description=_("Enrol people who joined the cohorts' teams since"))
    def sync_members(self, request: HttpRequest, queryset: QuerySet[Cohort]) -> None:
        enrolled = 0
        for cohort in queryset:
            try:
                enrolled += len(cohort_services.cohort_sync(cohort=cohort).enrolled)
            except ApplicationError as error:
                self.message_user(request, f"{cohort}: {error.message}", messages.ERROR)
        self.message_user(
            request,
            ngettext("Enrolled %(count)d new member.", "Enrolled %(count)d new members.", enrolled)
            % {"count": enrolled},
            messages.SUCCESS,
        )
