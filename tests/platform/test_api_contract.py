"""The API keeps the contract its own OpenAPI schema states, for every role.

Schemathesis reads /api/schema/ and runs every phase (explicit examples, coverage of
boundaries, fuzzing, stateful sequences through the links between operations) with every
check but a response-time limit against the app served by the test's live server, as an
author, as a learner and anonymously, on the demo organization's data. Any failed check (a
5xx, an undocumented status code or header, a body that does not match its schema, invalid
input accepted or valid input refused, a deleted resource still there...) fails the test
with schemathesis's report.

Select these tests alone with ``-m contract``. The examples are bounded and derandomized
(a fixed seed, no example database, no cache) so that a run is the same every time.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.management import call_command
from schemathesis.engine import Status, events, from_schema

from accounts.models import User
from accounts.services import api_token_issue

pytestmark = [pytest.mark.contract, pytest.mark.django_db(transaction=True)]

AUTHOR_EMAIL = "lena.fischer@acme.example"
LEARNER_EMAIL = "ana.costa@acme.example"
MAX_EXAMPLES = 10
# What positive_data_acceptance accepts by default (schemathesis 4).
POSITIVE_DATA_ACCEPTANCE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
SEED = 20261130


def contract_config(headers: dict[str, str]) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            # One worker thread: the app and the test share one database, and a run
            # stays reproducible.
            "workers": 1,
            # Nothing carried over from an earlier run: each run is the same.
            "cache": {"enabled": False},
            # Django's test server holds a kept-alive connection open waiting for a next
            # request; closing each one keeps the run from stalling on it.
            "headers": {**headers, "Connection": "close"},
            "checks": {"enabled": True},
            "operations": [
                {
                    # A write may be refused with 400 for a rule of the service the schema
                    # cannot state (already enrolled, nothing to publish, a cohort needs a
                    # micromastery or a course); reads never are.
                    "include-method": ["POST", "PATCH", "PUT", "DELETE"],
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": [
                                *POSITIVE_DATA_ACCEPTANCE_STATUSES,
                                "400",
                            ]
                        }
                    },
                }
            ],
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
        }
    )


def contract_failures(base_url: str, headers: dict[str, str]) -> list[str]:
    schema = schemathesis.openapi.from_url(
        f"{base_url}/api/schema/", config=contract_config(headers), headers=headers
    )
    failures: list[str] = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished) and event.status in (
            Status.FAILURE,
            Status.ERROR,
        ):
            failures.append(_describe(event))
        elif isinstance(event, events.NonFatalError):
            failures.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            raise event.exception
    return failures


def _describe(event: events.ScenarioFinished) -> str:
    lines = [f"[{event.phase.value}] {event.recorder.label}"]
    for case_id, checks in event.recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            case = event.recorder.cases[case_id].value
            lines.append(f"  {check.name}: {check.failure_info.failure.title}")
            lines.append(f"    {check.failure_info.failure.message}"[:600])
            lines.append(f"    {case.as_curl_command()}"[:600])
    return "\n".join(lines)


@pytest.fixture
def demo_organization(db: Any) -> None:
    call_command("seed_demo", verbosity=0)


def token_header(email: str) -> dict[str, str]:
    key = api_token_issue(user=User.objects.get(email=email))
    return {"Authorization": f"Token {key}"}


@pytest.mark.parametrize("role", ["author", "learner", "anonymous"])
def test_api_keeps_its_contract(demo_organization: None, live_server: Any, role: str) -> None:
    headers = {
        "author": lambda: token_header(AUTHOR_EMAIL),
        "learner": lambda: token_header(LEARNER_EMAIL),
        "anonymous": dict,
    }[role]()
    failures = contract_failures(live_server.url, headers)
    assert not failures, "\n\n".join(failures)
