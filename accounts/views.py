from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import ProfileForm
from accounts.languages import request_language
from accounts.models import User
from accounts.sso.selectors import password_sign_in_refusal
from accounts.tokens import INVITATION_MAX_AGE, invitation_token_generator
from micromastery.common.errors import ApplicationError
from micromastery.common.forms import form_add_application_error


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = ProfileForm(
        request.POST or None,
        initial={
            "display_name": user.display_name,
            "time_zone": user.time_zone,
            "work_starts_at": user.work_starts_at,
            "work_ends_at": user.work_ends_at,
            "working_days": user.working_days,
            "language": user.language,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(user=user, **form.cleaned_data)
        except ApplicationError as error:
            form_add_application_error(form, error)
        else:
            # Say it in the language just chosen: the next page speaks it too.
            translation.activate(request_language(request, user))
            messages.success(request, gettext("Your profile is saved."))
            return redirect("accounts:account")
    return render(request, "accounts/account.html", {"form": form})


def _invited_person(uidb64: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    return User.objects.filter(pk=pk).first()


@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The page an invitation email links to: choose a password, then you are signed in."""
    person = _invited_person(uidb64)
    if (
        person is None
        or not person.is_active
        or not invitation_token_generator.check_token(person, token)
    ):
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"days": INVITATION_MAX_AGE.days},
            status=400,
        )
    refusal = password_sign_in_refusal(email=person.email)
    if refusal:
        # The organization signs in through its provider: there is no password to choose.
        messages.info(request, refusal)
        return redirect("login")
    form = SetPasswordForm(person, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_accept(
                user=person, token=token, password=form.cleaned_data["new_password1"]
            )
        except ApplicationError as error:
            form_add_application_error(form, error)
        else:
            login(request, person, backend="accounts.backends.PasswordBackend")
            messages.success(
                request,
                gettext("Welcome, %(name)s. Your password is set.")
                % {"name": person.get_short_name()},
            )
            return redirect("home")
    return render(request, "accounts/invitation_accept.html", {"form": form, "person": person})
