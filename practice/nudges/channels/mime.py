"""Email messages put together and written to their MIME bytes in one pass.

Django's ``EmailMessage.message()`` builds a tree of ``email`` package objects through their
general constructors, and ``as_bytes()`` writes it with the package's generator, which folds
every header through ``email.header.Header``: most of the cost of sending a nudge. A batch
sends thousands of small messages of one shape: a text body, its HTML alternative, a few
headers. ``OnePassEmail`` is an ``EmailMultiAlternatives`` whose ``message()`` is the same
tree (the same classes, headers in the same order with the same values, the same parts,
charset and transfer encodings, so every email backend and anything that reads the tree
sees what Django builds), put together directly, and whose ``as_bytes()`` writes the bytes
the generator would, in one pass:

- a header value made of printable ASCII words with single spaces is what folding leaves as
  it is when it fits on a line of 78 characters; a single such word that does not fit goes
  on a continuation line of its own (what ``Header.encode`` does with a word it cannot
  split); any other value (encoded words, several long words) is folded by the email
  package itself;
- a body is written line by line with the line ending asked for, as the generator does.

Anything else is left to Django as a whole: attachments, a charset other than UTF-8, a
non-text alternative, a line longer than RFC 5322 allows (Django then switches that part
to quoted-printable), a ``From`` line envelope. ``tests/practice/nudges/test_mime.py``
holds the bytes to the generator's and Django's own.
"""

from __future__ import annotations

import random
import re
import sys
from email.message import Message
from email.policy import Compat32, compat32
from email.utils import formatdate, make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import (
    RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    SafeMIMEMultipart,
    SafeMIMEText,
    utf8_charset,
)
from django.core.mail.utils import DNS_NAME

_NEWLINE = re.compile(r"\r\n|\r|\n")
# Printable ASCII words separated by single spaces: folding leaves them as they are.
_PLAIN_WORDS = re.compile(r"[!-~]+(?: [!-~]+)*")
_PLAIN_WORD = re.compile(r"[!-~]+")
_MAX_HEADER_LINE = 78  # compat32's max_line_length, which the generator folds to
_MAX_SUBJECT_UNFOLDED = 76  # email.header.Header's default line length
_ADDRESS_HEADERS_SET_FIRST = {"from", "to", "cc", "reply-to"}
_folding: dict[str, Compat32] = {}


def header_line(name: str, value: Any, linesep: str) -> str:
    """``name: value`` and its line ending(s), as the generator writes it under compat32."""
    if isinstance(value, str) and _PLAIN_WORDS.fullmatch(value):
        if len(name) + 2 + len(value) <= _MAX_HEADER_LINE:
            return f"{name}: {value}{linesep}"
        words = value.split(" ")
        if len(words) == 1:
            # One word that does not fit goes on a continuation line of its own.
            return f"{name}: {linesep} {value}{linesep}"
        if (
            len(words) == 2
            and words[0].endswith(";")
            and len(name) + 2 + len(words[0]) <= _MAX_HEADER_LINE
            and 1 + len(words[1]) <= _MAX_HEADER_LINE
        ):
            # "type/subtype; parameter": folded after the semicolon (a multipart's boundary).
            return f"{name}: {words[0]}{linesep} {words[1]}{linesep}"
    policy = _folding.get(linesep)
    if policy is None:
        policy = _folding[linesep] = compat32.clone(linesep=linesep)
    return policy.fold_binary(name, value).decode("ascii", "surrogateescape")


def header_store(message: Message, name: str, value: Any) -> None:
    """``message[name] = value`` as Django's ``Safe*`` classes store it (refusing line
    breaks, encoding non-ASCII), skipping their checks for a value they keep as it is."""
    if (
        isinstance(value, str)
        and _PLAIN_WORDS.fullmatch(value)
        # Django re-encodes any subject with Header(), which leaves one that fits as it is.
        and (len(value) <= _MAX_SUBJECT_UNFOLDED or name.lower() != "subject")
    ):
        Message.__setitem__(message, name, value)
    else:
        message[name] = value


def _write(part: Message, linesep: str, out: list[str]) -> bool:
    """Append ``part``'s text to ``out``; False when it is not one of ours as built."""
    if not isinstance(part, _OnePassText | _OnePassMultipart):
        return False
    if part.preamble is not None or part.epilogue is not None or part.policy is not compat32:
        return False
    for name, value in part.raw_items():
        out.append(header_line(name, value, linesep))
    out.append(linesep)
    payload = part._payload
    if isinstance(part, _OnePassMultipart):
        boundary = part.get_boundary()
        if not boundary or not isinstance(payload, list):
            return False
        out.append(f"--{boundary}{linesep}")
        for index, subpart in enumerate(payload):
            if index:
                out.append(f"{linesep}--{boundary}{linesep}")
            if not _write(subpart, linesep, out):
                return False
        out.append(f"{linesep}--{boundary}--{linesep}")
    elif isinstance(payload, str):
        if payload:
            out.append(linesep.join(_NEWLINE.split(payload)))
    elif payload is not None:
        return False
    return True


class OnePassMixin:
    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        out: list[str] = []
        if not unixfrom and _write(self, linesep, out):  # type: ignore[arg-type]
            return "".join(out).encode("ascii", "surrogateescape")
        return super().as_bytes(unixfrom=unixfrom, linesep=linesep)  # type: ignore[misc]

    def __bytes__(self) -> bytes:
        return self.as_bytes()


class _OnePassText(OnePassMixin, SafeMIMEText):  # type: ignore[misc]
    """A UTF-8 text part without long lines, as ``SafeMIMEText`` builds it."""

    def __init__(self, text: str, subtype: str) -> None:
        Message.__init__(self)
        self.encoding = "utf-8"
        header_store(self, "Content-Type", f'text/{subtype}; charset="utf-8"')
        header_store(self, "MIME-Version", "1.0")
        if text.isascii():
            header_store(self, "Content-Transfer-Encoding", "7bit")
            self._payload = text
        else:
            header_store(self, "Content-Transfer-Encoding", "8bit")
            self._payload = text.encode("utf-8").decode("ascii", "surrogateescape")
        self._charset = utf8_charset


class _OnePassMultipart(OnePassMixin, SafeMIMEMultipart):  # type: ignore[misc]
    """A multipart with its boundary chosen up front (none of its parts contains it)."""

    def __init__(self, subtype: str, parts: list[_OnePassText]) -> None:
        Message.__init__(self)
        self.encoding = "utf-8"
        while True:
            # The shape of the email package's own boundaries.
            boundary = f"{'=' * 15}{random.randrange(sys.maxsize):019d}=="
            if not any(boundary in part._payload for part in parts):
                break
        header_store(self, "Content-Type", f'multipart/{subtype}; boundary="{boundary}"')
        header_store(self, "MIME-Version", "1.0")
        self._payload = list(parts)


def _has_long_lines(text: str) -> bool:
    # Django's test for switching a part to quoted-printable; four bytes per character at most.
    if len(text) * 4 <= RFC5322_EMAIL_LINE_LENGTH_LIMIT:
        return False
    return any(
        len(line.encode(errors="surrogateescape")) > RFC5322_EMAIL_LINE_LENGTH_LIMIT
        for line in text.splitlines()
    )


class OnePassEmail(EmailMultiAlternatives):
    """``EmailMultiAlternatives`` whose MIME message is put together and written in one
    pass (see the module docstring); a message of another shape is Django's own."""

    def _one_pass_parts(self) -> list[tuple[str, str]] | None:
        """(text, subtype) of each part when the message has the one shape written here."""
        # Django writes 8-bit text only for "utf-8" spelled so (any other spelling: base64).
        encoding = self.encoding or settings.DEFAULT_CHARSET
        if self.attachments or encoding != "utf-8" or not isinstance(self.body, str):
            return None
        parts = [(self.body, self.content_subtype)]
        for content, mimetype in self.alternatives:
            if not mimetype.startswith("text/") or not isinstance(content, str):
                return None
            parts.append((content, mimetype.split("/", 1)[1]))
        if any(_has_long_lines(text) for text, _ in parts):
            return None
        return parts

    def message(self) -> Any:
        parts = self._one_pass_parts()
        if parts is None:
            return super().message()
        body = _OnePassText(*parts[0])
        message: SafeMIMEText | SafeMIMEMultipart = body
        if self.alternatives:
            message = _OnePassMultipart(
                self.alternative_subtype,
                ([body] if self.body else []) + [_OnePassText(*part) for part in parts[1:]],
            )
        # The headers of EmailMessage.message(), in its order.
        header_store(message, "Subject", self.subject)
        header_store(message, "From", self.extra_headers.get("From", self.from_email))
        for name, addresses in (("To", self.to), ("Cc", self.cc), ("Reply-To", self.reply_to)):
            if addresses:
                value = self.extra_headers.get(name, ", ".join(str(a) for a in addresses))
                header_store(message, name, value)
        header_names = {name.lower() for name in self.extra_headers}
        if "date" not in header_names:
            header_store(message, "Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME))
        if "message-id" not in header_names:
            header_store(message, "Message-ID", make_msgid(domain=DNS_NAME))
        for name, value in self.extra_headers.items():
            if name.lower() not in _ADDRESS_HEADERS_SET_FIRST:
                header_store(message, name, value)
        return message
