from __future__ import annotations

from micromastery.common.errors import ApplicationError


class ScimProblem(ApplicationError):
    """A refusal that SCIM names: ``status`` and ``scim_type`` as in RFC 7644 §3.12."""

    def __init__(self, message: str, *, status: int = 400, scim_type: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.scim_type = scim_type


def not_found(kind: str, scim_id: str) -> ScimProblem:
    return ScimProblem(f"No {kind} with id {scim_id!r} in this organization.", status=404)
