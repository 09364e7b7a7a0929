"""A real OpenID Provider for tests: panva's oidc-provider on Node, on a free port.

Started once per test session (``oidc_provider``); each test registers its own client
through Dynamic Client Registration and describes its own people, so tests share nothing
but the process.
"""

from __future__ import annotations

import contextlib
import selectors
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
# Fail only when the provider has printed nothing for this long: a busy machine is slow,
# not broken.
NO_PROGRESS_SECONDS = 120


class OidcProvider:
    def __init__(self, issuer: str) -> None:
        self.issuer = issuer
        self.http = requests.Session()

    def register_client(self, redirect_uri: str) -> tuple[str, str]:
        response = self.http.post(
            f"{self.issuer}/reg", json={"redirect_uris": [redirect_uri]}, timeout=60
        )
        response.raise_for_status()
        body = response.json()
        return body["client_id"], body["client_secret"]

    def add_account(self, login: str, **claims) -> None:
        response = self.http.post(
            f"{self.issuer}/__test__/accounts", json={login: claims}, timeout=60
        )
        response.raise_for_status()

    @contextlib.contextmanager
    def forging_id_tokens(self):
        """ID tokens come back signed with a key the provider never published."""
        self.http.post(f"{self.issuer}/__test__/forge", json={"enabled": True}, timeout=60)
        try:
            yield
        finally:
            self.http.post(f"{self.issuer}/__test__/forge", json={"enabled": False}, timeout=60)

    def authorize(self, authorization_url: str) -> str:
        """Play the browser at the provider (the sign-in is automatic); returns the URL the
        provider sends the browser back to, with its code."""
        assert authorization_url.startswith(self.issuer), authorization_url
        browser = requests.Session()
        url = authorization_url
        for _ in range(10):
            response = browser.get(url, allow_redirects=False, timeout=60)
            assert response.status_code in (302, 303), response.text
            url = urljoin(url, response.headers["Location"])
            if not url.startswith(self.issuer):
                return url
        raise AssertionError("The provider kept redirecting to itself.")


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.fixture(scope="session")
def oidc_provider():
    node = shutil.which("node")
    if node is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(
            "The single sign-on tests need Node.js and the test OpenID Provider: `make test` "
            f"installs it, or run `npm ci` in {PROVIDER_DIR}."
        )
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [node, "provider.js"], cwd=PROVIDER_DIR, stdout=subprocess.PIPE, stderr=log
        )
        try:
            issuer = _wait_for_issuer(process, log)
            yield OidcProvider(issuer)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_issuer(process: subprocess.Popen, log) -> str:
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    while True:
        if not selector.select(timeout=NO_PROGRESS_SECONDS):
            raise AssertionError(
                f"The test OpenID Provider said nothing for {NO_PROGRESS_SECONDS} seconds."
            )
        line = process.stdout.readline().decode()
        if not line:
            log.seek(0)
            raise AssertionError(f"The test OpenID Provider stopped: {log.read().decode()}")
        if line.startswith("issuer "):
            issuer = line.split(" ", 1)[1].strip()
            # It prints its issuer once it listens; wait until it also answers.
            _wait_until_answering(process, issuer)
            return issuer


def _wait_until_answering(process: subprocess.Popen, issuer: str) -> None:
    while True:
        try:
            requests.get(f"{issuer}/.well-known/openid-configuration", timeout=NO_PROGRESS_SECONDS)
            return
        except requests.ConnectionError:
            # Waiting on the process doubles as the pause between two tries.
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.2)
                raise AssertionError("The test OpenID Provider stopped.") from None
