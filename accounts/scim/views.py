"""The SCIM 2.0 endpoints (RFC 7644) at ``/scim/v2/``.

Plain Django views rather than DRF: SCIM has its own media type, error body, pagination
and filter language, which ``scim2-models`` parses and builds; DRF would add nothing
but a second error format. Every request carries an organization's bearer token and
reads and writes that organization only.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError as PydanticValidationError
from scim2_models import (
    Context,
    Error,
    Group,
    ListResponse,
    PatchOp,
    ResponseParameters,
    SCIMException,
    ScimPolicy,
    SearchRequest,
)

from accounts.models import Organization
from accounts.scim import selectors, services
from accounts.scim.errors import ScimProblem
from accounts.scim.resources import (
    ENTERPRISE_SCHEMA,
    MAX_PAGE_SIZE,
    PersonResource,
    person_resource,
    published_resource_types,
    published_schemas,
    service_provider_config,
    team_resource,
)

SCIM_CONTENT_TYPE = "application/scim+json"

# What directories send that the specification reads more strictly: Entra ID writes a
# PATCH "remove" of a member with a value instead of a filtered path, and adds to a
# filtered path (emails[type eq "work"].value) that has no entry yet.
DIRECTORY_POLICY = ScimPolicy(
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


def scim_response(
    payload: dict[str, Any] | None, *, status: int = 200, headers: dict[str, str] | None = None
) -> HttpResponse:
    body = "" if payload is None else json.dumps(payload)
    response = HttpResponse(body, status=status, content_type=SCIM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(*, status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    error = Error(status=status, scim_type=scim_type or None, detail=detail)
    return scim_response(error.model_dump(scim_ctx=Context.DEFAULT), status=status)


def _normalize_manager(value: Any, base_url: str) -> Any:
    """The enterprise ``manager`` as the specification has it: Entra ID sends the manager's
    id as a bare string and neither Entra nor Okta sends ``$ref``, which we write
    ourselves."""
    if isinstance(value, str | int):
        value = {"value": str(value)}
    if isinstance(value, dict) and value.get("value") and "$ref" not in value:
        value = {**value, "$ref": f"{base_url}/Users/{value['value']}"}
    return value


def _normalize_person_payload(payload: dict[str, Any], base_url: str) -> dict[str, Any]:
    for key, extension in list(payload.items()):
        if key.lower() == ENTERPRISE_SCHEMA.lower() and isinstance(extension, dict):
            payload[key] = {
                name: _normalize_manager(value, base_url) if name.lower() == "manager" else value
                for name, value in extension.items()
            }
    return payload


def _normalize_person_patch(payload: dict[str, Any], base_url: str) -> dict[str, Any]:
    for operation in payload.get("Operations") or []:
        if not isinstance(operation, dict):
            continue
        path = str(operation.get("path") or "").lower()
        if path.endswith(":manager") or path == "manager":
            operation["value"] = _normalize_manager(operation.get("value"), base_url)
        elif not path and isinstance(operation.get("value"), dict):
            value = operation["value"]
            for key in list(value):
                if key.lower() == f"{ENTERPRISE_SCHEMA}:manager".lower():
                    value[key] = _normalize_manager(value[key], base_url)
            _normalize_person_payload(value, base_url)
    return payload


@method_decorator(csrf_exempt, name="dispatch")
class ScimView(View):
    """Authenticates the organization's bearer token and answers every error in SCIM's shape.

    No cookie opens these endpoints, so they need no CSRF token.
    """

    organization: Organization
    base_url: str

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        keyword, _, key = request.headers.get("Authorization", "").partition(" ")
        token = (
            services.scim_token_authenticate(key=key.strip(), now=timezone.now())
            if keyword.lower() == "bearer" and key.strip()
            else None
        )
        if token is None:
            response = error_response(
                status=401,
                detail="Send the organization's SCIM token as 'Authorization: Bearer <token>'; "
                "this one is missing, unknown or revoked.",
            )
            response["WWW-Authenticate"] = 'Bearer realm="scim"'
            return response
        self.organization = token.organization
        self.base_url = request.build_absolute_uri(reverse("scim:root")).rstrip("/")
        try:
            return super().dispatch(request, *args, **kwargs)
        except ScimProblem as problem:
            return error_response(
                status=problem.status, detail=problem.message, scim_type=problem.scim_type
            )
        except SCIMException as exception:
            error = exception.to_error()
            return scim_response(
                error.model_dump(scim_ctx=Context.DEFAULT), status=error.status or 400
            )
        except PydanticValidationError as exception:
            error = Error.from_validation_errors(exception)[0]
            return scim_response(
                error.model_dump(scim_ctx=Context.DEFAULT), status=error.status or 400
            )

    def http_method_not_allowed(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        response = error_response(
            status=405, detail=f"{request.method} is not supported on {request.path}."
        )
        response["Allow"] = ", ".join(method.upper() for method in self._allowed_methods())  # type: ignore[attr-defined]
        return response

    def body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            raw = request.body
        except RequestDataTooBig as error:
            raise ScimProblem("The request body is too large.", status=413) from error
        try:
            payload = json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError) as error:
            raise ScimProblem(
                f"The body is not JSON: {error}", status=400, scim_type="invalidSyntax"
            ) from error
        if not isinstance(payload, dict):
            raise ScimProblem(
                "The body must be a JSON object.", status=400, scim_type="invalidSyntax"
            )
        return payload

    def response_parameters(self, request: HttpRequest) -> ResponseParameters[Any] | None:
        attributes = request.GET.get("attributes")
        excluded = request.GET.get("excludedAttributes")
        if not attributes and not excluded:
            return None
        return ResponseParameters.model_validate(
            {
                "attributes": attributes.split(",") if attributes else None,
                "excludedAttributes": excluded.split(",") if excluded else None,
            }
        )

    def resource_response(
        self, request: HttpRequest, resource: Any, *, context: Context, status: int = 200
    ) -> HttpResponse:
        payload = resource.model_dump(
            scim_ctx=context, response_parameters=self.response_parameters(request)
        )
        headers = {"ETag": resource.meta.version}
        if status == 201:
            headers["Location"] = resource.meta.location
        return scim_response(payload, status=status, headers=headers)

    @staticmethod
    def refuse_stale(request: HttpRequest, current: Any) -> None:
        """``If-Match`` (RFC 7644 §3.14): a client that read an older version changes nothing."""
        wanted = request.headers.get("If-Match")
        if not wanted or wanted.strip() == "*":
            return
        versions = [version.strip() for version in wanted.split(",")]
        if current.meta.version not in versions:
            raise ScimProblem(
                f"The resource changed since you read it (now {current.meta.version}); read it "
                "again and repeat the change.",
                status=412,
            )

    def list_response(
        self, request: HttpRequest, queryset: Any, render: Any, model: Any
    ) -> HttpResponse:
        start_index = self._int_parameter(request, "startIndex", 1)
        count = self._int_parameter(request, "count", MAX_PAGE_SIZE)
        start_index = max(start_index, 1)
        count = min(max(count, 0), MAX_PAGE_SIZE)
        total = queryset.count()
        rows = list(queryset[start_index - 1 : start_index - 1 + count]) if count else []
        listing = ListResponse[model](
            total_results=total,
            start_index=start_index,
            items_per_page=len(rows),
            resources=[render(row, base_url=self.base_url) for row in rows],
        )
        payload = listing.model_dump(
            scim_ctx=Context.SEARCH_RESPONSE, response_parameters=self.response_parameters(request)
        )
        return scim_response(payload)

    @staticmethod
    def _int_parameter(request: HttpRequest, name: str, default: int) -> int:
        value = request.GET.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError as error:
            raise ScimProblem(
                f"{name} must be a whole number, not {value!r}.",
                status=400,
                scim_type="invalidValue",
            ) from error


def _not_modified(request: HttpRequest, resource: Any) -> bool:
    wanted = request.headers.get("If-None-Match") or ""
    return bool(wanted) and resource.meta.version in [v.strip() for v in wanted.split(",")]


class UsersView(ScimView):
    def get(self, request: HttpRequest) -> HttpResponse:
        people = selectors.person_list(
            organization=self.organization, expression=request.GET.get("filter")
        )
        return self.list_response(request, people, person_resource, PersonResource)

    def post(self, request: HttpRequest) -> HttpResponse:
        payload = _normalize_person_payload(self.body(request), self.base_url)
        resource = PersonResource.model_validate(
            payload, scim_ctx=Context.RESOURCE_CREATION_REQUEST
        )
        user = services.person_save(organization=self.organization, resource=resource)
        user = selectors.person_get(organization=self.organization, scim_id=str(user.pk))
        return self.resource_response(
            request,
            person_resource(user, base_url=self.base_url),
            context=Context.RESOURCE_CREATION_RESPONSE,
            status=201,
        )


class SearchView(ScimView):
    """``POST <resources>/.search`` (RFC 7644 §3.4.3): the query of a GET, in a body."""

    def post(self, request: HttpRequest) -> HttpResponse:
        search: Any = SearchRequest.model_validate(
            self.body(request), scim_ctx=Context.SEARCH_REQUEST
        )
        query = request.GET.copy()
        for name, value in (
            ("filter", search.filter),
            ("startIndex", search.start_index),
            ("count", search.count),
            ("attributes", ",".join(search.attributes or [])),
            ("excludedAttributes", ",".join(search.excluded_attributes or [])),
        ):
            if value:
                query[name] = str(value)
        request.GET = query  # type: ignore[assignment]
        return self.search(request)

    def search(self, request: HttpRequest) -> HttpResponse:
        raise NotImplementedError


class UsersSearchView(SearchView):
    def search(self, request: HttpRequest) -> HttpResponse:
        return UsersView.get(self, request)  # type: ignore[arg-type]


class GroupsSearchView(SearchView):
    def search(self, request: HttpRequest) -> HttpResponse:
        return GroupsView.get(self, request)  # type: ignore[arg-type]


class RootSearchView(ScimView):
    def post(self, request: HttpRequest) -> HttpResponse:
        raise ScimProblem(
            "Searching people and groups at once is not supported: search /Users/.search "
            "or /Groups/.search.",
            status=501,
        )


class UserView(ScimView):
    def get(self, request: HttpRequest, scim_id: str) -> HttpResponse:
        user = selectors.person_get(organization=self.organization, scim_id=scim_id)
        resource: Any = person_resource(user, base_url=self.base_url)
        if _not_modified(request, resource):
            return scim_response(None, status=304, headers={"ETag": resource.meta.version})
        return self.resource_response(request, resource, context=Context.RESOURCE_QUERY_RESPONSE)

    def put(self, request: HttpRequest, scim_id: str) -> HttpResponse:
        payload = _normalize_person_payload(self.body(request), self.base_url)
        with transaction.atomic():
            user = selectors.person_get(
                organization=self.organization, scim_id=scim_id, for_update=True
            )
            current = person_resource(user, base_url=self.base_url)
            self.refuse_stale(request, current)
            resource = PersonResource.model_validate(
                payload, scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST
            )
            resource.replace(current)
            services.person_save(organization=self.organization, resource=resource, user=user)
        return self._answer(request, scim_id, Context.RESOURCE_REPLACEMENT_RESPONSE)

    def patch(self, request: HttpRequest, scim_id: str) -> HttpResponse:
        payload = _normalize_person_patch(self.body(request), self.base_url)
        with transaction.atomic():
            user = selectors.person_get(
                organization=self.organization, scim_id=scim_id, for_update=True
            )
            current = person_resource(user, base_url=self.base_url)
            self.refuse_stale(request, current)
            patch = PatchOp[PersonResource].model_validate(
                payload, scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=DIRECTORY_POLICY
            )
            if patch.patch(current, scim_policy=DIRECTORY_POLICY):
                services.person_save(organization=self.organization, resource=current, user=user)
        return self._answer(request, scim_id, Context.RESOURCE_PATCH_RESPONSE)

    def delete(self, request: HttpRequest, scim_id: str) -> HttpResponse:
        with transaction.atomic():
            user = selectors.person_get(
                organization=self.organization, scim_id=scim_id, for_update=True
            )
            self.refuse_stale(request, person_resource(user, base_url=self.base_url))
            services.person_deprovision(user=user)
        return scim_response(None, status=204)

    def _answer(self, request: HttpRequest, scim_id: str, context: Context) -> HttpResponse:
        user = selectors.person_get(organization=self.organization, scim_id=scim_id)
        return self.resource_response(
            request, person_resource(user, base_url=self.base_url), context=context
        )


class GroupsView(ScimView):
    def get(self, request: HttpRequest) -> HttpResponse:
        teams = selectors.team_list(
            organization=self.organization, expression=request.GET.get("filter")
        )
        return self.list_response(request, teams, team_resource, Group)

    def post(self, request: HttpRequest) -> HttpResponse:
        resource = Group.model_validate(
            self.body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST
        )
        team = services.team_save(organization=self.organization, resource=resource)
        team = selectors.team_get(organization=self.organization, scim_id=str(team.pk))
        return self.resource_response(
            request,
            team_resource(team, base_url=self.base_url),
            context=Context.RESOURCE_CREATION_RESPONSE,
            status=201,
        )


class GroupView(ScimView):
    def get(self, request: HttpRequest, scim_id: str) -> HttpResponse:
        team = selectors.team_get(organization=self.organization, scim_id=scim_id)
        resource: Any = team_resource(team, base_url=self.base_url)
        if _not_modified(request, resource):
            return scim_response(None, status=304, headers={"ETag": resource.meta.version})
        return self.resource_response(request, resource, context=Context.RESOURCE_QUERY_RESPONSE)

    def put(self, request: HttpRequest, scim_id: str) -> HttpResponse:
        payload = self.body(request)
        with transaction.atomic():
            team = selectors.team_get(
                organization=self.organization, scim_id=scim_id, for_update=True
            )
            current = team_resource(team, base_url=self.base_url)
            self.refuse_stale(request, current)
            resource = Group.model_validate(payload, scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
            resource.replace(current)
            services.team_save(organization=self.organization, resource=resource, team=team)
        return self._answer(request, scim_id, Context.RESOURCE_REPLACEMENT_RESPONSE)

    def patch(self, request: HttpRequest, scim_id: str) -> HttpResponse:
        payload = self.body(request)
        with transaction.atomic():
            team = selectors.team_get(
                organization=self.organization, scim_id=scim_id, for_update=True
            )
            current = team_resource(team, base_url=self.base_url)
            self.refuse_stale(request, current)
            patch = PatchOp[Group].model_validate(
                payload, scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=DIRECTORY_POLICY
            )
            if patch.patch(current, scim_policy=DIRECTORY_POLICY):
                services.team_save(organization=self.organization, resource=current, team=team)
        return self._answer(request, scim_id, Context.RESOURCE_PATCH_RESPONSE)

    def delete(self, request: HttpRequest, scim_id: str) -> HttpResponse:
        with transaction.atomic():
            team = selectors.team_get(
                organization=self.organization, scim_id=scim_id, for_update=True
            )
            self.refuse_stale(request, team_resource(team, base_url=self.base_url))
            services.team_deprovision(team=team)
        return scim_response(None, status=204)

    def _answer(self, request: HttpRequest, scim_id: str, context: Context) -> HttpResponse:
        team = selectors.team_get(organization=self.organization, scim_id=scim_id)
        return self.resource_response(
            request, team_resource(team, base_url=self.base_url), context=context
        )


class ServiceProviderConfigView(ScimView):
    def get(self, request: HttpRequest) -> HttpResponse:
        config = service_provider_config(
            base_url=self.base_url,
            documentation_url=request.build_absolute_uri("/api/docs/"),
        )
        return scim_response(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


class _DiscoveryListView(ScimView):
    def objects(self) -> list[Any]:
        raise NotImplementedError

    def get(self, request: HttpRequest, object_id: str | None = None) -> HttpResponse:
        objects = self.objects()
        if object_id is not None:
            found = [obj for obj in objects if str(obj.id) == object_id]
            if not found:
                raise ScimProblem(f"No {type(self).__name__[:-4]} {object_id!r}.", status=404)
            return scim_response(found[0].model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
        model: Any = ListResponse[type(objects[0])]  # type: ignore[misc]
        listing = model(
            total_results=len(objects),
            start_index=1,
            items_per_page=len(objects),
            resources=objects,
        )
        return scim_response(listing.model_dump(scim_ctx=Context.SEARCH_RESPONSE))


class SchemasView(_DiscoveryListView):
    def objects(self) -> list[Any]:
        return published_schemas(base_url=self.base_url)


class ResourceTypesView(_DiscoveryListView):
    def objects(self) -> list[Any]:
        return published_resource_types(base_url=self.base_url)


@method_decorator(csrf_exempt, name="dispatch")
class NotFoundView(ScimView):
    """Any other path under /scim/v2/: a SCIM 404 rather than the site's HTML page."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return error_response(status=404, detail=f"Nothing is at {request.path}.")
