"""Team webhooks: Slack- and Microsoft-Teams-compatible JSON, signed with the team's secret.

Both Slack and Teams incoming webhooks show the ``text`` field (Markdown links work in
both); ``summary`` is the notification preview in Teams. Each post carries
``X-Micromastery-Timestamp`` and ``X-Micromastery-Signature: sha256=<hex>``, the HMAC of
``"<timestamp>.<body>"`` with the webhook's secret, and ``Idempotency-Key`` (the same on
every attempt) so that a receiver can verify it and drop a repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings

from practice.nudges.channels import PermanentSendError, TransientSendError, tracked_link
from practice.nudges.models import Nudge, TeamWebhook

SIGNATURE_HEADER = "X-Micromastery-Signature"
TIMESTAMP_HEADER = "X-Micromastery-Timestamp"


def webhook_url_problem(url: str) -> str | None:
    """Why nudges cannot be posted to this URL, or None.

    Only http(s). Unless private targets are allowed (local development and tests), the
    host must resolve to public addresses only: a webhook must never reach into the
    network the platform runs in.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Use an http:// or https:// address, such as the one Slack or Teams gives you."
    if settings.NUDGE_WEBHOOK_ALLOW_PRIVATE_TARGETS:
        return None
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except (socket.gaierror, UnicodeError):
        return f"“{parts.hostname}” cannot be found. Check the address."
    for address in addresses:
        ip = ipaddress.ip_address(str(address).split("%")[0])
        if not ip.is_global:
            return (
                f"“{parts.hostname}” points into a private network ({ip}); nudges can only be "
                "posted to a public address."
            )
    return None


def webhook_body(nudge: Nudge) -> bytes:
    name = nudge.recipient.get_short_name()
    lines = [f"*{name}*, {nudge.payload.get('subject', 'time to practise')}"]
    lines += [
        f"• [{item['title']}]({tracked_link(nudge.pk, index)}): {item['text']}"
        for index, item in enumerate(nudge.items)
    ]
    return json.dumps(
        {"text": "\n".join(lines), "summary": nudge.payload.get("subject", "")},
        ensure_ascii=False,
    ).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def send(nudge: Nudge, webhook: TeamWebhook) -> None:
    problem = webhook_url_problem(webhook.url)
    if problem:
        raise PermanentSendError(f"Webhook refused: {problem}")
    body = webhook_body(nudge)
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Micromastery-Nudges/1",
            "Idempotency-Key": nudge.idempotency_key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(webhook.secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(  # noqa: S310 - scheme checked above
            request, timeout=settings.NUDGE_WEBHOOK_TIMEOUT_SECONDS
        ) as response:
            response.read(1024)
    except urllib.error.HTTPError as error:
        reason = f"Webhook answered HTTP {error.code} {error.reason}"
        if error.code >= 500 or error.code in (408, 429):
            raise TransientSendError(reason) from error
        raise PermanentSendError(reason) from error
    except TimeoutError as error:
        raise TransientSendError(
            f"Webhook did not answer within {settings.NUDGE_WEBHOOK_TIMEOUT_SECONDS:g} s"
        ) from error
    except (urllib.error.URLError, OSError) as error:
        raise TransientSendError(f"Webhook unreachable: {error}") from error
