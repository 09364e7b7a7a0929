from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from accounts import policies
from accounts.models import Team, User
from courses.models import Course, Micromastery, MicromasteryVersion, PublicationStatus
from micromastery.common.models import max_length_of
from practice.cohorts.models import Cohort


def work_choices(organization_id: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """Published micromasteries and courses of the organization, as one grouped choice."""
    versions = (
        MicromasteryVersion.objects.filter(
            micromastery__organization_id=organization_id, status=PublicationStatus.PUBLISHED
        )
        .order_by("title")
        .only("title", "micromastery_id")
    )
    courses = Course.objects.filter(
        organization_id=organization_id, status=PublicationStatus.PUBLISHED
    ).order_by("title")
    groups = [(gettext("Micromasteries"), [(f"m:{v.micromastery_id}", v.title) for v in versions])]
    course_choices = [(f"c:{course.pk}", course.title) for course in courses]
    if course_choices:
        groups.append((gettext("Courses"), course_choices))
    return groups


class AssignForm(forms.Form):
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one team.")},
    )
    work = forms.ChoiceField(
        label=_("Micromastery or course"),
        help_text=_("Only published work can be assigned."),
    )
    name = forms.CharField(
        label=_("Cohort name"),
        max_length=max_length_of(Cohort, "name"),
        required=False,
        help_text=_("Leave empty to name it after the work and the teams."),
    )
    starts_on = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    due_on = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Optional. Learners have until the end of this day, in their own time zone."),
    )
    kickoff_at = forms.DateTimeField(
        label=_("Kickoff (date and time)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_(
            "Optional: a short session where the Context and the Way In are presented. "
            "In your time zone; everyone gets a calendar invitation."
        ),
    )
    kickoff_minutes = forms.IntegerField(
        label=_("Kickoff length (minutes)"), min_value=10, max_value=480, initial=60, required=False
    )
    kickoff_location = forms.CharField(
        label=_("Kickoff place"),
        max_length=max_length_of(Cohort, "kickoff_location"),
        required=False,
    )
    kickoff_url = forms.URLField(
        label=_("Kickoff video link"),
        max_length=max_length_of(Cohort, "kickoff_url"),
        required=False,
        assume_scheme="https",
    )
    facilitator = forms.ModelChoiceField(
        label=_("Facilitator"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, viewer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organization_id = viewer.organization_id or 0
        teams = policies.teams_visible_to(viewer).filter(organization_id=organization_id)
        teams_field = self.fields["teams"]
        assert isinstance(teams_field, forms.ModelMultipleChoiceField)
        teams_field.queryset = teams.order_by("name")
        work_field = self.fields["work"]
        assert isinstance(work_field, forms.ChoiceField)
        work_field.choices = [
            ("", pgettext("empty choice", "Choose…")),
            *work_choices(organization_id),
        ]
        facilitator_field = self.fields["facilitator"]
        assert isinstance(facilitator_field, forms.ModelChoiceField)
        facilitator_field.queryset = User.objects.filter(
            organization_id=organization_id, is_active=True
        )
        self.fields["starts_on"].initial = timezone.localdate()
        self.organization_id = organization_id

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        work = cleaned.get("work") or ""
        kind, _, pk = work.partition(":")
        cleaned["micromastery"] = cleaned["course"] = None
        if kind == "m":
            cleaned["micromastery"] = Micromastery.objects.filter(
                pk=pk, organization_id=self.organization_id
            ).first()
        elif kind == "c":
            cleaned["course"] = Course.objects.filter(
                pk=pk, organization_id=self.organization_id
            ).first()
        if not cleaned.get("name") and work and cleaned.get("teams"):
            title = dict(
                choice for _, group in work_choices(self.organization_id) for choice in group
            ).get(work, "")
            team_names = ", ".join(team.name for team in cleaned["teams"])
            cleaned["name"] = f"{title} · {team_names}"[:150]
        if cleaned.get("kickoff_minutes") is None:
            cleaned["kickoff_minutes"] = 60
        return cleaned

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("work", None)
        return data
