"""What we post to team chats, checked with the receivers' own libraries.

Slack: the Block Kit models of Slack's Python SDK (``slack_sdk.models.blocks``) parse and
validate every block, and rebuild the same JSON. Teams: Microsoft's ``adaptivecards``
library (npm, run by Node) parses and validates the Adaptive Card; no JSON schema file of
Adaptive Cards is published in a package registry, so the library is the reference.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, SectionBlock

from practice.nudges import planning
from practice.nudges.channels.webhook import ChatLink, chat_payload, nudge_chat_payload
from practice.nudges.models import Nudge
from tests.factories import TeamFactory, TeamWebhookFactory
from tests.practice.nudges.helpers import day, enrol

pytestmark = pytest.mark.django_db

VALIDATOR = Path(__file__).parent / "adaptivecards" / "validate.js"
SLACK_FIELDS = {
    "text",
    "blocks",
    "attachments",
    "thread_ts",
    "mrkdwn",
    "unfurl_links",
    "unfurl_media",
    "metadata",
    "icon_emoji",
    "icon_url",
    "username",
    "channel",
}

TRICKY = [
    ChatLink(
        title="Run <b>stand-ups</b> & retros", url="https://learn.example.com/n/a", text="a > b"
    ),
    ChatLink(title="Second", url="https://learn.example.com/n/b", text=""),
]


def adaptive_card_problems(payloads: list[dict]) -> list[list[str]]:
    node = shutil.which("node")
    assert node, "Node.js is needed to run Microsoft's Adaptive Cards library"
    assert (VALIDATOR.parent / "node_modules" / "adaptivecards").is_dir(), (
        "run `make test` (or npm ci in tests/practice/nudges/adaptivecards) first"
    )
    result = subprocess.run(
        [node, str(VALIDATOR)],
        input=json.dumps(payloads),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.fixture
def nudge_payloads(learner, organization):
    """(nudge, its Slack body, its Teams body)."""
    team = TeamFactory(organization=organization, members=[learner])
    slack = TeamWebhookFactory(team=team, service="slack")
    enrol(learner)
    planning.nudges_plan(now=day(1, 10))
    nudge = Nudge.objects.get(channel="webhook")
    teams = TeamWebhookFactory.build(team=team, service="teams")
    return nudge, nudge_chat_payload(nudge, slack), nudge_chat_payload(nudge, teams)


def test_slack_nudge_is_block_kit_that_slacks_sdk_parses_validates_and_rebuilds(nudge_payloads):
    _, payload, _ = nudge_payloads
    assert set(payload) == {"text", "blocks"} and set(payload) <= SLACK_FIELDS
    blocks = [Block.parse(block) for block in payload["blocks"]]
    assert [type(block) for block in blocks] == [SectionBlock, ActionsBlock]
    for block in blocks:
        block.validate_json()  # raises SlackObjectFormationError on a broken block
    assert [block.to_dict() for block in blocks] == payload["blocks"]
    section, actions = blocks
    assert section.text.type == "mrkdwn"
    assert all(isinstance(element, ButtonElement) and element.url for element in actions.elements)
    # Links are Slack mrkdwn <url|text>, never Markdown [text](url).
    assert re.search(r"<https?://[^|>]+/n/[^|>]+\|[^>]+>", payload["text"])
    assert "](" not in payload["text"]
    assert "Ready for your first try?" in section.text.text


def test_slack_user_text_cannot_forge_links_or_mentions():
    webhook = TeamWebhookFactory.build(service="slack")
    payload = chat_payload(webhook, "Ana, <!channel> time to practise", TRICKY)
    text = payload["blocks"][0]["text"]["text"]
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "<https://learn.example.com/n/a|Run &lt;b&gt;stand-ups&lt;/b&gt; &amp; retros>" in text
    buttons = payload["blocks"][1]["elements"]
    assert buttons[0]["text"]["text"] == "Run <b>stand-ups</b> & retros"
    for block in payload["blocks"]:
        Block.parse(block).validate_json()


def test_teams_nudge_is_an_adaptive_card_that_microsofts_library_accepts(nudge_payloads):
    _, _, payload = nudge_payloads
    assert payload["type"] == "message"
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert tuple(int(part) for part in card["version"].split(".")) >= (1, 4)
    assert {element["type"] for element in card["body"]} == {"TextBlock"}
    assert card["actions"] and {action["type"] for action in card["actions"]} == {"Action.OpenUrl"}
    assert "Ready for your first try?" in card["body"][0]["text"]
    teams = TeamWebhookFactory.build(service="teams")
    tricky = chat_payload(teams, "Ana, <b>time</b> & more", TRICKY)
    assert adaptive_card_problems([payload, tricky]) == [[], []]


def test_adaptive_card_check_rejects_what_teams_rejects():
    """The check can fail: the old {"text", "summary"} body and a broken card are refused."""
    broken = {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [{"type": "TextBlock", "text": "x"}],
                    "actions": [{"type": "Action.OpenUrl", "title": "no url"}],
                },
            }
        ],
    }
    old, bad = adaptive_card_problems([{"text": "x", "summary": "y"}, broken])
    assert old and bad
