"""One-pass MIME messages: the same tree and the same bytes as Django's own."""

from __future__ import annotations

import random
from email import message_from_bytes
from email.generator import BytesGenerator
from email.policy import compat32
from io import BytesIO

import pytest
import time_machine
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.core.mail.message import SafeMIMEText

from practice.nudges.channels.mime import OnePassEmail, OnePassMixin, header_line, header_store

UNSUBSCRIBE = (
    "<http://127.0.0.1:8000/nudges/unsubscribe/eJyrVipVsjI0NjQ2MDGxMDU1tDCqBQBGXQWP:1tZ3:a/>"
)
NUDGE_HEADERS = {
    "List-Unsubscribe": UNSUBSCRIBE,
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "Message-ID": "<nudge-12@127.0.0.1>",
    "X-Micromastery-Nudge": "nudge-12",
}

CASES = {
    "nudge": {
        "subject": "Ready for your first try?",
        "body": "Hi Sam,\n\n* Step: Do it\n  http://127.0.0.1:8000/n/abc/\n",
        "html": "<!doctype html>\n<p>Hi Sam,</p>\n",
        "to": ["sam@example.com"],
        "headers": NUDGE_HEADERS,
    },
    "german": {
        "subject": "Zeit zu üben: „Stand-up in 15 Minuten“ – jetzt gleich, ganz ohne Überstunden",
        "body": "Hallo Jürgen,\n\nEin paar Minuten jetzt genügen.\n",
        "html": "<p>Hallo Jürgen,</p><p>Ein paar Minuten jetzt genügen.</p>",
        "to": ["Jürgen Groß <jürgen@exämple.de>"],
        "headers": NUDGE_HEADERS,
    },
    "french": {
        "subject": "Êtes-vous prêt pour votre premier essai ?",
        "body": "Bonjour Camille,\r\nQuelques minutes suffisent.\rÀ bientôt",
        "html": "<p>Bonjour Camille,</p>\r\n",
        "to": ["camille@example.fr"],
        "headers": {**NUDGE_HEADERS, "X-Note": "élève"},
    },
    "long ascii subject": {
        "subject": "Run a 15-minute stand-up, give feedback to a colleague, and 3 more "
        "micromasteries are waiting for you today",
        "body": "From the team:\nFrom here on, a line starting with From stays as it is.\n",
        "html": "",
        "to": ["a@example.com", "b@example.com", "Someone With A Long Name <c@example.com>"],
        "cc": ["cc@example.com"],
        "reply_to": ["Reply; To, Person <r@example.com>"],
        "headers": {
            "Message-ID": "<m1@example.com>",
            "X-Spaces": "two  spaces and a trailing one ",
            "X-Tab": "a\tb",
        },
    },
    "no alternative": {
        "subject": "Plain",
        "body": "Just text, ünïcode too.",
        "to": ["p@example.com"],
        "headers": {
            "Message-ID": "<m2@example.com>",
            "Date": "Mon, 30 Nov 2026 09:00:00 -0000",
            "From": "Other <o@example.com>",
        },
    },
    "empty body": {
        "subject": "HTML only",
        "body": "",
        "html": "<p>only</p>",
        "to": ["h@example.com"],
        "headers": {
            "Message-ID": "<m3@example.com>",
            "X-Long-Word": "x" * 120,
            "X-Edge": "y" * (78 - len("X-Edge: ")),
        },
    },
    "long line": {
        "subject": "Long",
        "body": "word " * 300,
        "html": "<p>" + "é" * 600 + "</p>",
        "to": ["l@example.com"],
        "headers": NUDGE_HEADERS,
    },
}


def _email(email_class: type[EmailMultiAlternatives], case: dict) -> EmailMultiAlternatives:
    email = email_class(
        subject=case["subject"],
        body=case["body"],
        from_email="Micromastery <noreply@localhost>",
        to=case["to"],
        cc=case.get("cc"),
        reply_to=case.get("reply_to"),
        headers=case["headers"],
    )
    if "html" in case:
        email.attach_alternative(case["html"], "text/html")
    return email


def _generated(message) -> bytes:
    """What the email package's own generator writes for the tree."""
    out = BytesIO()
    BytesGenerator(out, mangle_from_=False).flatten(message, linesep="\r\n")
    return out.getvalue()


@pytest.mark.parametrize("name", list(CASES))
@time_machine.travel("2026-11-30 09:00:00Z", tick=False)
def test_one_pass_email_bytes_are_djangos(name, settings):
    settings.DEFAULT_FROM_EMAIL = "Micromastery <noreply@localhost>"
    case = CASES[name]
    ours = _email(OnePassEmail, case).message()
    theirs = _email(EmailMultiAlternatives, case).message()
    if ours.is_multipart():
        ours.as_bytes()  # a message left to Django gets its boundary when first written
        theirs.set_boundary(ours.get_boundary())
    assert isinstance(ours, type(theirs))
    # Only a line longer than RFC 5322 allows is left to Django here.
    assert isinstance(ours, OnePassMixin) == (name != "long line")
    for linesep in ("\n", "\r\n"):
        assert ours.as_bytes(linesep=linesep) == theirs.as_bytes(linesep=linesep)
    assert bytes(ours) == bytes(theirs)
    assert ours.as_string() == theirs.as_string()
    assert ours.as_bytes(linesep="\r\n") == _generated(ours)
    assert ours.items() == theirs.items()
    assert [part.items() for part in ours.walk()] == [part.items() for part in theirs.walk()]
    parsed = message_from_bytes(ours.as_bytes(linesep="\r\n"))
    assert parsed.get_content_type() == theirs.get_content_type()
    if "html" in case and case["body"]:
        text, html = parsed.get_payload()
        assert _lines(text.get_payload(decode=True).decode()) == _lines(case["body"])
        assert _lines(html.get_payload(decode=True).decode()) == _lines(case["html"])


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")


def test_one_pass_email_refuses_header_injection():
    email = OnePassEmail(subject="Hi\nBcc: x@example.com", body="b", to=["a@example.com"])
    with pytest.raises(BadHeaderError):
        email.message()


def test_one_pass_header_lines_are_the_email_packages():
    """Values of every kind of word and space, short and long, are written as compat32
    folds them."""
    rng = random.Random(16)
    alphabet = ["a", "Z", "9", "-", "<", ">", "@", ";", ",", ":", " ", " ", "  ", "\t", "=?", "é"]
    values = [
        "".join(rng.choice(alphabet) * rng.randint(1, 12) for _ in range(rng.randint(1, 14)))
        for _ in range(3000)
    ]
    # A type and one parameter, as a multipart's Content-Type, around every length that folds.
    values += [f"{'t' * rng.randint(1, 80)}; {'p' * rng.randint(1, 90)}" for _ in range(500)]
    for value in values:
        name = rng.choice(["To", "Subject", "List-Unsubscribe", "X-Micromastery-Nudge"])
        for linesep in ("\n", "\r\n"):
            expected = compat32.clone(linesep=linesep).fold_binary(name, value).decode()
            assert header_line(name, value, linesep) == expected, (name, value)
        assert _stored(header_store, name, value) == _stored(SafeMIMEText.__setitem__, name, value)


def _stored(store, name: str, value: str) -> object:
    """The headers a part holds after ``store``, or the error it raised."""
    message = SafeMIMEText("", "plain", "utf-8")
    try:
        store(message, name, value)
    except ValueError as error:
        return repr(error)
    return message.items()
