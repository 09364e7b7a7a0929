"""Local receivers for end-to-end nudge tests: an HTTP webhook endpoint and an SMTP server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WebhookReceiver:
    """Answers POSTs by path: /ok -> 200, /fail -> 500, /gone -> 404, /slow -> sleeps,
    /flaky -> 500 and 200 in turn, /hold -> waits until ``release()``, then 200."""

    def __init__(self, slow_seconds: float = 3.0) -> None:
        self.posts: list[dict] = []
        self.lock = threading.Lock()
        self.released = threading.Event()
        self.holding = 0
        self.flaky_count = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    post = {
                        "path": self.path,
                        "key": self.headers.get("Idempotency-Key"),
                        "signature": self.headers.get("X-Micromastery-Signature"),
                        "timestamp": self.headers.get("X-Micromastery-Timestamp"),
                        "headers": self.headers,
                        "body": body,
                        "json": json.loads(body or b"{}"),
                    }
                    receiver.posts.append(post)
                if self.path.startswith("/slow"):
                    time.sleep(slow_seconds)
                status = {"/ok": 200, "/fail": 500, "/gone": 404}.get(self.path, 200)
                if self.path == "/flaky":
                    with receiver.lock:
                        receiver.flaky_count += 1
                        status = 500 if receiver.flaky_count % 2 else 200
                if self.path == "/hold":
                    with receiver.lock:
                        receiver.holding += 1
                    receiver.released.wait()
                with receiver.lock:
                    post["status"] = status
                try:
                    self.send_response(status)
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the client gave up (timeout)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def keys(self, path: str | None = None, status: int | None = None) -> Counter:
        with self.lock:
            return Counter(
                p["key"]
                for p in self.posts
                if (path is None or p["path"] == path)
                and (status is None or p.get("status") == status)
            )

    def release(self) -> None:
        self.released.set()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpReceiver:
    """An aiosmtpd server on 127.0.0.1 that counts messages by their nudge header."""

    def __init__(self, port: int | None = None) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.lock = threading.Lock()
        receiver = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                message = message_from_bytes(envelope.content)
                with receiver.lock:
                    receiver.messages.append(message)
                return "250 OK"

        self.port = port or free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def keys(self, header: str = "X-Micromastery-Nudge") -> Counter:
        with self.lock:
            return Counter(m[header] for m in self.messages)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
