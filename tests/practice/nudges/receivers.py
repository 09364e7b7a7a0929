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
    """Answers POSTs by path: /ok -> 200, /fail -> 500, /gone -> 404, /slow -> sleeps."""

    def __init__(self, slow_seconds: float = 3.0) -> None:
        self.posts: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.posts.append(
                        {
                            "path": self.path,
                            "key": self.headers.get("Idempotency-Key"),
                            "signature": self.headers.get("X-Micromastery-Signature"),
                            "timestamp": self.headers.get("X-Micromastery-Timestamp"),
                            "headers": self.headers,
                            "body": body,
                            "json": json.loads(body or b"{}"),
                        }
                    )
                if self.path.startswith("/slow"):
                    time.sleep(slow_seconds)
                status = {"/ok": 200, "/fail": 500, "/gone": 404}.get(self.path, 200)
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

    def keys(self, path: str | None = None) -> Counter:
        with self.lock:
            return Counter(p["key"] for p in self.posts if path is None or p["path"] == path)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpReceiver:
    """An aiosmtpd server on 127.0.0.1 that counts messages by their nudge header."""

    def __init__(self) -> None:
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

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def keys(self) -> Counter:
        with self.lock:
            return Counter(m["X-Micromastery-Nudge"] for m in self.messages)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
