"""Bad input and other organizations: SCIM errors with the right status and scimType, and
nothing changes."""

from __future__ import annotations

import pytest

from accounts.models import Team, User
from accounts.scim import services
from accounts.scim.models import DirectoryPerson, DirectoryTeam
from tests.accounts.scim.conftest import (
    ENTERPRISE_SCHEMA,
    ScimClient,
    assert_scim_error,
    group_body,
    patch_body,
    user_body,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(User.objects.order_by("pk").values()),
        list(Team.objects.order_by("pk").values()),
        list(Team.members.through.objects.order_by("pk").values()),
        list(Team.managers.through.objects.order_by("pk").values()),
        list(DirectoryPerson.objects.order_by("pk").values()),
        list(DirectoryTeam.objects.order_by("pk").values()),
    )


@pytest.fixture
def ana(scim):
    return scim.post("Users", user_body("ana@acme.example", external_id="a1")).json()


@pytest.fixture
def dispatch(scim, ana):
    return scim.post("Groups", group_body("Dispatch", [ana["id"]])).json()


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        ('{"userName": "x@acme.example",', "invalidSyntax"),
        ("[1, 2]", "invalidSyntax"),
        (b"\xff\xfe", "invalidSyntax"),
        (
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "new@acme.example",
                "favouriteColour": "teal",
            },
            "invalidSyntax",
        ),
        ({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}, "invalidValue"),
        (user_body("not an email", emails=[]), "invalidValue"),
        (user_body("new@acme.example", timezone="Mars/Olympus"), "invalidValue"),
        (user_body("new@acme.example", manager_id=999999), "invalidValue"),
        (user_body("new@acme.example", given="x" * 200), "invalidValue"),
        (
            user_body(
                "new@acme.example", emails=[{"value": "new@acme.example"}, {"value": "x" * 300}]
            ),
            "invalidValue",
        ),
        (
            user_body(
                "new@acme.example", emails=[{"value": f"{i}@acme.example"} for i in range(11)]
            ),
            "invalidValue",
        ),
    ],
)
def test_users_create_refuses_bad_bodies(scim, ana, body, scim_type):
    before = snapshot()
    assert_scim_error(scim.post("Users", body), 400, scim_type)
    assert snapshot() == before


def test_users_create_refuses_a_taken_user_name(scim, ana):
    before = snapshot()
    body = assert_scim_error(
        scim.post("Users", user_body("ANA@acme.example", external_id="other")), 409, "uniqueness"
    )
    assert ana["id"] in body["detail"]
    assert snapshot() == before


def test_users_create_refuses_an_email_of_another_organization(scim, outsider):
    before = snapshot()
    assert_scim_error(scim.post("Users", user_body(outsider.email)), 409, "uniqueness")
    assert snapshot() == before
    outsider.refresh_from_db()
    assert outsider.organization.slug == "globex"


def test_users_create_refuses_a_domain_another_organization_owns(scim, other_organization):
    other_organization.email_domains = "globex.example"
    other_organization.full_clean()
    other_organization.save()
    before = snapshot()
    body = assert_scim_error(
        scim.post("Users", user_body("newcomer@globex.example")), 409, "uniqueness"
    )
    assert "another organization" in body["detail"]
    assert snapshot() == before


def test_users_replace_refuses_an_email_of_another_organization(scim, ana, outsider):
    before = snapshot()
    assert_scim_error(scim.put(f"Users/{ana['id']}", user_body(outsider.email)), 409, "uniqueness")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("operation", "status", "scim_type"),
    [
        ({"op": "replace", "path": "id", "value": "42"}, 400, "mutability"),
        ({"op": "replace", "path": "active", "value": "perhaps"}, 400, "invalidValue"),
        ({"op": "explode", "path": "active", "value": False}, 400, "invalidValue"),
        ({"op": "replace", "path": "userName", "value": ""}, 400, "invalidValue"),
        (
            {"op": "replace", "path": 'emails[type ne "work"].value', "value": "x@acme.example"},
            400,
            "noTarget",
        ),
        ({"op": "replace", "path": "favouriteColour", "value": "teal"}, 400, "invalidPath"),
        (
            {"op": "add", "path": f"{ENTERPRISE_SCHEMA}:manager", "value": "999999"},
            400,
            "invalidValue",
        ),
    ],
)
def test_users_patch_refuses_bad_operations(scim, ana, operation, status, scim_type):
    before = snapshot()
    response = scim.patch(f"Users/{ana['id']}", patch_body(operation))
    body = assert_scim_error(response, status, response.json().get("scimType"))
    assert body.get("scimType") == scim_type, body
    assert snapshot() == before


def test_users_patch_one_bad_operation_changes_nothing(scim, ana):
    before = snapshot()
    response = scim.patch(
        f"Users/{ana['id']}",
        patch_body(
            {"op": "replace", "path": "displayName", "value": "Changed"},
            {"op": "replace", "path": "active", "value": False},
            {"op": "replace", "path": "timezone", "value": "Nowhere/Land"},
        ),
    )
    assert_scim_error(response, 400, "invalidValue")
    assert snapshot() == before


def test_groups_refuse_bad_members_and_taken_names(scim, ana, dispatch, outsider):
    before = snapshot()
    assert_scim_error(
        scim.post("Groups", group_body("Sales", [ana["id"], "999999"])), 400, "invalidValue"
    )
    assert_scim_error(scim.post("Groups", group_body("dispatch".title())), 409, "uniqueness")
    assert_scim_error(
        scim.patch(
            f"Groups/{dispatch['id']}",
            patch_body({"op": "add", "path": "members", "value": [{"value": str(outsider.pk)}]}),
        ),
        400,
        "invalidValue",
    )
    assert_scim_error(
        scim.post("Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]}),
        400,
        "invalidValue",
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer mmscim_" + "0" * 64, "Token {key}", "Basic {key}"],
)
def test_requests_without_a_live_token_are_refused(scim_token, authorization):
    _, key = scim_token
    client = ScimClient("unused")
    client.client.defaults.pop("HTTP_AUTHORIZATION")
    if authorization is not None:
        client.client.defaults["HTTP_AUTHORIZATION"] = authorization.format(key=key)
    before = snapshot()
    response = client.post("Users", user_body("new@acme.example"))
    assert_scim_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert_scim_error(client.get("Users"), 401)
    assert snapshot() == before


def test_revoked_token_is_refused(scim_token, scim):
    token, _ = scim_token
    services.scim_token_revoke(token=token)
    before = snapshot()
    assert_scim_error(scim.post("Users", user_body("new@acme.example")), 401)
    assert_scim_error(scim.get("ServiceProviderConfig"), 401)
    assert snapshot() == before


def test_token_of_one_organization_never_reaches_another(scim, other_scim, ana, dispatch, outsider):
    other_person = other_scim.post("Users", user_body("zoe@globex.example")).json()
    other_group = other_scim.post("Groups", group_body("Globex ops", [other_person["id"]])).json()
    before = snapshot()
    for path in (
        f"Users/{other_person['id']}",
        f"Users/{outsider.pk}",
        f"Groups/{other_group['id']}",
    ):
        assert_scim_error(scim.get(path), 404)
        assert_scim_error(scim.put(path, user_body("zoe@globex.example")), 404)
        assert_scim_error(
            scim.patch(path, patch_body({"op": "replace", "path": "active", "value": False})),
            404,
        )
        assert_scim_error(scim.delete(path), 404)
    assert snapshot() == before

    listed = scim.get("Users?count=200").json()
    assert {resource["userName"] for resource in listed["Resources"]} == {
        "admin@acme.example",
        "ana@acme.example",
    }
    assert scim.get('Users?filter=userName eq "zoe@globex.example"').json()["totalResults"] == 0
    assert [group["displayName"] for group in scim.get("Groups").json()["Resources"]] == [
        "Dispatch"
    ]
    # Members and managers are looked up in the token's organization only.
    assert_scim_error(
        scim.post("Groups", group_body("Mixed", [other_person["id"]])), 400, "invalidValue"
    )
    assert_scim_error(
        scim.post("Users", user_body("new@acme.example", manager_id=other_person["id"])),
        400,
        "invalidValue",
    )
    assert snapshot() == before


def test_unknown_paths_and_methods_are_scim_errors(scim):
    assert_scim_error(scim.get("Nope"), 404)
    assert_scim_error(scim.delete("ServiceProviderConfig"), 405)
    assert_scim_error(
        scim.post(".search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}),
        501,
    )


def test_superuser_is_never_a_scim_user(scim):
    root = UserFactory(organization=None, is_superuser=True, email="root@platform.example")
    assert_scim_error(scim.get(f"Users/{root.pk}"), 404)
    assert scim.get('Users?filter=userName eq "root@platform.example"').json()["totalResults"] == 0
