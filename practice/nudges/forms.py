from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import ProfileForm
from practice.nudges.channels.webhook import webhook_url_problem
from practice.nudges.models import TeamWebhook


class NudgePreferencesForm(ProfileForm):
    """When and how to be nudged; working hours and time zone follow the profile's rules."""

    field_order = [
        "subscribed",
        "email_enabled",
        "in_app_enabled",
        "webhook_enabled",
        "paused_until",
        "time_zone",
        "work_starts_at",
        "work_ends_at",
        "working_days",
    ]
    subscribed = forms.BooleanField(
        label=_("Send me practice nudges"),
        required=False,
        help_text=_("Untick to stop every nudge, on every channel."),
    )
    email_enabled = forms.BooleanField(label=_("By email"), required=False)
    in_app_enabled = forms.BooleanField(label=_("In the app (the bell)"), required=False)
    webhook_enabled = forms.BooleanField(
        label=_("In my team's chat (Slack or Teams)"),
        required=False,
        help_text=_("Only when your team has connected its chat."),
    )
    paused_until = forms.DateField(
        label=_("Pause nudges until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Going on holiday? No nudges up to and including this day."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Name and language are the account page's.
        del self.fields["display_name"]
        del self.fields["language"]


class TeamWebhookAdminForm(forms.ModelForm[TeamWebhook]):
    url = forms.URLField(
        label=_("Webhook URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("The incoming-webhook URL from Slack or Microsoft Teams."),
    )

    class Meta:
        model = TeamWebhook
        fields = ["team", "service", "url", "is_active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        problem = webhook_url_problem(url)
        if problem:
            raise forms.ValidationError(problem)
        return url
