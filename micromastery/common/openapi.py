"""The OpenAPI schema states every error an operation can answer with, in its one shape.

Each operation documents, unless its own ``extend_schema`` already does (then only the
body schema is added to the description given there):

- 400 when it takes a body (every write) or query parameters;
- 401, with its ``WWW-Authenticate`` header, when it needs a signed-in caller;
- 403 when a permission beyond "signed in" decides, and on every write (a session
  request without its CSRF token);
- 404 when its path names a row, on a paginated list (a page past the end), or when the
  view declares it (for ids in a body).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated

from micromastery.common.api import ErrorSerializer, StrictFieldsMixin

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

ERROR_DESCRIPTIONS = {
    400: "The request is not valid: `error.fields` names each field's problem.",
    401: "Not signed in: send `Authorization: Token <key>` (from `POST /api/v1/auth/token/`) "
    "or a session cookie.",
    403: "Not allowed for your role, or a session request without its CSRF token.",
    404: "Not found in your organization.",
}


# Working hours are a wall-clock time in the person's own time zone, so they carry no
# offset: OpenAPI's "time" format (RFC 3339) would demand one.
LOCAL_TIME = {
    "type": "string",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
    "example": "09:00",
}


class AutoSchema(SpectacularAutoSchema):
    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        if isinstance(field, serializers.TimeField):
            return dict(LOCAL_TIME)
        if isinstance(field, serializers.DecimalField) and direction == "request":
            return self._decimal_input(field, direction)
        return dict(super()._map_serializer_field(field, direction, bypass_extensions))

    def _decimal_input(self, field: serializers.DecimalField, direction: Any) -> dict[str, Any]:
        """A decimal in a body may be a JSON number or a string, as DRF reads both."""
        as_text = dict(super()._map_serializer_field(field, direction))
        as_number: dict[str, Any] = {"type": "number"}
        if field.max_whole_digits is not None:
            bound = 10**field.max_whole_digits
            as_number.update(
                maximum=bound, minimum=-bound, exclusiveMaximum=True, exclusiveMinimum=True
            )
        self._insert_min_max(field, as_number)
        nullable = {"nullable": True} if as_text.pop("nullable", False) else {}
        return {"oneOf": [as_number, as_text], **nullable}

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> dict[str, Any]:
        schema = dict(super()._map_basic_serializer(serializer, direction))
        if direction == "request" and isinstance(serializer, StrictFieldsMixin):
            schema["additionalProperties"] = False
        return schema

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        bodies = dict(super()._get_response_bodies(direction))
        for code in self._error_codes(bodies):
            declared = bodies.get(str(code)) or {}
            description = declared.get("description") or ERROR_DESCRIPTIONS[code]
            bodies[str(code)] = self._get_response_for_code(
                OpenApiResponse(ErrorSerializer, description=description),
                str(code),
                direction=direction,
            )
        return dict(sorted(bodies.items()))

    def _error_codes(self, declared: dict[str, Any]) -> list[int]:
        codes = {int(code) for code in declared if str(code).startswith("4")}
        needs_sign_in = bool(self.view.get_authenticators()) and not any(
            isinstance(permission, AllowAny) for permission in self.view.get_permissions()
        )
        if self.method not in SAFE_METHODS or self._has_query_parameters():
            codes.add(400)
        if needs_sign_in:
            codes.add(401)
            if self.method not in SAFE_METHODS or any(
                type(permission) is not IsAuthenticated
                for permission in self.view.get_permissions()
            ):
                codes.add(403)
        if self._has_path_parameters() or self._is_paginated():
            codes.add(404)
        return sorted(codes & set(ERROR_DESCRIPTIONS))

    def _is_paginated(self) -> bool:
        # A page number past the last page.
        return self.method == "GET" and self._get_paginator() is not None and self._is_list_view()

    def _has_path_parameters(self) -> bool:
        return "{" in self.path

    def _has_query_parameters(self) -> bool:
        return any(parameter.get("in") == "query" for parameter in self._get_parameters() or [])

    def _get_response_headers_for_code(
        self, status_code: str, direction: Any = "response"
    ) -> dict[str, Any]:
        headers = dict(super()._get_response_headers_for_code(status_code, direction))
        if str(status_code) == "401":
            headers["WWW-Authenticate"] = {
                "schema": {"type": "string"},
                "description": "How to authenticate: `Token`.",
                "required": True,
            }
        return headers
