from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.forms import EmailAuthenticationForm, EmailStepForm
from accounts.models import normalize_email
from accounts.sso import oidc, services
from accounts.sso.models import SingleSignOn
from accounts.sso.selectors import single_sign_on_for_email
from micromastery.common.errors import ApplicationError

# Where to go after the provider, kept in the session across the round trip.
NEXT_SESSION_KEY = "sso_next"
# The session of a provider's sign-in is bound to Django's own backend, which reads it back.
SESSION_BACKEND = "accounts.backends.PasswordBackend"


class SignInView(LoginView):
    """Email first: people of an organization with single sign-on continue at their
    provider; everyone else is asked for their password on the next step.

    A POST that carries a password is the classic sign-in, so scripts and the second
    step post the same form as before.
    """

    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("method") == "password":
            return super().get(request, *args, **kwargs)
        return self._email_step(EmailStepForm())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "password" in request.POST:
            return super().post(request, *args, **kwargs)
        form = EmailStepForm(request.POST)
        if not form.is_valid():
            return self._email_step(form)
        email = normalize_email(form.cleaned_data["username"])
        single_sign_on = single_sign_on_for_email(email=email)
        if single_sign_on is None:
            password_form = self.get_form_class()(request, initial={"username": email})
            # The email is in; the cursor waits in the password.
            password_form.fields["username"].widget.attrs.pop("autofocus", None)
            password_form.fields["password"].widget.attrs["autofocus"] = True
            return self.render_to_response(self.get_context_data(form=password_form))
        request.session[NEXT_SESSION_KEY] = self.get_success_url()
        try:
            authorization_url = oidc.authorization_url(
                request, single_sign_on=single_sign_on, login_hint=email
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
            return self._email_step(form)
        # A page that moves on by itself rather than a redirect: the sign-in form's
        # Content-Security-Policy (form-action 'self') rightly stops a form submission
        # from being redirected to another site, and a refresh is a plain navigation.
        return render(
            request,
            "registration/sso_continue.html",
            {"authorization_url": authorization_url, "organization": single_sign_on.organization},
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["step"] = "email" if isinstance(context["form"], EmailStepForm) else "password"
        return context

    def _email_step(self, form: EmailStepForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form))


@never_cache
@require_GET
def sso_callback(request: HttpRequest, slug: str) -> HttpResponse:
    """Where the provider sends the browser back with a code.

    A GET by the protocol (the provider redirects; a cross-site POST would arrive without
    the session cookie that holds ``state``), and safe to open twice: the ``state`` is
    spent on first use and a code is good once.
    """
    single_sign_on = get_object_or_404(
        SingleSignOn.objects.enabled().select_related("organization"), organization__slug=slug
    )
    try:
        claims = oidc.authorization_complete(request, single_sign_on=single_sign_on)
        person = services.sso_person_sign_in(single_sign_on=single_sign_on, claims=claims)
    except ApplicationError as error:
        return render(
            request,
            "registration/login.html",
            {"form": EmailStepForm(), "step": "email", "sign_in_error": error.message},
            status=400,
        )
    next_url = request.session.pop(NEXT_SESSION_KEY, None)
    login(request, person, backend=SESSION_BACKEND)
    return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
