"""A directory gives a person's language with SCIM preferredLanguage."""

import pytest

from accounts.languages import person_language
from accounts.models import User
from tests.accounts.scim.conftest import user_body

pytestmark = pytest.mark.django_db


def test_scim_preferred_language_sets_the_persons_language(scim):
    response = scim.post("Users", user_body("ana@acme.example", preferredLanguage="de-CH"))
    assert response.status_code == 201, response.content
    assert response.json()["preferredLanguage"] == "de-CH"
    person = User.objects.get(pk=response.json()["id"])
    assert person.directory_language == "de"
    assert person_language(person) == "de"


def test_scim_preferred_language_we_do_not_speak_leaves_the_browser_to_decide(scim):
    response = scim.post("Users", user_body("kenji@acme.example", preferredLanguage="ja-JP"))
    assert response.status_code == 201, response.content
    person = User.objects.get(pk=response.json()["id"])
    assert person.directory_language == ""
