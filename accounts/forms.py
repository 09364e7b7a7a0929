from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.languages import person_language
from accounts.models import ISO_WEEKDAYS, Organization, User, time_zone_names
from accounts.sso.selectors import password_sign_in_refusal
from accounts.working_hours import working_hours_problem
from micromastery.common.outbox import MessageKind, OutgoingEmail, emails_enqueue


class EmailStepForm(forms.Form):
    """The sign-in page's first question: people of an organization with single sign-on go
    to their provider from here, everyone else is asked for a password next."""

    username = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class PasswordSignInRefusal:
    """For the sign-in forms that check a password (ours and the admin's): people whose
    organization requires single sign-on are told so instead of a password error."""

    data: Any

    def clean(self) -> dict[str, Any]:
        refusal = password_sign_in_refusal(email=str(self.data.get("username") or ""))
        if refusal:
            raise forms.ValidationError(refusal, code="single_sign_on_required")
        return super().clean()  # type: ignore[misc]


class EmailAuthenticationForm(PasswordSignInRefusal, AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    error_messages = {
        # One message whether the email is unknown or the password is wrong.
        "invalid_login": _(
            "That email and password do not match an account. Check both and "
            "try again, or reset your password."
        ),
        "inactive": _("This account is inactive. Ask your organization's admin to reactivate it."),
    }


class AdminSignInForm(PasswordSignInRefusal, AdminAuthenticationForm):
    pass


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Your name"), max_length=150)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("Times on every page, and practice reminders, follow this zone."),
    )
    work_starts_at = forms.TimeField(
        label=_("Working hours start"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    work_ends_at = forms.TimeField(
        label=_("Working hours end"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    working_days = forms.TypedMultipleChoiceField(
        label=_("Working days"),
        choices=list(ISO_WEEKDAYS.items()),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Reminders only arrive inside your working hours on these days."),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Automatic (your browser's language)")), *settings.LANGUAGES],
        help_text=_("Pages, emails and reminders reach you in this language."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(name, name.replace("_", " ")) for name in sorted(time_zone_names())]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("work_starts_at"), cleaned.get("work_ends_at")
        problem = working_hours_problem(starts, ends)
        if problem:
            self.add_error("work_ends_at", problem)
        return cleaned


class PasswordLinkForm(PasswordResetForm):
    """Password reset that also reaches people who never set a password.

    People added by an org admin start without one; the same link lets them choose it.
    """

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        refusal = password_sign_in_refusal(email=email)
        if refusal:
            raise forms.ValidationError(refusal, code="single_sign_on_required")
        return email

    def get_users(self, email: str) -> Iterator[Any]:
        return iter(User.objects.filter(email__iexact=email.strip(), is_active=True))

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        """Hand the link to the outbox instead of the mail server: a worker delivers it.

        Transactional: sent whatever the person's nudge settings. The key is the link's
        token, so one request is one email and a new request is a new email.
        """
        user = context["user"]
        with translation.override(person_language(user)):
            email = OutgoingEmail(
                recipient_id=user.pk,
                to=to_email,
                kind=MessageKind.PASSWORD_RESET,
                key=f"password-reset:{user.pk}:{context['token']}",
                subject=render_to_string(subject_template_name, context),
                text=render_to_string(email_template_name, context),
                html=(
                    render_to_string(html_email_template_name, context)
                    if html_email_template_name
                    else ""
                ),
            )
        emails_enqueue(emails=[email])


class PeopleImportForm(forms.Form):
    """Upload a people CSV. Org admins import into their own organization; a platform
    superuser, who belongs to none, chooses one."""

    organization = forms.ModelChoiceField(
        queryset=Organization.objects.all(),
        label=_("Organization"),
        help_text=_("The organization the people join."),
    )
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8, comma or semicolon separated, with the column names on the first line."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: Any, viewer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        if not viewer.is_superuser:
            del self.fields["organization"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.viewer.is_superuser:
            cleaned["organization"] = self.viewer.organization
        return cleaned
