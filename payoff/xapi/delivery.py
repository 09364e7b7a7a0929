"""Deliver a statement to the LRS of the learner's organization (called by the outbox).

Each statement is PUT to ``<endpoint>/statements?statementId=<its id>``: an LRS stores a
statement id once, so a resend (a retry after a timeout, a worker killed after the LRS
answered, a backfill) is never a second statement. The LRS answers 204 when it stored
it, or when it already had it with the same body; 409 when it already has that id with
another body (an event corrected later, such as a check-in given again): both count as
delivered. 408, 429 and 5xx, and an LRS that cannot be reached, are retried by the
outbox; any other answer (a statement the LRS refuses, wrong credentials) is recorded
as the failure for an org admin to read, fix and send again.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote

from django.conf import settings

from accounts.models import User
from micromastery.common.encryption import UndecryptableSecret
from micromastery.common.outbox import MessageKind
from payoff.xapi.models import LearningRecordStore, lrs_endpoint_problem
from practice.nudges.channels import PermanentSendError, TransientSendError

XAPI_VERSION_HEADER = "1.0.3"


def statement_put(*, lrs: LearningRecordStore, statement: dict[str, Any]) -> None:
    """Store one statement in the LRS under its own id; raises a ``SendError`` that says
    what the LRS did."""
    problem = lrs_endpoint_problem(lrs.endpoint)
    if problem:
        raise PermanentSendError(f"LRS address refused: {problem}")
    try:
        password = lrs.password
    except UndecryptableSecret as error:
        # Retrying cannot help: an org admin must enter the password again.
        raise PermanentSendError(str(error)) from error
    credentials = base64.b64encode(f"{lrs.username}:{password}".encode()).decode()
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        f"{lrs.statements_url}?statementId={quote(statement['id'])}",
        data=json.dumps(statement, ensure_ascii=False).encode(),
        method="PUT",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Experience-API-Version": XAPI_VERSION_HEADER,
            "Authorization": f"Basic {credentials}",
            "User-Agent": "Micromastery-xAPI/1",
        },
    )
    timeout = settings.XAPI_TIMEOUT_SECONDS
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read(1024)
    except urllib.error.HTTPError as error:
        if error.code == 409:
            return  # the LRS already has this statement id: delivered before
        detail = error.read(300).decode(errors="replace").strip()
        reason = f"The LRS answered HTTP {error.code} {error.reason}: {detail}".rstrip(": ")
        if error.code >= 500 or error.code in (408, 429):
            raise TransientSendError(reason) from error
        raise PermanentSendError(reason) from error
    except TimeoutError as error:
        # Sending again is safe: the LRS keeps one statement per id.
        raise TransientSendError(f"The LRS did not answer within {timeout:g} s") from error
    except (urllib.error.URLError, OSError) as error:
        raise TransientSendError(f"The LRS is unreachable: {error}") from error


class StatementSender:
    """The outbox's sender for statements: to the LRS of the learner's organization, as
    configured at the moment of sending (a corrected address applies to retries)."""

    kind = MessageKind.XAPI_STATEMENT

    def send(self, *, recipient_id: int | None, payload: dict[str, Any]) -> None:
        organization_id = (
            User.objects.filter(pk=recipient_id).values_list("organization_id", flat=True).first()
            if recipient_id is not None
            else None
        )
        lrs = (
            LearningRecordStore.objects.filter(organization_id=organization_id).first()
            if organization_id is not None
            else None
        )
        if lrs is None:
            raise PermanentSendError("The organization has no Learning Record Store any more.")
        if not lrs.is_enabled:
            raise PermanentSendError(
                "The organization's Learning Record Store is switched off; switch it on and "
                "send again."
            )
        statement_put(lrs=lrs, statement=payload)
