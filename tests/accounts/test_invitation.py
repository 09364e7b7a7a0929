import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import User
from accounts.people_import import parse_people_csv
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "A-fresh-phrase-42"


def invite(organization, org_admin, capture, email="newcomer@acme.example"):
    people_import = services.people_import_create(
        organization=organization,
        uploaded_by=org_admin,
        file_name="people.csv",
        rows=parse_people_csv(f"email,name\n{email},Nia Newcomer\n".encode()),
    )
    with capture(execute=True):
        services.people_import_apply(people_import=people_import, by=org_admin)
    return User.objects.get(email=email)


def link_path(message):
    link = re.search(r"https?://\S+/account/welcome/\S+/", message.body).group(0)
    return urlsplit(link).path


def choose_password(client, path, password=NEW_PASSWORD):
    return client.post(path, {"new_password1": password, "new_password2": password})


def test_invitation_email_has_text_and_html_with_the_link(
    organization, org_admin, django_capture_on_commit_callbacks, mailoutbox
):
    invite(organization, org_admin, django_capture_on_commit_callbacks)
    (message,) = mailoutbox
    assert message.to == ["newcomer@acme.example"]
    assert message.subject == "Acme invites you to Micromastery"
    assert "Hello Nia" in message.body
    assert "works once and for 7 days" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert link_path(message) in html


def test_invitation_link_sets_the_password_and_signs_in(
    client, organization, org_admin, django_capture_on_commit_callbacks, mailoutbox
):
    person = invite(organization, org_admin, django_capture_on_commit_callbacks)
    path = link_path(mailoutbox[0])
    page = client.get(path)
    assert page.status_code == 200
    assert "Welcome to Micromastery" in page.content.decode()
    assert 'name="new_password1"' in page.content.decode()

    response = choose_password(client, path)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Your password is set" in home.content.decode()
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)


def test_invitation_link_works_only_once(
    client, organization, org_admin, django_capture_on_commit_callbacks, mailoutbox
):
    person = invite(organization, org_admin, django_capture_on_commit_callbacks)
    path = link_path(mailoutbox[0])
    choose_password(client, path)
    client.logout()

    response = client.get(path)
    assert response.status_code == 400
    assert "This invitation link no longer works" in response.content.decode()
    response = choose_password(client, path, "Someone-else-99")
    assert response.status_code == 400
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)


def test_invitation_link_expires_after_seven_days(
    client, organization, org_admin, django_capture_on_commit_callbacks, mailoutbox
):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        person = invite(organization, org_admin, django_capture_on_commit_callbacks)
        path = link_path(mailoutbox[0])
        traveller.shift(timedelta(days=6, hours=23))
        assert client.get(path).status_code == 200
        traveller.shift(timedelta(hours=2))
        response = choose_password(client, path)
    assert response.status_code == 400
    assert "more than 7 days old" in response.content.decode()
    person.refresh_from_db()
    assert not person.has_usable_password()


@pytest.mark.parametrize(
    "token_of",
    [
        lambda path: path.rsplit("/", 2)[0] + "/1a2b3c-0123456789abcdef/",
        lambda path: "/account/welcome/OTk5OTk5/" + path.rsplit("/", 2)[1] + "/",
        lambda path: "/account/welcome/not-base64/" + path.rsplit("/", 2)[1] + "/",
    ],
    ids=["forged-token", "other-person", "garbled-id"],
)
def test_invitation_forged_link_changes_nothing(
    client, organization, org_admin, django_capture_on_commit_callbacks, mailoutbox, token_of
):
    person = invite(organization, org_admin, django_capture_on_commit_callbacks)
    path = token_of(link_path(mailoutbox[0]))
    response = choose_password(client, path)
    assert response.status_code == 400
    assert "This invitation link no longer works" in response.content.decode()
    person.refresh_from_db()
    assert not person.has_usable_password()
    assert "_auth_user_id" not in client.session


def test_invitation_password_reset_token_does_not_open_an_invitation(client, organization):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    person = UserFactory(organization=organization, email="reset@acme.example")
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    response = client.get(reverse("accounts:invitation_accept", args=[uid, token]))
    assert response.status_code == 400


def test_invitation_weak_password_is_refused_next_to_the_field(
    client, organization, org_admin, django_capture_on_commit_callbacks, mailoutbox
):
    person = invite(organization, org_admin, django_capture_on_commit_callbacks)
    path = link_path(mailoutbox[0])
    response = choose_password(client, path, "12345678")
    assert response.status_code == 200
    assert "This password is too common" in response.content.decode()
    person.refresh_from_db()
    assert not person.has_usable_password()
    # The link still works after a refused attempt.
    assert choose_password(client, path).status_code == 302
