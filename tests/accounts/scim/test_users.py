"""SCIM Users and Groups as a directory uses them: mapping, filters, pages, ETags, PATCH."""

from __future__ import annotations

import pytest

from accounts.models import Team, User
from tests.accounts.scim.conftest import (
    ENTERPRISE_SCHEMA,
    assert_scim_error,
    group_body,
    patch_body,
    user_body,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_users_create_maps_the_directory_to_a_person(scim, organization):
    response = scim.post(
        "Users",
        user_body(
            "Ana.Costa@Acme.example",
            external_id="entra-1",
            timezone="Europe/Lisbon",
        ),
    )
    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith("application/scim+json")
    body = response.json()
    person = User.objects.get(pk=body["id"])
    assert person.organization == organization
    assert person.email == "ana.costa@acme.example"
    assert person.display_name == "Ana Costa"
    assert person.time_zone == "Europe/Lisbon"
    assert person.is_active
    assert not person.has_usable_password()
    assert body["userName"] == "Ana.Costa@Acme.example"
    assert body["externalId"] == "entra-1"
    assert body["name"] == {"givenName": "Ana", "familyName": "Costa"}
    assert body["active"] is True
    assert body["meta"]["location"].endswith(f"/scim/v2/Users/{person.pk}")
    assert response["Location"] == body["meta"]["location"]
    assert response["ETag"] == body["meta"]["version"]


def test_users_create_display_name_wins_over_name_parts(scim):
    body = scim.post("Users", user_body("b@acme.example", displayName="Bea from Ops")).json()
    assert User.objects.get(pk=body["id"]).display_name == "Bea from Ops"


def test_users_filter_by_user_name_finds_the_person_and_only_them(scim, learner):
    created = scim.post("Users", user_body("ana@acme.example")).json()
    response = scim.get('Users?filter=userName eq "ANA@acme.example"')
    assert response.status_code == 200
    body = response.json()
    assert body["totalResults"] == 1
    assert [resource["id"] for resource in body["Resources"]] == [created["id"]]
    # People added by hand or by CSV are found by their email: a directory matches them
    # before it creates anyone.
    found = scim.get(f'Users?filter=userName eq "{learner.email}"').json()
    assert [resource["id"] for resource in found["Resources"]] == [str(learner.pk)]
    assert scim.get('Users?filter=userName eq "nobody@acme.example"').json()["totalResults"] == 0


def test_users_filter_by_external_id_and_groups_by_display_name(scim):
    created = scim.post("Users", user_body("ana@acme.example", external_id="okta-42")).json()
    scim.post("Users", user_body("bo@acme.example", external_id="okta-43"))
    body = scim.get('Users?filter=externalId eq "okta-42"').json()
    assert [resource["id"] for resource in body["Resources"]] == [created["id"]]
    team = scim.post("Groups", group_body("Dispatch", [created["id"]])).json()
    scim.post("Groups", group_body("Sales"))
    body = scim.get('Groups?filter=displayName eq "dispatch"').json()
    assert [resource["id"] for resource in body["Resources"]] == [team["id"]]


def test_users_unsupported_filter_is_an_invalid_filter_error(scim):
    assert_scim_error(scim.get('Users?filter=userName co "ana"'), 400, "invalidFilter")
    assert_scim_error(scim.get("Users?filter=userName eq"), 400, "invalidFilter")
    assert_scim_error(scim.get('Users?filter=title eq "boss"'), 400, "invalidFilter")


def test_users_pages_follow_start_index_and_count(scim, organization):
    UserFactory.create_batch(6, organization=organization)
    # Six people and the org admin who made the token.
    ids = [str(pk) for pk in User.objects.order_by("pk").values_list("pk", flat=True)]
    assert len(ids) == 7
    first = scim.get("Users?startIndex=1&count=3").json()
    assert first["totalResults"] == 7
    assert first["startIndex"] == 1
    assert first["itemsPerPage"] == 3
    assert [resource["id"] for resource in first["Resources"]] == ids[:3]
    last = scim.get("Users?startIndex=7&count=3").json()
    assert [resource["id"] for resource in last["Resources"]] == ids[6:]
    assert last["itemsPerPage"] == 1
    empty = scim.get("Users?count=0").json()
    assert empty["totalResults"] == 7
    assert empty.get("Resources", []) == []
    # RFC 7644 §3.4.2.4: a startIndex below 1 is read as 1.
    assert scim.get("Users?startIndex=0&count=1").json()["Resources"][0]["id"] == ids[0]
    assert_scim_error(scim.get("Users?count=many"), 400, "invalidValue")


def test_users_list_query_count_does_not_grow_with_people(
    scim, organization, django_assert_max_num_queries
):
    manager = UserFactory(organization=organization)
    for index in range(30):
        scim.post("Users", user_body(f"p{index}@acme.example", manager_id=manager.pk))
    with django_assert_max_num_queries(6):
        body = scim.get("Users?count=200").json()
    assert body["totalResults"] == 32  # 30, their manager, and the token's org admin
    assert len(body["Resources"]) == 32


def test_groups_list_query_count_does_not_grow_with_members(
    scim, organization, django_assert_max_num_queries
):
    people = UserFactory.create_batch(20, organization=organization)
    for index in range(10):
        scim.post("Groups", group_body(f"Team {index}", [person.pk for person in people]))
    with django_assert_max_num_queries(6):
        body = scim.get("Groups").json()
    assert body["totalResults"] == 10
    assert all(len(resource["members"]) == 20 for resource in body["Resources"])


def test_users_etag_if_match_refuses_a_stale_change(scim):
    created = scim.post("Users", user_body("ana@acme.example"))
    location = f"Users/{created.json()['id']}"
    version = created["ETag"]
    assert scim.get(location, if_none_match=version).status_code == 304

    changed = scim.patch(
        location,
        patch_body({"op": "replace", "path": "displayName", "value": "Ana C."}),
        if_match=version,
    )
    assert changed.status_code == 200, changed.content
    assert changed["ETag"] != version
    assert changed.json()["meta"]["version"] == changed["ETag"]

    stale = scim.put(location, user_body("ana@acme.example", displayName="Old"), if_match=version)
    assert_scim_error(stale, 412)
    assert User.objects.get(pk=created.json()["id"]).display_name == "Ana C."
    assert_scim_error(scim.delete(location, if_match=version), 412)
    assert User.objects.get(pk=created.json()["id"]).is_active


def test_users_put_replaces_what_the_directory_says(scim):
    created = scim.post("Users", user_body("ana@acme.example", external_id="x1")).json()
    response = scim.put(
        f"Users/{created['id']}",
        user_body("ana.costa@acme.example", given="Ana", family="Costa-Reed"),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    person = User.objects.get(pk=created["id"])
    assert person.email == "ana.costa@acme.example"
    assert person.display_name == "Ana Costa-Reed"
    assert body["name"]["familyName"] == "Costa-Reed"
    assert "externalId" not in body


def test_users_patch_entra_style_operations(scim, organization):
    boss = scim.post("Users", user_body("boss@acme.example")).json()
    created = scim.post("Users", user_body("ana@acme.example")).json()
    response = scim.patch(
        f"Users/{created['id']}",
        patch_body(
            {"op": "Replace", "path": "name.familyName", "value": "Silva"},
            {"op": "Add", "path": f"{ENTERPRISE_SCHEMA}:manager", "value": boss["id"]},
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "ana@acme.example"},
            {"op": "Replace", "path": "active", "value": "False"},
        ),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"]["familyName"] == "Silva"
    assert body[ENTERPRISE_SCHEMA]["manager"]["value"] == boss["id"]
    assert body["active"] is False
    assert not User.objects.get(pk=created["id"]).is_active


def test_users_patch_without_path_reactivates(scim):
    created = scim.post("Users", user_body("ana@acme.example", active=False)).json()
    assert not User.objects.get(pk=created["id"]).is_active
    response = scim.patch(
        f"Users/{created['id']}", patch_body({"op": "replace", "value": {"active": True}})
    )
    assert response.status_code == 200, response.content
    assert User.objects.get(pk=created["id"]).is_active


def test_users_delete_deactivates_and_hides_from_scim_keeping_the_person(scim):
    created = scim.post("Users", user_body("ana@acme.example")).json()
    assert scim.delete(f"Users/{created['id']}").status_code == 204
    person = User.objects.get(pk=created["id"])
    assert not person.is_active
    assert_scim_error(scim.get(f"Users/{created['id']}"), 404)
    assert scim.get('Users?filter=userName eq "ana@acme.example"').json()["totalResults"] == 0
    # Sent again (a rehire), the same person comes back with their history.
    again = scim.post("Users", user_body("ana@acme.example"))
    assert again.status_code == 201, again.content
    assert again.json()["id"] == created["id"]
    assert User.objects.get(pk=created["id"]).is_active


def test_groups_patch_members_add_and_remove_by_value_filter(scim):
    ana = scim.post("Users", user_body("ana@acme.example")).json()
    bo = scim.post("Users", user_body("bo@acme.example")).json()
    team = scim.post("Groups", group_body("Dispatch", [ana["id"]])).json()
    added = scim.patch(
        f"Groups/{team['id']}",
        patch_body({"op": "add", "path": "members", "value": [{"value": bo["id"]}]}),
    )
    assert added.status_code == 200, added.content
    assert {member["value"] for member in added.json()["members"]} == {ana["id"], bo["id"]}
    removed = scim.patch(
        f"Groups/{team['id']}",
        patch_body({"op": "remove", "path": f'members[value eq "{ana["id"]}"]'}),
    )
    assert removed.status_code == 200, removed.content
    assert [member.pk for member in Team.objects.get(pk=team["id"]).members.all()] == [
        int(bo["id"])
    ]
    # Entra ID removes with a value rather than a filtered path.
    entra = scim.patch(
        f"Groups/{team['id']}",
        patch_body({"op": "Remove", "path": "members", "value": [{"value": bo["id"]}]}),
    )
    assert entra.status_code == 200, entra.content
    assert not Team.objects.get(pk=team["id"]).members.exists()


def test_groups_rename_keeps_the_team(scim):
    team = scim.post("Groups", group_body("Dispatch")).json()
    response = scim.patch(
        f"Groups/{team['id']}",
        patch_body({"op": "replace", "path": "displayName", "value": "Dispatch North"}),
    )
    assert response.status_code == 200, response.content
    assert Team.objects.get(pk=team["id"]).name == "Dispatch North"
    assert Team.objects.count() == 1


def test_groups_delete_keeps_the_team_but_hides_it(scim):
    team = scim.post("Groups", group_body("Dispatch")).json()
    assert scim.delete(f"Groups/{team['id']}").status_code == 204
    assert Team.objects.filter(pk=team["id"]).exists()
    assert_scim_error(scim.get(f"Groups/{team['id']}"), 404)
    assert scim.get("Groups").json()["totalResults"] == 0


def test_discovery_endpoints_describe_what_is_kept(scim):
    config = scim.get("ServiceProviderConfig").json()
    assert config["patch"]["supported"] is True
    assert config["etag"]["supported"] is True
    assert config["filter"]["supported"] is True
    assert config["bulk"]["supported"] is False
    types = scim.get("ResourceTypes").json()
    assert {resource["id"] for resource in types["Resources"]} == {"User", "Group"}
    schemas = scim.get("Schemas").json()
    user_schema = next(
        schema
        for schema in schemas["Resources"]
        if schema["id"] == "urn:ietf:params:scim:schemas:core:2.0:User"
    )
    names = {attribute["name"] for attribute in user_schema["attributes"]}
    assert {"userName", "name", "emails", "active", "displayName"} <= names
    assert "password" not in names
    one = scim.get(f"Schemas/{ENTERPRISE_SCHEMA}")
    assert one.status_code == 200
    assert one.json()["id"] == ENTERPRISE_SCHEMA


def test_users_manager_named_by_okta_id_or_email_is_found(scim):
    boss = scim.post("Users", user_body("boss@acme.example", external_id="00u1okta")).json()
    by_okta_id = scim.post("Users", user_body("ana@acme.example", manager_id="00u1okta"))
    assert by_okta_id.status_code == 201, by_okta_id.content
    assert by_okta_id.json()[ENTERPRISE_SCHEMA]["manager"]["value"] == boss["id"]
    by_email = scim.post("Users", user_body("bo@acme.example", manager_id="BOSS@acme.example"))
    assert by_email.json()[ENTERPRISE_SCHEMA]["manager"]["value"] == boss["id"]


def test_groups_managers_follow_the_managers_own_deactivation(scim):
    boss = scim.post("Users", user_body("boss@acme.example")).json()
    ana = scim.post("Users", user_body("ana@acme.example", manager_id=boss["id"])).json()
    team = scim.post("Groups", group_body("Dispatch", [ana["id"]])).json()
    managers = Team.objects.get(pk=team["id"]).managers
    assert list(managers.values_list("pk", flat=True)) == [int(boss["id"])]
    off = patch_body({"op": "replace", "path": "active", "value": False})
    assert scim.patch(f"Users/{boss['id']}", off).status_code == 200
    assert not managers.exists()
    on = patch_body({"op": "replace", "path": "active", "value": True})
    assert scim.patch(f"Users/{boss['id']}", on).status_code == 200
    assert list(managers.values_list("pk", flat=True)) == [int(boss["id"])]
