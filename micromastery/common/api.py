"""API conventions shared by every endpoint: pagination and one error shape."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from micromastery.common.errors import ApplicationError


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def _field_messages(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        fields: dict[str, list[str]] = {}
        for name, value in detail.items():
            if isinstance(value, dict):
                for sub_name, messages in _field_messages(value).items():
                    fields[f"{name}.{sub_name}"] = messages
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for index, item in enumerate(value):
                    for sub_name, messages in _field_messages(item).items():
                        fields[f"{name}.{index}.{sub_name}"] = messages
            else:
                items = value if isinstance(value, list) else [value]
                fields[name] = [str(item) for item in items]
        return fields
    if isinstance(detail, list):
        return {"non_field_errors": [str(item) for item in detail]}
    return {}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render every error as ``{"error": {"code", "message", "fields"}}``.

    Service errors (``ApplicationError``) and model validation errors become 400s with the
    same shape as serializer errors, so a client handles one format.
    """
    message: str | None = None
    if isinstance(exc, ApplicationError):
        message = exc.message
        exc = exceptions.ValidationError(exc.fields or {"non_field_errors": [exc.message]})
    elif isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_messages(exc.detail)
        if message is None:
            message = "; ".join(
                " ".join(messages)
                if name == "non_field_errors"
                else f"{name}: {' '.join(messages)}"
                for name, messages in fields.items()
            )
        body = {
            "code": "invalid",
            "message": message or "The request is not valid.",
            "fields": fields,
        }
    else:
        codes = exc.get_codes()
        body = {
            "code": codes if isinstance(codes, str) else "error",
            "message": str(exc.detail),
            "fields": {},
        }
    response.data = {"error": body}
    return response
