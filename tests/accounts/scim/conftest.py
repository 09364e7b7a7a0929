from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.scim import services as scim_services


class ScimClient:
    """The Django test client speaking SCIM with one organization's token."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    def _send(self, method, path, body=None, **headers):
        kwargs = {}
        if body is not None:
            kwargs["data"] = body if isinstance(body, str | bytes) else json.dumps(body)
            kwargs["content_type"] = "application/scim+json"
        extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
        return getattr(self.client, method)(f"/scim/v2/{path}", **kwargs, **extra)

    def get(self, path, **headers):
        return self._send("get", path, **headers)

    def post(self, path, body, **headers):
        return self._send("post", path, body, **headers)

    def put(self, path, body, **headers):
        return self._send("put", path, body, **headers)

    def patch(self, path, body, **headers):
        return self._send("patch", path, body, **headers)

    def delete(self, path, **headers):
        return self._send("delete", path, **headers)


@pytest.fixture
def scim_token(organization, org_admin):
    token, key = scim_services.scim_token_create(
        organization=organization, name="Entra ID", by=org_admin
    )
    return token, key


@pytest.fixture
def scim(scim_token):
    return ScimClient(scim_token[1])


@pytest.fixture
def other_scim(other_organization, outsider):
    _, key = scim_services.scim_token_create(
        organization=other_organization, name="Okta", by=outsider
    )
    return ScimClient(key)


USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


def user_body(email, *, given="Ana", family="Costa", manager_id=None, external_id=None, **extra):
    body = {
        "schemas": [USER_SCHEMA],
        "userName": email,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"value": email, "type": "work", "primary": True}],
        "active": True,
        **extra,
    }
    if external_id is not None:
        body["externalId"] = external_id
    if manager_id is not None:
        body["schemas"].append(ENTERPRISE_SCHEMA)
        body[ENTERPRISE_SCHEMA] = {"manager": {"value": str(manager_id)}}
    return body


def group_body(name, member_ids=(), external_id=None):
    body = {
        "schemas": [GROUP_SCHEMA],
        "displayName": name,
        "members": [{"value": str(member_id)} for member_id in member_ids],
    }
    if external_id is not None:
        body["externalId"] = external_id
    return body


def patch_body(*operations):
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def assert_scim_error(response, status, scim_type=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/scim+json")
    body = response.json()
    assert body["schemas"] == [ERROR_SCHEMA]
    assert str(body["status"]) == str(status)
    assert body.get("scimType") == scim_type
    assert body["detail"]
    return body
