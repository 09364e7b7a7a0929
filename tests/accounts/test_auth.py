import pytest
from django.urls import reverse

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

GENERIC_LOGIN_ERROR = "That email and password do not match an account"


def test_login_with_email_any_case_signs_in(client, learner):
    response = client.post(
        reverse("login"), {"username": "Learner@ACME.example", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("email", ["learner@acme.example", "nobody@acme.example"])
def test_login_wrong_credentials_same_message_whether_email_exists(client, learner, email):
    response = client.post(reverse("login"), {"username": email, "password": "wrong-password"})
    assert response.status_code == 200
    assert GENERIC_LOGIN_ERROR in response.content.decode()


@pytest.mark.parametrize("email", ["learner@acme.example", "nobody@acme.example"])
def test_login_locks_out_after_repeated_failures_without_telling_if_email_exists(
    client, learner, email
):
    for _ in range(5):
        client.post(reverse("login"), {"username": email, "password": "wrong-password"})
    response = client.post(reverse("login"), {"username": email, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_login_lockout_counts_email_case_variants_together(client, learner):
    for variant in ["learner@acme.example", "LEARNER@acme.example", "Learner@Acme.Example"] * 2:
        client.post(reverse("login"), {"username": variant, "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": "learner@acme.example", "password": TEST_PASSWORD}
    )
    assert response.status_code == 429


def test_logout_is_a_post_and_ends_the_session(client, learner):
    client.force_login(learner)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_pages_require_sign_in(client):
    for name in ["home", "accounts:account", "password_change"]:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_password_reset_sends_a_link_that_sets_a_new_password(
    client, learner, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the outbox delivers on commit
        response = client.post(reverse("password_reset"), {"email": "LEARNER@acme.example"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = next(line for line in mailoutbox[0].body.splitlines() if "/password/reset/" in line)
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    assert response.status_code == 200
    form_path = response.redirect_chain[-1][0]
    response = client.post(
        form_path, {"new_password1": "A-fresh-phrase-42", "new_password2": "A-fresh-phrase-42"}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("login"), {"username": "learner@acme.example", "password": "A-fresh-phrase-42"}
    )
    assert response.status_code == 302


def test_password_reset_unknown_email_looks_the_same_and_sends_nothing(client, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "nobody@acme.example"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []


def test_password_reset_forged_link_is_refused(client, learner):
    response = client.get(
        reverse("password_reset_confirm", args=["MQ", "forged-token"]), follow=True
    )
    assert "This link no longer works" in response.content.decode()


def test_password_change_requires_old_password(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "Another-42-x", "new_password2": "Another-42-x"},
    )
    assert response.status_code == 200
    learner.refresh_from_db()
    assert learner.check_password(TEST_PASSWORD)
