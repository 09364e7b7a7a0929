"""Reads of SCIM provisioning, always within the one organization a token names."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Prefetch, Q, QuerySet
from scim2_models import ScimFilter
from scim2_models.path.expressions import (
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    Not,
    ValuePath,
)

from accounts.models import Organization, Team, User
from accounts.scim.errors import ScimProblem, not_found
from accounts.scim.resources import ENTERPRISE_SCHEMA


def _id_lookup(field: str) -> Callable[[str], Q]:
    def lookup(value: str) -> Q:
        return Q(**{field: int(value)}) if value.isdigit() else Q(pk__in=[])

    return lookup


# Attribute (lower-case, as filters are case-insensitive) -> how ``eq`` on it reads.
PERSON_EQ: dict[str, Callable[[str], Q]] = {
    "id": _id_lookup("pk"),
    "username": lambda value: (
        Q(directory_entry__user_name__iexact=value)
        | Q(directory_entry__isnull=True, email__iexact=value)
    ),
    "externalid": lambda value: Q(directory_entry__external_id=value),
    "displayname": lambda value: Q(display_name__iexact=value),
    # The sign-in email: the one address we look people up by.
    "emails.value": lambda value: Q(email__iexact=value),
    "active": lambda value: Q(is_active=str(value).lower() == "true"),
    f"{ENTERPRISE_SCHEMA}:manager.value".lower(): _id_lookup("directory_entry__manager_id"),
    "manager.value": _id_lookup("directory_entry__manager_id"),
}
TEAM_EQ: dict[str, Callable[[str], Q]] = {
    "id": _id_lookup("pk"),
    "displayname": lambda value: Q(name__iexact=value),
    "externalid": lambda value: Q(directory_entry__external_id=value),
    "members.value": _id_lookup("members__pk"),
}


def _filter_q(node: FilterNode, lookups: dict[str, Callable[[str], Q]]) -> Q:
    if isinstance(node, LogicalExpr):
        parts = [_filter_q(term, lookups) for term in node.terms]
        combined = parts[0]
        for part in parts[1:]:
            combined = combined & part if node.op == LogicalOperator.and_ else combined | part
        return combined
    if isinstance(node, Not):
        return ~_filter_q(node.expr, lookups)
    if isinstance(node, ValuePath) and isinstance(node.val_filter, Comparison):
        inner = node.val_filter
        if inner.op == CompareOperator.eq and inner.attr_path.sub_attr is None:
            name = f"{node.attr_path.attr}.{inner.attr_path.attr}".lower()
            if name in lookups:
                return lookups[name](str(inner.value))
    if isinstance(node, Comparison) and node.op == CompareOperator.eq:
        path = node.attr_path
        name = path.attr + (f".{path.sub_attr}" if path.sub_attr else "")
        if path.uri:
            name = f"{path.uri}:{name}"
        lookup = lookups.get(name.lower()) or lookups.get(f"{name}.value".lower())
        if lookup is not None:
            return lookup(str(node.value))
    raise ScimProblem(
        f"This filter is not supported: {node}. Filters compare with eq, joined by and/or/not, "
        f"on: {', '.join(sorted(lookups))}.",
        status=400,
        scim_type="invalidFilter",
    )


def _parsed(expression: str) -> FilterNode:
    try:
        return ScimFilter(expression).ast
    except Exception as error:
        raise ScimProblem(
            f"The filter cannot be read: {error}", status=400, scim_type="invalidFilter"
        ) from error


def person_list(*, organization: Organization, expression: str | None = None) -> QuerySet[User]:
    """The organization's people as SCIM sees them: everyone but those the directory deleted
    (a platform superuser belongs to no organization and never appears)."""
    people = (
        User.objects.for_organization(organization)
        .exclude(directory_entry__deprovisioned_at__isnull=False)
        .select_related("directory_entry", "directory_entry__manager")
        .order_by("pk")
    )
    if expression:
        people = people.filter(_filter_q(_parsed(expression), PERSON_EQ)).distinct()
    return people


def person_get(*, organization: Organization, scim_id: str, for_update: bool = False) -> User:
    people = person_list(organization=organization)
    if for_update:
        people = people.select_for_update(of=("self",))
    person = people.filter(pk=int(scim_id)).first() if scim_id.isdigit() else None
    if person is None:
        raise not_found("User", scim_id)
    return person


def team_list(*, organization: Organization, expression: str | None = None) -> QuerySet[Team]:
    teams = (
        Team.objects.for_organization(organization)
        .exclude(directory_entry__deprovisioned_at__isnull=False)
        .select_related("directory_entry")
        .prefetch_related(
            Prefetch("members", queryset=User.objects.select_related("directory_entry"))
        )
        .order_by("pk")
    )
    if expression:
        teams = teams.filter(_filter_q(_parsed(expression), TEAM_EQ)).distinct()
    return teams


def team_get(*, organization: Organization, scim_id: str, for_update: bool = False) -> Team:
    teams = team_list(organization=organization)
    if for_update:
        teams = teams.select_for_update(of=("self",))
    team = teams.filter(pk=int(scim_id)).first() if scim_id.isdigit() else None
    if team is None:
        raise not_found("Group", scim_id)
    return team
