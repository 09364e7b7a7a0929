from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class ApplicationError(Exception):
    """A rule of the domain was broken; ``message`` tells a person what to do about it.

    ``fields`` maps a field name to its messages, so that forms and the API can show each
    message next to the field it is about.
    """

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    @classmethod
    def from_validation_error(cls, error: ValidationError, prefix: str = "") -> ApplicationError:
        """A model's ``full_clean`` refusal, with its messages placed by field."""
        fields = error.message_dict if hasattr(error, "error_dict") else {}
        return cls(" ".join(f"{prefix}{message}" for message in error.messages), fields=fields)

    def as_dict(self) -> dict[str, Any]:
        return {"message": self.message, "fields": self.fields}
