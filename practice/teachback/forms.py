"""Forms of the teach-back pages. They parse input; the rules live in the services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from micromastery.common.models import max_length_of
from practice.teachback.models import TeachBackInvite, TeachBackSession

OTHER_TIME = "other"
CLARITY_CHOICES = [
    (1, _("1 · Lost me")),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, _("5 · Crystal clear")),
]


class LocalDateTimeInput(forms.DateTimeInput):
    """A datetime-local input; the value is read in the viewer's active time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _zone_help(zone_name: str) -> str:
    return gettext("In your time zone, %(zone)s.") % {"zone": zone_name}


def _colleagues(teacher: User) -> Any:
    return User.objects.filter(
        organization_id=teacher.organization_id or 0, is_active=True
    ).exclude(pk=teacher.pk)


class ColleagueSearchForm(forms.Form):
    """The search box of the proposal page: bounded, and without the NUL characters that
    PostgreSQL refuses in a query."""

    q = forms.CharField(required=False, max_length=100)


class AudienceForm(forms.Form):
    audience = forms.ModelMultipleChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, teacher: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["audience"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = _colleagues(teacher)
        field.error_messages["invalid_choice"] = gettext("Pick colleagues of your organization.")


class ScheduleFields(forms.Form):
    location = forms.CharField(
        label=_("Place"),
        max_length=max_length_of(TeachBackSession, "location"),
        required=False,
        help_text=_("A meeting room, a desk area, a café: where people come to."),
    )
    video_url = forms.CharField(
        label=_("Video link"),
        max_length=max_length_of(TeachBackSession, "video_url"),
        required=False,
        help_text=_("For colleagues who join remotely. A place, a link, or both."),
        widget=forms.URLInput,
    )


class ConfirmForm(ScheduleFields):
    """Pick one of the candidate slots or set a time by hand (in the teacher's zone)."""

    slot = forms.ChoiceField(
        label=_("When"), widget=forms.RadioSelect, required=False, choices=[(OTHER_TIME, "")]
    )
    starts_at = forms.DateTimeField(
        label=_("Another time"),
        required=False,
        widget=LocalDateTimeInput,
    )
    duration_minutes = forms.IntegerField(
        label=_("Length in minutes"), min_value=10, max_value=180, initial=30
    )

    field_order = ["slot", "starts_at", "duration_minutes", "location", "video_url"]

    def __init__(self, *args: Any, session: TeachBackSession, zone_name: str, **kwargs: Any):
        kwargs.setdefault(
            "initial",
            {
                "slot": session.proposed_slots[0] if session.proposed_slots else OTHER_TIME,
                "duration_minutes": session.duration_minutes,
            },
        )
        super().__init__(*args, **kwargs)
        slot = self.fields["slot"]
        assert isinstance(slot, forms.ChoiceField)
        slot.choices = [(value, value) for value in session.proposed_slots] + [
            (OTHER_TIME, gettext("Another time"))
        ]
        self.fields["starts_at"].help_text = _zone_help(zone_name)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        slot = cleaned.get("slot") or OTHER_TIME
        if slot != OTHER_TIME:
            cleaned["when"] = datetime.fromisoformat(slot)
        elif cleaned.get("starts_at"):
            cleaned["when"] = cleaned["starts_at"]
        elif "starts_at" not in self.errors:
            self.add_error("starts_at", gettext("Pick one of the times or set another time."))
        return cleaned


class RescheduleForm(ScheduleFields):
    starts_at = forms.DateTimeField(label=_("New time"), widget=LocalDateTimeInput)

    field_order = ["starts_at", "location", "video_url"]

    def __init__(self, *args: Any, zone_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].help_text = _zone_help(zone_name)


class AttendanceForm(forms.Form):
    attended = forms.ModelMultipleChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, session: TeachBackSession, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["attended"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = User.objects.filter(teachback_invites__session=session)
        field.error_messages["invalid_choice"] = gettext("Only invited colleagues can be marked.")


class FeedbackForm(forms.Form):
    clarity = forms.TypedChoiceField(
        label=_("How clear was it?"),
        choices=CLARITY_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Tap how clear it was, from 1 to 5.")},
    )
    will_try = forms.BooleanField(label=_("I will try this at work"), required=False)
    comment = forms.CharField(
        label=_("Anything to add?"),
        required=False,
        max_length=max_length_of(TeachBackInvite, "feedback_comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What helped, what was unclear. Your teacher sees it with your name."),
    )
