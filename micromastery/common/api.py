"""API conventions shared by every endpoint: pagination and one error shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from micromastery.common.errors import ApplicationError


class Pagination(PageNumberPagination):
    """Pages of a list. A page or page size that is not a whole number in range is a 400
    naming the parameter, rather than quietly the default; a page past the end is a 404."""

    page_size_query_param = "page_size"
    max_page_size = 200
    # Only numbers: the schema says so, and a client never has to guess a magic word.
    last_page_strings = ()

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return int(self.page_size or 1)
        return _whole_number(
            self.page_size_query_param,
            raw,
            maximum=self.max_page_size,
            message=gettext("Give a page size from 1 to %(most)d.") % {"most": self.max_page_size},
        )

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        page = _whole_number(
            self.page_query_param,
            request.query_params.get(self.page_query_param, "1"),
            message=gettext("Give a page number from 1."),
        )
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound:
            # A well-formed page number past the end: that page does not exist.
            raise exceptions.NotFound(
                gettext("There is no page %(page)d: this list has fewer pages.") % {"page": page}
            ) from None

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
                parameter["description"] = (
                    f"Number of results per page, from 1 to {self.max_page_size} "
                    f"(default {self.page_size})."
                )
        return parameters


def _whole_number(name: str, raw: str, *, message: str, maximum: int | None = None) -> int:
    try:
        number = int(raw)
    except ValueError:
        number = 0
    if number < 1 or (maximum is not None and number > maximum):
        raise exceptions.ValidationError({name: [message]})
    return number


def _type_problem(field: serializers.Field[Any, Any, Any, Any], value: Any) -> str | None:
    """What is wrong with a JSON value of the wrong type for ``field``, or None.

    DRF reads ``5`` as the text "5" and ``"5"`` as the number 5; the schema promises the
    JSON types, so a body gets the types it states or a message, never a guess."""
    if value is None:
        return None
    if isinstance(field, serializers.ListField | serializers.ManyRelatedField):
        if not isinstance(value, list):
            return gettext("Give a list here.")
        child = field.child if isinstance(field, serializers.ListField) else field.child_relation
        problems = (_type_problem(child, item) for item in value)
        return next((problem for problem in problems if problem), None)
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else gettext("Give true or false here.")
    if isinstance(field, serializers.IntegerField | serializers.PrimaryKeyRelatedField):
        is_number = isinstance(value, int) and not isinstance(value, bool)
        return None if is_number else gettext("Give a whole number here.")
    if isinstance(
        field,
        serializers.CharField
        | serializers.DateTimeField
        | serializers.DateField
        | serializers.TimeField
        | serializers.UUIDField,
    ):
        return None if isinstance(value, str) else gettext("Give text here, in quotes.")
    return None


class StrictFieldsMixin:
    """Refuse keys the serializer does not know, so a misspelt field is never dropped, and
    values of another JSON type than the field's (the schema states both)."""

    fields: Any

    def to_internal_value(self, data: Any) -> Any:
        refused: dict[str, Any] = {}
        if isinstance(data, Mapping):
            writable = {name: field for name, field in self.fields.items() if not field.read_only}
            refused = {
                str(name): [gettext("Unknown field: remove it or check its spelling.")]
                for name in data
                if name not in writable
            }
            for name, value in data.items():
                field = writable.get(name)
                problem = None if field is None else _type_problem(field, value)
                if problem:
                    refused[str(name)] = [problem]
        try:
            value = super().to_internal_value(data)  # type: ignore[misc]
        except serializers.ValidationError as error:
            if refused and isinstance(error.detail, dict):
                error.detail.update(refused)
            raise
        if refused:
            raise serializers.ValidationError(refused)
        return value


class NotFoundApi(APIView):
    """Any other address under /api/ (including an id that is not a number) is a 404 in
    the API's error shape, not the HTML page meant for people."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    schema = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        raise exceptions.NotFound()


class ErrorDetailSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(
        help_text="`invalid` for a request to correct, otherwise the kind of error, such as "
        "`not_authenticated`, `permission_denied` or `not_found`."
    )
    message = serializers.CharField(help_text="What went wrong, for a person to read.")
    # DRF's metaclass moves declared fields off the class, so this field does not shadow
    # Serializer.fields at runtime; only the type checker sees the clash.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="For a request to correct: each field's problems, by field name "
        "(nested fields as `steps.0.title`); otherwise empty.",
    )


class ErrorSerializer(serializers.Serializer[Any]):
    """The one shape of every error the API answers with."""

    error = ErrorDetailSerializer()


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
            "message": message or gettext("The request is not valid."),
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
