"""A real Learning Record Store for tests: Ralph (ralph-malph) with its file system backend.

Ralph validates every statement it is given against xAPI 1.0.3 (it answers 4xx to one
that is not valid), stores one statement per id (204 for the same id and body again, 409
for another body) and answers GET /xAPI/statements with what it stored.

Two things differ from ``ralph runserver -b fs``: runserver starts uvicorn with
``reload=True`` (a file-watching parent process), and its file system backend writes
each request with the "index" operation, which refuses a file that already exists (500
"Statements bulk indexation failed" on every write after the first). So the app is run
here under uvicorn directly, with the backend appending to its file.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.practice.nudges.receivers import free_port

LAUNCHER = """
import sys
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND
import uvicorn
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
STALL = 120  # seconds without any sign of life before the LRS is declared dead


class RalphLrs:
    """One Ralph server; each account (user name) stores in a folder of its own, so one
    server stands in for the LRSs of several organizations."""

    def __init__(self, accounts: dict[str, str]) -> None:
        self.accounts = accounts
        self.home = Path(tempfile.mkdtemp(prefix="ralph-lrs-"))
        self.data = self.home / "data"
        self.data.mkdir()
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._env = {
            **os.environ,
            "RALPH_APP_DIR": str(self.home),
            "RALPH_AUTH_FILE": str(self.home / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.data),
        }
        ralph = Path(sys.executable).with_name("ralph")
        for username, password in accounts.items():
            (self.data / username).mkdir()
            # Ralph's own command writes its credentials file (bcrypt hashes).
            subprocess.run(
                [
                    str(ralph),
                    "auth",
                    "-u",
                    username,
                    "-p",
                    password,
                    "-s",
                    "all",
                    "-M",
                    f"mailto:{username}@lrs.example",
                    "-t",
                    username,
                    "-w",
                ],
                env=self._env,
                check=True,
                capture_output=True,
            )

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI"

    def start(self) -> RalphLrs:
        log = (self.home / "server.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(self.port)],
            env=self._env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_up()
        return self

    def _wait_until_up(self) -> None:
        """Until the port answers; fails at once if the server exits, and only after
        ``STALL`` seconds in which its log did not grow."""
        log = self.home / "server.log"
        seen, since = -1, time.monotonic()
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"Ralph exited: {log.read_text(errors='replace')}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__lbheartbeat__", timeout=5)
                return
            except OSError:
                pass
            size = log.stat().st_size
            if size != seen:
                seen, since = size, time.monotonic()
            elif time.monotonic() - since > STALL:
                raise RuntimeError(f"Ralph did not start: {log.read_text(errors='replace')}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)
        self.process = None

    def clear(self) -> None:
        for stored in self.data.glob("*/*.jsonl"):
            stored.unlink()

    def statements(self, username: str) -> list[dict]:
        """Every statement stored for this account, following the LRS's "more" links.

        (Ralph's ``verb=`` and ``activity=`` filters match nothing on this backend, so
        tests read everything and filter themselves.)"""
        credentials = base64.b64encode(f"{username}:{self.accounts[username]}".encode()).decode()
        found: list[dict] = []
        url = f"{self.endpoint}/statements?limit=500"
        while url:
            request = urllib.request.Request(
                url,
                headers={
                    "Authorization": f"Basic {credentials}",
                    "X-Experience-API-Version": "1.0.3",
                },
            )
            with urllib.request.urlopen(request, timeout=60) as response:
                page = json.load(response)
            found += page["statements"]
            more = page.get("more")
            if more and not more.startswith("http"):
                more = f"http://127.0.0.1:{self.port}{more}"
            url = more or ""
        return found
