"""Checks that keep every language complete: no interface text left unmarked, no message
missing from a catalogue, no compiled catalogue older than its source.

Messages are found the way ``makemessages`` finds them: templates go through Django's own
``templatize`` and then, like Python files, through a Python extractor (Babel's, so the
checks need no GNU gettext on the machine).
"""

from __future__ import annotations

import ast
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polib
from babel.messages.extract import extract
from django.conf import settings
from django.template.base import Lexer, TokenType
from django.utils.translation.template import templatize

# The languages we translate into (English is the source).
TRANSLATED_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]

SOURCE_PACKAGES = ["accounts", "courses", "practice", "payoff", "micromastery"]
TEMPLATE_DIR = "templates"
# Author content and generated code, not interface text.
SKIPPED_PARTS = {"migrations", "demo", "node_modules", "__pycache__"}

# Django's translation functions, as Babel's keyword specs (argument positions, "c" context).
KEYWORDS: dict[str, Any] = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}

# Words that read the same in every language we speak: names, not sentences.
UNTRANSLATED_WORDS = {"Micromastery", "CSV", "API", "xAPI", "LRS", "SSO", "SCIM", "Slack"}
IGNORE_MARK = "i18n-ignore"


@dataclass(frozen=True)
class Message:
    msgid: str
    plural: str = ""
    context: str = ""


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


# --- Where the interface text lives ---------------------------------------------------------


def _skipped(path: Path) -> bool:
    return bool(SKIPPED_PARTS.intersection(path.parts))


def python_sources(root: Path) -> Iterator[Path]:
    for package in SOURCE_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if not _skipped(path.relative_to(root)):
                yield path


def template_sources(root: Path) -> Iterator[Path]:
    for path in sorted((root / TEMPLATE_DIR).rglob("*")):
        if path.suffix in {".html", ".txt"} and path.is_file():
            yield path


# --- Messages in the sources ----------------------------------------------------------------


def _messages_in_python_code(code: str) -> Iterator[Message]:
    for _line, message, _comments, context in extract(
        "python", io.BytesIO(code.encode()), keywords=KEYWORDS
    ):
        if isinstance(message, tuple):
            singular, plural = message[0], message[1]
            if singular:
                yield Message(singular, plural or "", context or "")
        elif message:
            yield Message(message, "", context or "")


def source_messages(root: Path) -> set[Message]:
    """Every message the sources ask to translate."""
    messages: set[Message] = set()
    for path in python_sources(root):
        messages.update(_messages_in_python_code(path.read_text()))
    for path in template_sources(root):
        code = templatize(path.read_text(), origin=str(path))
        # templatize keeps each line's place but not Python's indentation rules; its
        # messages are single-line literals, so flush lines cannot change them.
        code = "\n".join(line.lstrip() for line in code.splitlines())
        messages.update(_messages_in_python_code(code))
    return messages


# --- Catalogues -----------------------------------------------------------------------------


def catalogue_path(root: Path, language: str, suffix: str = "po") -> Path:
    return root / "locale" / language / "LC_MESSAGES" / f"django.{suffix}"


_PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}")


def _placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def catalogue_gaps(root: Path, language: str, messages: Iterable[Message]) -> list[str]:
    """What the language's catalogue lacks: missing, fuzzy or empty translations, and
    translations that lost or invented a placeholder."""
    path = catalogue_path(root, language)
    if not path.exists():
        return [f"{path} does not exist: run `make messages`"]
    catalogue = polib.pofile(str(path))
    entries = {(entry.msgctxt or "", entry.msgid): entry for entry in catalogue}
    gaps = []
    for message in sorted(messages, key=lambda m: (m.context, m.msgid)):
        entry = entries.get((message.context, message.msgid))
        label = repr(message.msgid) + (f" (context {message.context!r})" if message.context else "")
        if entry is None or entry.obsolete:
            gaps.append(f"{language}: missing {label}")
            continue
        if "fuzzy" in entry.flags:
            gaps.append(f"{language}: fuzzy {label}")
            continue
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if not translations or not all(translations):
            gaps.append(f"{language}: untranslated {label}")
            continue
        expected = _placeholders(message.msgid) | _placeholders(message.plural)
        for translation in translations:
            # A plural form may leave out the count ("un seul"), never invent a name.
            if not _placeholders(translation) <= expected or (
                not message.plural and _placeholders(translation) != expected
            ):
                gaps.append(f"{language}: placeholders differ in {label}: {translation!r}")
                break
    return gaps


def _entry_key(entry: polib.POEntry | polib.MOEntry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


def _entry_translation(entry: polib.POEntry | polib.MOEntry) -> object:
    if entry.msgid_plural:
        return tuple(value for _form, value in sorted(entry.msgstr_plural.items()))
    return entry.msgstr


def stale_compiled_catalogues(root: Path) -> list[str]:
    """Languages whose compiled catalogue (.mo, what Django reads) differs from the .po."""
    stale = []
    for language in TRANSLATED_LANGUAGES:
        po_path, mo_path = catalogue_path(root, language), catalogue_path(root, language, "mo")
        if not po_path.exists():
            continue
        if not mo_path.exists():
            stale.append(f"{mo_path} is missing: run `make messages`")
            continue

        source = {
            _entry_key(entry): _entry_translation(entry)
            for entry in polib.pofile(str(po_path))
            if entry.msgid and entry.translated() and not entry.obsolete
        }
        compiled = {
            _entry_key(entry): _entry_translation(entry)
            for entry in polib.mofile(str(mo_path))
            if entry.msgid
        }
        if source != compiled:
            stale.append(f"{mo_path} is older than its .po: run `make messages`")
    return stale


# --- Text left unmarked ---------------------------------------------------------------------

_LETTER = re.compile(r"[^\W\d_]")
_ENTITY = re.compile(r"&#?\w+;")
_TAG_ATTRIBUTE = re.compile(
    r"""\b(title|alt|placeholder|aria-label|aria-description|aria-roledescription)="([^"]*)"""
)
_BLOCK_OPENERS = {
    "blocktranslate": "endblocktranslate",
    "blocktrans": "endblocktrans",
    "comment": "endcomment",
    "verbatim": "endverbatim",
}


def _is_text(text: str) -> bool:
    words = [word for word in _ENTITY.sub(" ", text).split() if word not in UNTRANSLATED_WORDS]
    return bool(_LETTER.search(" ".join(words)))


class _MarkupScanner:
    """Walks the text between template tags: what is outside HTML tags is interface text,
    as are the values of the attributes people read (title, alt, placeholder, aria-label)."""

    def __init__(self) -> None:
        self.in_tag = False
        self.raw_element = ""  # inside <script> or <style>: code, not text
        self.in_comment = False

    def texts(self, chunk: str) -> Iterator[tuple[int, str]]:
        """(offset in ``chunk``, text) of each piece of interface text."""
        position = 0
        while position < len(chunk):
            if self.in_comment:
                end = chunk.find("-->", position)
                if end < 0:
                    return
                self.in_comment, position = False, end + 3
            elif self.raw_element:
                end = chunk.lower().find(f"</{self.raw_element}", position)
                if end < 0:
                    return
                self.raw_element, position = "", end
            elif self.in_tag:
                end = chunk.find(">", position)
                attributes = chunk[position : end if end >= 0 else len(chunk)]
                for match in _TAG_ATTRIBUTE.finditer(attributes):
                    yield position + match.start(2), match.group(2)
                if end < 0:
                    return
                self.in_tag, position = False, end + 1
            else:
                start = chunk.find("<", position)
                yield position, chunk[position : start if start >= 0 else len(chunk)]
                if start < 0:
                    return
                if chunk.startswith("<!--", start):
                    self.in_comment, position = True, start + 4
                    continue
                element = re.match(r"<(\w+)", chunk[start:])
                if element and element.group(1).lower() in {"script", "style"}:
                    end = chunk.find(">", start)
                    self.raw_element = element.group(1).lower()
                    position = end + 1 if end >= 0 else len(chunk)
                    continue
                self.in_tag, position = True, start + 1


def unmarked_template_text(path: Path, root: Path) -> Iterator[Finding]:
    source = path.read_text()
    ignored_lines = {
        number for number, line in enumerate(source.splitlines(), 1) if IGNORE_MARK in line
    }
    scanner = _MarkupScanner()
    plain_text = path.suffix == ".txt"
    closing = ""
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.split_contents()[0] if token.contents else ""
            if closing:
                if name == closing:
                    closing = ""
            elif name in _BLOCK_OPENERS:
                closing = _BLOCK_OPENERS[name]
            continue
        if closing or token.token_type != TokenType.TEXT:
            continue
        contents = token.contents
        texts = [(0, contents)] if plain_text else scanner.texts(contents)
        for offset, text in texts:
            if _is_text(text):
                offset += len(text) - len(text.lstrip())
                line = (token.lineno or 0) + contents.count("\n", 0, offset)
                if line in ignored_lines:
                    continue
                yield Finding(str(path.relative_to(root)), line, " ".join(text.split()))


# Python: interface text passed where people will read it.
_TEXT_KEYWORDS = {
    "verbose_name",
    "verbose_name_plural",
    "help_text",
    "label",
    "empty_label",
    "violation_error_message",
    "message",
}
_MESSAGE_CALLS = {
    "ApplicationError": 0,
    "ValidationError": 0,
    "PermissionDenied": 0,
    "AuthenticationFailed": 0,
    "NotFound": 0,
    "ParseError": 0,
    "RegexValidator": 1,
    "add_error": 1,
    "success": 1,
    "info": 1,
    "warning": 1,
    "error": 1,
}
# Class attributes people read: model and inline names, admin column titles.
_TEXT_ATTRIBUTES = {
    "verbose_name",
    "verbose_name_plural",
    "short_description",
    "empty_value_display",
}
_RELATION_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}
_CHOICES_BASES = {"TextChoices", "IntegerChoices", "Choices"}


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _literal_texts(node: ast.AST | None) -> Iterator[ast.AST]:
    """String literals (f-strings too) that reach a person as they are."""
    if (
        isinstance(node, ast.Constant) and isinstance(node.value, str) and _is_text(node.value)
    ) or isinstance(node, ast.JoinedStr):
        yield node
    elif isinstance(node, ast.BinOp):  # "..." + "..." and "..." % (...)
        yield from _literal_texts(node.left)
        if isinstance(node.op, ast.Add):
            yield from _literal_texts(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _literal_texts(node.body)
        yield from _literal_texts(node.orelse)


class _PythonTextVisitor(ast.NodeVisitor):
    def __init__(self, in_api: bool) -> None:
        # Serializer labels and help texts document the API schema for developers.
        self.in_api = in_api
        self.found: list[ast.AST] = []

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node)
        messages_module = (
            isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "messages"
        )
        if name in _MESSAGE_CALLS and (
            name not in {"success", "info", "warning", "error"} or messages_module
        ):
            position = _MESSAGE_CALLS[name]
            if len(node.args) > position:
                self.found.extend(_literal_texts(node.args[position]))
        if name == "add_message" and messages_module and len(node.args) > 2:
            self.found.extend(_literal_texts(node.args[2]))
        if (
            name.endswith("Field")
            and name not in _RELATION_FIELDS
            and node.args
            and isinstance(node.func, ast.Attribute)
            and getattr(node.func.value, "id", "") == "models"
        ):
            self.found.extend(_literal_texts(node.args[0]))
        for keyword in node.keywords:
            if (keyword.arg in _TEXT_KEYWORDS and not self.in_api) or (
                keyword.arg == "description" and name in {"display", "action"}
            ):
                self.found.extend(_literal_texts(keyword.value))
            elif keyword.arg == "fields" and isinstance(keyword.value, ast.Dict):
                for value in keyword.value.values:
                    items = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
                    for item in items:
                        self.found.extend(_literal_texts(item))
            elif keyword.arg == "choices" and isinstance(keyword.value, ast.List | ast.Tuple):
                for choice in keyword.value.elts:
                    if isinstance(choice, ast.Tuple) and len(choice.elts) == 2:
                        self.found.extend(_literal_texts(choice.elts[1]))
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = {getattr(base, "id", getattr(base, "attr", "")) for base in node.bases}
        if bases & _CHOICES_BASES:
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and isinstance(statement.value, ast.Tuple)
                    and len(statement.value.elts) == 2
                ):
                    self.found.extend(_literal_texts(statement.value.elts[1]))
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            name = getattr(target, "attr", getattr(target, "id", ""))
            if name in _TEXT_ATTRIBUTES:
                self.found.extend(_literal_texts(node.value))
            elif name == "fieldsets" and isinstance(node.value, ast.List | ast.Tuple):
                for fieldset in node.value.elts:
                    if isinstance(fieldset, ast.Tuple) and fieldset.elts:
                        self.found.extend(_literal_texts(fieldset.elts[0]))
        self.generic_visit(node)


def unmarked_python_text(path: Path, root: Path) -> Iterator[Finding]:
    source = path.read_text()
    lines = source.splitlines()
    relative = path.relative_to(root)
    visitor = _PythonTextVisitor(in_api="api" in relative.parts or relative.stem == "api")
    visitor.visit(ast.parse(source))
    for node in visitor.found:
        line = getattr(node, "lineno", 0)
        if IGNORE_MARK in lines[line - 1]:
            continue
        text = ast.unparse(node)
        yield Finding(str(relative), line, text if len(text) < 90 else text[:87] + "...")


def unmarked_text(root: Path) -> list[Finding]:
    findings: list[Finding] = []
    for path in template_sources(root):
        findings.extend(unmarked_template_text(path, root))
    for path in python_sources(root):
        findings.extend(unmarked_python_text(path, root))
    return findings
