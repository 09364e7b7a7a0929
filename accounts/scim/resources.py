"""People and teams as SCIM resources, and what the service publishes about itself.

The models of ``scim2-models`` parse and validate what a directory sends and build what we
answer; this module maps them to and from our rows. Only the attributes we keep are
published in ``/Schemas``, so a client knows what comes back.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    Email,
    EnterpriseUser,
    ETag,
    Filter,
    Group,
    GroupMember,
    Manager,
    Meta,
    Name,
    Pagination,
    Patch,
    Required,
    ResourceType,
    Schema,
    ServiceProviderConfig,
    Sort,
)
from scim2_models import User as UserResource

from accounts.models import Team, User
from accounts.scim.models import DirectoryPerson

PersonResource = UserResource[EnterpriseUser]
ENTERPRISE_SCHEMA = str(EnterpriseUser.__schema__)

# The most resources one list page holds, whatever ``count`` asks for.
MAX_PAGE_SIZE = 200

# Attributes we keep, by schema; sub-attributes of complex ones after the dot.
KEPT_ATTRIBUTES: dict[str, set[str]] = {
    str(UserResource.__schema__): {
        "userName",
        "name",
        "name.givenName",
        "name.familyName",
        "name.formatted",
        "displayName",
        "preferredLanguage",
        "active",
        "emails",
        "emails.value",
        "emails.type",
        "emails.primary",
    },
    ENTERPRISE_SCHEMA: {"manager", "manager.value", "manager.$ref"},
    str(Group.__schema__): {
        "displayName",
        "members",
        "members.value",
        "members.$ref",
        "members.type",
    },
}


# People sign in with their email: when userName is not an email address (an Entra ID
# userPrincipalName may not be), we need one in ``emails``. A client that follows the
# published schema therefore always sends one.
# ``active`` decides whether a person may sign in: every directory sends it, and clearing it
# would leave that open.
PUBLISHED_REQUIRED = {f"{UserResource.__schema__}:emails", f"{UserResource.__schema__}:active"}


def _published_schema(schema: Schema, *, location: str) -> Schema:
    kept = KEPT_ATTRIBUTES[str(schema.id)]
    attributes = []
    for attribute in schema.attributes or []:
        if attribute.name not in kept:
            continue
        update: dict[str, Any] = {}
        if attribute.sub_attributes:
            sub_attributes = [
                sub.model_copy(update={"required": Required.false})
                if sub.name == "$ref"
                else sub  # we write every $ref ourselves: a directory need not send one
                for sub in attribute.sub_attributes
                if f"{attribute.name}.{sub.name}" in kept
            ]
            update["sub_attributes"] = sub_attributes
        if f"{schema.id}:{attribute.name}" in PUBLISHED_REQUIRED:
            update["required"] = Required.true
            update["sub_attributes"] = [
                sub.model_copy(update={"required": Required.true}) if sub.name == "value" else sub
                for sub in update.get("sub_attributes", attribute.sub_attributes or [])
            ]
        attributes.append(attribute.model_copy(update=update))
    return schema.model_copy(
        update={
            "attributes": attributes,
            "meta": Meta(resource_type="Schema", location=f"{location}/Schemas/{schema.id}"),
        }
    )


def published_schemas(*, base_url: str) -> list[Schema]:
    return [
        _published_schema(UserResource.to_schema(), location=base_url),
        _published_schema(EnterpriseUser.to_schema(), location=base_url),
        _published_schema(Group.to_schema(), location=base_url),
    ]


def published_resource_types(*, base_url: str) -> list[ResourceType]:
    user_type = ResourceType.from_resource(PersonResource)
    group_type = ResourceType.from_resource(Group)
    return [
        resource_type.model_copy(
            update={
                "meta": Meta(
                    resource_type="ResourceType",
                    location=f"{base_url}/ResourceTypes/{resource_type.id}",
                )
            }
        )
        for resource_type in (user_type, group_type)
    ]


def service_provider_config(*, base_url: str, documentation_url: str) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=documentation_url,  # type: ignore[arg-type]
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_PAGE_SIZE),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=True),
        pagination=Pagination(cursor=False, index=True, default_page_size=MAX_PAGE_SIZE),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Bearer token",
                description="A token an organization admin makes in the admin, under "
                "Directory provisioning (SCIM) > SCIM tokens.",
                primary=True,
            )
        ],
        meta=Meta(
            resource_type="ServiceProviderConfig", location=f"{base_url}/ServiceProviderConfig"
        ),
    )


def resource_version(payload: dict[str, Any]) -> str:
    """A weak ETag of everything a resource says apart from ``meta``: any change a client
    could see changes it, and nothing else does."""
    content = {key: value for key, value in payload.items() if key != "meta"}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    return f'W/"{digest[:32]}"'


def _with_version(resource: Any) -> Any:
    payload = resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    assert resource.meta is not None
    resource.meta.version = resource_version(payload)
    return resource


def person_resource(user: User, *, base_url: str) -> Any:
    """A person as a SCIM User; people added by hand or by CSV show their sign-in email."""
    entry: DirectoryPerson | None = getattr(user, "directory_entry", None)
    name = None
    emails: list[Email] = []
    manager = None
    if entry is not None:
        if entry.given_name or entry.family_name or entry.formatted_name:
            name = Name(
                given_name=entry.given_name or None,
                family_name=entry.family_name or None,
                formatted=entry.formatted_name or None,
            )
        emails = [Email.model_validate(email) for email in entry.emails]
        if entry.manager is not None:
            manager = Manager(
                value=str(entry.manager.pk),
                ref=f"{base_url}/Users/{entry.manager.pk}",  # type: ignore[arg-type]
            )
    if not emails:
        emails = [Email(value=user.email, type=Email.Type.work, primary=True)]
    resource = PersonResource(
        id=str(user.pk),
        external_id=(entry.external_id or None) if entry else None,
        user_name=entry.user_name if entry else user.email,
        name=name,
        # What the directory sent; the app's own display name is made from the name parts
        # when it sent none.
        display_name=(entry.display_name or None) if entry else user.display_name,
        preferred_language=(entry.preferred_language or None) if entry else None,
        active=user.is_active,
        emails=emails,
        meta=Meta(
            resource_type="User",
            created=user.date_joined,
            last_modified=entry.updated_at if entry else user.date_joined,
            location=f"{base_url}/Users/{user.pk}",
        ),
    )
    if manager is not None:
        resource[EnterpriseUser] = EnterpriseUser(manager=manager)
    return _with_version(resource)


def _deprovisioned(user: User) -> bool:
    entry: DirectoryPerson | None = getattr(user, "directory_entry", None)
    return entry is not None and entry.deprovisioned_at is not None


def team_resource(team: Team, *, base_url: str) -> Group:
    """A team as a SCIM Group of its members (its managers follow from their managers)."""
    entry = getattr(team, "directory_entry", None)
    resource = Group(
        id=str(team.pk),
        external_id=(entry.external_id or None) if entry else None,
        display_name=team.name,
        members=[
            GroupMember(
                value=str(member.pk),
                ref=f"{base_url}/Users/{member.pk}",  # type: ignore[arg-type]
                type="User",
            )
            for member in sorted(team.members.all(), key=lambda member: member.pk)
            # A person the directory deleted is gone from SCIM, though still in the team's
            # history.
            if not _deprovisioned(member)
        ],
        meta=Meta(
            resource_type="Group",
            created=team.created_at,
            last_modified=team.updated_at,
            location=f"{base_url}/Groups/{team.pk}",
        ),
    )
    return _with_version(resource)
