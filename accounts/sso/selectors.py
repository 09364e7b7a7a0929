"""Which provider, if any, an email signs in through."""

from __future__ import annotations

from accounts.models import User, normalize_email
from accounts.sso.models import SingleSignOn, email_domain


def single_sign_on_for_email(*, email: str) -> SingleSignOn | None:
    """The enabled provider of the organization this email belongs to, or None.

    A person who exists belongs to their own organization, whatever their domain; anyone
    else belongs to the organization that claims their email's domain.
    """
    email = normalize_email(email)
    providers = SingleSignOn.objects.enabled().select_related("organization")
    person = User.objects.filter(email=email).only("organization_id").first()
    if person is not None:
        if person.organization_id is None:  # a platform superuser signs in with a password
            return None
        return providers.filter(organization_id=person.organization_id).first()
    domain = email_domain(email)
    if not domain:
        return None
    return providers.filter(domains__name=domain).first()


def password_sign_in_refusal(*, email: str) -> str | None:
    """Why this email may not sign in or reset a password with a password, or None."""
    single_sign_on = single_sign_on_for_email(email=email)
    if single_sign_on is None or not single_sign_on.is_required:
        return None
    return (
        f"{single_sign_on.organization} signs in through its single sign-on, not with a "
        "password. Enter your email on the sign-in page to continue to your company's "
        "sign-in page."
    )
