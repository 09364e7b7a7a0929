"""Team webhooks: Slack Block Kit or a Microsoft Teams Adaptive Card, signed with the team's
secret.

Slack gets ``blocks`` (a mrkdwn section with ``<url|text>`` links and link buttons) and a
``text`` fallback; Teams workflows get a message whose attachment is an Adaptive Card 1.4.
Each post carries
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
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from practice.nudges.channels import (
    MaybeDeliveredError,
    PermanentSendError,
    TransientSendError,
    in_recipient_language,
    nudge_subject,
    tracked_link,
)
from practice.nudges.models import ChatService, Nudge, TeamWebhook

SIGNATURE_HEADER = "X-Micromastery-Signature"
TIMESTAMP_HEADER = "X-Micromastery-Timestamp"
# Block Kit limits: section text 3000 characters, button text 75, 25 elements per block.
SLACK_SECTION_MAX = 3000
SLACK_BUTTON_MAX = 75
SLACK_BUTTONS_MAX = 5


def webhook_url_problem(url: str) -> str | None:
    """Why nudges cannot be posted to this URL, or None.

    Only http(s). Unless private targets are allowed (local development and tests), the
    host must resolve to public addresses only: a webhook must never reach into the
    network the platform runs in.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("Use an http:// or https:// address, such as the one Slack or Teams gives you.")
    if settings.NUDGE_WEBHOOK_ALLOW_PRIVATE_TARGETS:
        return None
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except (socket.gaierror, UnicodeError):
        return _("“%(host)s” cannot be found. Check the address.") % {"host": parts.hostname}
    for address in addresses:
        ip = ipaddress.ip_address(str(address).split("%")[0])
        if not ip.is_global:
            return _(
                "“%(host)s” points into a private network (%(address)s); nudges can only be "
                "posted to a public address."
            ) % {"host": parts.hostname, "address": ip}
    return None


@dataclass(frozen=True)
class ChatLink:
    title: str
    url: str
    text: str = ""


def _mrkdwn(text: str) -> str:
    """Slack mrkdwn escapes only these three; anything else in user text is shown as is."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(heading: str, links: list[ChatLink]) -> dict[str, Any]:
    """Block Kit: a section (mrkdwn, links as ``<url|text>``) and link buttons, plus the
    ``text`` fallback that notifications and old clients show."""
    lines = [heading] + [
        f"• <{link.url}|{_mrkdwn(link.title)}>" + (f": {_mrkdwn(link.text)}" if link.text else "")
        for link in links
    ]
    mrkdwn = "\n".join(lines)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn[:SLACK_SECTION_MAX]}}
    ]
    if links:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": link.title[:SLACK_BUTTON_MAX]},
                        "url": link.url,
                        "action_id": f"open-{index}",
                    }
                    for index, link in enumerate(links[:SLACK_BUTTONS_MAX])
                ],
            }
        )
    return {"text": mrkdwn[:SLACK_SECTION_MAX], "blocks": blocks}


def teams_payload(heading: str, links: list[ChatLink]) -> dict[str, Any]:
    """A Teams message holding an Adaptive Card 1.4: text blocks and Action.OpenUrl."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": heading, "weight": "Bolder", "size": "Medium", "wrap": True}
    ]
    body += [
        {
            "type": "TextBlock",
            "text": f"{link.title}: {link.text}" if link.text else link.title,
            "wrap": True,
        }
        for link in links
    ]
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": [
            {"type": "Action.OpenUrl", "title": link.title[:SLACK_BUTTON_MAX], "url": link.url}
            for link in links[:SLACK_BUTTONS_MAX]
        ],
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


def chat_payload(webhook: TeamWebhook, heading: str, links: list[ChatLink]) -> dict[str, Any]:
    """The JSON body for this webhook's service (Slack or Microsoft Teams)."""
    if webhook.service == ChatService.TEAMS:
        return teams_payload(heading, links)
    return slack_payload(_mrkdwn(heading), links)


def nudge_chat_payload(nudge: Nudge, webhook: TeamWebhook) -> dict[str, Any]:
    """The chat post of a nudge, in its recipient's language (a team's chat may hold
    people who read different languages: each nudge speaks to one of them)."""
    with in_recipient_language(nudge):
        # Translators: the heading of a nudge in team chat: a person's name, then what is due.
        heading = _("%(name)s, %(subject)s") % {
            "name": nudge.recipient.get_short_name(),
            "subject": nudge_subject(nudge),
        }
    links = [
        ChatLink(title=item["title"], url=tracked_link(nudge.pk, index), text=item["text"])
        for index, item in enumerate(nudge.items)
    ]
    return chat_payload(webhook, heading, links)


def webhook_body(nudge: Nudge, webhook: TeamWebhook) -> bytes:
    return json_body(nudge_chat_payload(nudge, webhook))


def json_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def send(nudge: Nudge, webhook: TeamWebhook) -> None:
    post(webhook=webhook, body=webhook_body(nudge, webhook), idempotency_key=nudge.idempotency_key)


def post(*, webhook: TeamWebhook, body: bytes, idempotency_key: str) -> None:
    """POST a signed body; raises a ``SendError`` that says what the receiver did.

    A receiver that took the request and did not answer in time raises
    ``MaybeDeliveredError``: it may well have posted the message in its channel.
    """
    problem = webhook_url_problem(webhook.url)
    if problem:
        raise PermanentSendError(f"Webhook refused: {problem}")
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Micromastery-Nudges/1",
            "Idempotency-Key": idempotency_key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(webhook.secret, timestamp, body),
        },
    )
    timeout = settings.NUDGE_WEBHOOK_TIMEOUT_SECONDS
    try:
        with urllib.request.urlopen(  # noqa: S310 - scheme checked above
            request, timeout=timeout
        ) as response:
            response.read(1024)
    except urllib.error.HTTPError as error:
        reason = f"Webhook answered HTTP {error.code} {error.reason}"
        if error.code >= 500 or error.code in (408, 429):
            raise TransientSendError(reason) from error
        raise PermanentSendError(reason) from error
    except TimeoutError as error:
        # The request was sent (a timeout while connecting arrives as URLError below).
        raise MaybeDeliveredError(f"Webhook did not answer within {timeout:g} s") from error
    except (urllib.error.URLError, OSError) as error:
        raise TransientSendError(f"Webhook unreachable: {error}") from error
