from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django_stubs_ext import StrOrPromise


class ApplicationError(Exception):
    """A rule of the domain was broken; ``message`` tells a person what to do about it.

    ``fields`` maps a field name to its messages, so that forms and the API can show each
    message next to the field it is about.
    """

    def __init__(
        self, message: StrOrPromise, *, fields: Mapping[str, Sequence[StrOrPromise]] | None = None
    ) -> None:
        # Said in the language active where it is raised: the reader's, on a page or in the API.
        text = str(message)
        super().__init__(text)
        self.message = text
        self.fields = {
            name: [str(problem) for problem in problems]
            for name, problems in (fields or {}).items()
        }

    @classmethod
    def from_validation_error(cls, error: ValidationError, prefix: str = "") -> ApplicationError:
        """A model's ``full_clean`` refusal, with its messages placed by field."""
        fields = error.message_dict if hasattr(error, "error_dict") else {}
        return cls(" ".join(f"{prefix}{message}" for message in error.messages), fields=fields)

    def as_dict(self) -> dict[str, Any]:
        return {"message": self.message, "fields": self.fields}


def field_errors(instance: Model, field_names: Iterable[str]) -> dict[str, list[str]]:
    """What the model's own rules (maximum length, choices, validators) say about the named
    fields of ``instance``, by field; empty when they hold."""
    names = set(field_names)
    exclude = [field.name for field in instance._meta.fields if field.name not in names]
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as error:
        return dict(error.message_dict)
    return {}


def refuse_invalid_fields(instance: Model, field_names: Iterable[str], prefix: str = "") -> None:
    """Refuse with ApplicationError when the named fields of ``instance`` break the model's
    rules: for services that set a few fields of a row whose other rules live elsewhere."""
    errors = field_errors(instance, field_names)
    if errors:
        messages = [message for field_messages in errors.values() for message in field_messages]
        raise ApplicationError(
            " ".join(f"{prefix}{message}" for message in messages), fields=errors
        )
