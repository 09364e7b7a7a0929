import pytest

from payoff.xapi.models import LearningRecordStore
from tests.payoff.xapi.lrs import RalphLrs

ACCOUNTS = {"acme": "acme-lrs-secret", "globex": "globex-lrs-secret"}


@pytest.fixture(scope="session")
def ralph_server():
    server = RalphLrs(ACCOUNTS).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def ralph(ralph_server):
    """The LRS, empty at the start of each test."""
    ralph_server.clear()
    return ralph_server


def connect_lrs(organization, server, account, *, enabled=True):
    lrs = LearningRecordStore(
        organization=organization,
        endpoint=server.endpoint,
        username=account,
        is_enabled=enabled,
    )
    lrs.password = server.accounts[account]
    lrs.save()
    return lrs
