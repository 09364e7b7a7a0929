"""Import and export of one micromastery version as a JSON or YAML file.

The file has the shape of the API's create body (the four elements nested, steps, payoff
metrics, topics by name) plus a format header and the identity it came from (``slug`` and
``version``). Importing always creates a new draft in the importer's organization through
``services.micromastery_create``, so every rule of the admin and the API applies; a file
that breaks any of them imports nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

import yaml
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext
from rest_framework import serializers
from rest_framework.settings import api_settings

from accounts.models import Organization, User
from courses import services
from courses.api.serializers import (
    ContextSerializer,
    PayoffMetricSerializer,
    PracticeStepSerializer,
    VersionContentInputSerializer,
    WayInSerializer,
)
from courses.models import Micromastery, MicromasteryVersion
from micromastery.common.errors import ApplicationError
from micromastery.common.parsers import JSONLimitError, json_loads_bounded

FORMAT_NAME = "micromastery"
FORMAT_VERSION = 1
# A real micromastery is a few kilobytes; the cap keeps a mistaken or hostile upload from
# tying up a worker in the parser.
MAX_IMPORT_BYTES = 1_000_000
# A micromastery file is four levels deep (steps > step > check-in days), and no field
# stores a whole number of more than 12 digits (a metric's smallest and largest value).
# The caps refuse what only an attack needs: nesting that exhausts the parser, numbers
# that exhaust ``int``.
MAX_IMPORT_DEPTH = 10
MAX_IMPORT_INTEGER = 10**12

TransferFormat = Literal["json", "yaml"]
FORMATS: tuple[TransferFormat, ...] = ("json", "yaml")


class MicromasteryFileSerializer(VersionContentInputSerializer):
    """What an import file must contain. Every part is required, so that a truncated file
    is refused rather than imported half-empty."""

    format = serializers.ChoiceField(choices=[FORMAT_NAME], required=False)
    format_version = serializers.ChoiceField(choices=[FORMAT_VERSION], required=False)
    slug = serializers.SlugField(max_length=120, required=False, allow_blank=True)
    version = serializers.IntegerField(min_value=1, required=False)
    context = ContextSerializer(source="*")
    way_in = WayInSerializer(source="*")
    steps = PracticeStepSerializer(many=True)
    payoff_metrics = PayoffMetricSerializer(many=True)


# --- Export ---------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    # Whole numbers stay whole (10, not 10.00) so a person can read and edit the file.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def version_document(version: MicromasteryVersion) -> dict[str, Any]:
    """The content of one version as plain data, in the file's field order."""
    micromastery = version.micromastery
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "slug": micromastery.slug,
        "version": version.number,
        "title": version.title,
        "summary": version.summary,
        "estimated_minutes": version.estimated_minutes,
        "topics": sorted(topic.name for topic in micromastery.topics.all()),
        "context": {
            "challenge": version.context_challenge,
            "audience": version.context_audience,
            "why_it_matters": version.context_why_it_matters,
        },
        "way_in": {
            "insight": version.way_in_insight,
            "missing_link": version.way_in_missing_link,
            "media_url": version.way_in_media_url,
        },
        "steps": [
            {field: _plain(getattr(step, field)) for field in services.STEP_FIELDS}
            for step in version.steps.all()
        ],
        "payoff_metrics": [
            {field: _plain(getattr(metric, field)) for field in services.METRIC_FIELDS}
            for metric in version.payoff_metrics.all()
        ],
    }


class _ReadableDumper(yaml.SafeDumper):
    """Safe YAML that writes multi-line Markdown as a literal block, as an author would."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar(
        "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None
    )


_ReadableDumper.add_representer(str, _represent_text)


def version_export(*, version: MicromasteryVersion, file_format: TransferFormat = "yaml") -> str:
    """One version as the text of a JSON or YAML file."""
    document = version_document(version)
    if file_format == "json":
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if file_format == "yaml":
        return yaml.dump(
            document,
            Dumper=_ReadableDumper,
            allow_unicode=True,
            sort_keys=False,
            default_flow_style=False,
            width=88,
        )
    raise ApplicationError(
        gettext("Unknown format “%(format)s”: use json or yaml.") % {"format": file_format}
    )


# --- Import ---------------------------------------------------------------------------------


class _BoundedYAMLLoader(yaml.SafeLoader):
    """Safe YAML without aliases, deeper than ``MAX_IMPORT_DEPTH`` or with huge numbers.

    Each is refused while the document is composed, before anything is expanded: a few
    hundred bytes of nested aliases ("billion laughs") otherwise grow into gigabytes.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise ApplicationError(
                gettext(
                    "The file uses a YAML anchor or alias (“&” or “*”, line %(line)s). Write "
                    "each value out in full: an exported file never uses them."
                )
                % {"line": line}
            )
        nests = isinstance(event, yaml.CollectionStartEvent)
        if nests:
            self._depth += 1
            if self._depth > MAX_IMPORT_DEPTH:
                raise ApplicationError(
                    gettext(
                        "The file is nested more than %(limit)s levels deep (line %(line)s); "
                        "a micromastery needs four."
                    )
                    % {"limit": MAX_IMPORT_DEPTH, "line": line}
                )
        try:
            return super().compose_node(parent, index)
        finally:
            if nests:
                self._depth -= 1

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        # Checked on the text, before ``int`` spends time on thousands of digits.
        digits = str(node.value).replace("_", "").lstrip("+-")
        too_long = len(digits) > len(str(MAX_IMPORT_INTEGER)) + 2  # room for 0x, 0o, 0b
        value = None if too_long else super().construct_yaml_int(node)
        if value is None or abs(value) > MAX_IMPORT_INTEGER:
            raise ApplicationError(
                gettext(
                    "The number on line %(line)s is too large: whole numbers in a "
                    "micromastery file go up to %(limit)s."
                )
                % {
                    "line": node.start_mark.line + 1,
                    "limit": number_format(MAX_IMPORT_INTEGER, force_grouping=True),
                }
            )
        return value


_BoundedYAMLLoader.add_constructor("tag:yaml.org,2002:int", _BoundedYAMLLoader.construct_yaml_int)


def _parse(text: str, file_format: TransferFormat | None) -> Any:
    if file_format is None:
        file_format = "json" if text.lstrip().startswith(("{", "[")) else "yaml"
    try:
        if file_format == "json":
            return json_loads_bounded(
                text, max_depth=MAX_IMPORT_DEPTH, max_integer=MAX_IMPORT_INTEGER
            )
        return yaml.load(text, Loader=_BoundedYAMLLoader)  # noqa: S506 (a SafeLoader)
    except JSONLimitError as error:
        raise ApplicationError(
            gettext("The file was not imported. %(problem)s") % {"problem": error}
        ) from error
    except json.JSONDecodeError as error:
        # The parser's own words (error.msg) stay in English: they name JSON's syntax.
        raise ApplicationError(
            gettext("This is not valid JSON: %(problem)s (line %(line)s, column %(column)s).")
            % {"problem": error.msg, "line": error.lineno, "column": error.colno}
        ) from error
    except yaml.MarkedYAMLError as error:
        problem = error.problem or gettext("it cannot be read")
        if error.problem_mark:
            message = gettext("This is not valid YAML: %(problem)s (line %(line)s).") % {
                "problem": problem,
                "line": error.problem_mark.line + 1,
            }
        else:
            message = gettext("This is not valid YAML: %(problem)s.") % {"problem": problem}
        raise ApplicationError(message) from error
    except (yaml.YAMLError, RecursionError) as error:
        raise ApplicationError(
            gettext("This is not valid %(format)s.") % {"format": file_format.upper()}
        ) from error


def _line_of(text: str, path: list[str]) -> int | None:
    """The line where the value at ``path`` starts, when the text is YAML or JSON."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            node = next((value for key, value in node.value if key.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
        else:
            return None
        if node is None:
            return None
    return node.start_mark.line + 1 if node is not None else None


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(detail, Mapping):
        fields: dict[str, list[str]] = {}
        for name, value in detail.items():
            # A message about a whole list or mapping belongs to that part, not to a field
            # called "non_field_errors".
            part = "" if name == api_settings.NON_FIELD_ERRORS_KEY else f"{name}."
            fields.update(_flatten(value, f"{prefix}{part}"))
        return fields
    if isinstance(detail, list) and detail and not isinstance(detail[0], str):
        fields = {}
        for index, item in enumerate(detail):
            fields.update(_flatten(item, f"{prefix}{index}."))
        return fields
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix.rstrip(".") or "file": [str(message) for message in messages]}


def _invalid_file(text: str, detail: Any) -> ApplicationError:
    fields = _flatten(detail)
    lines = []
    for name, messages in fields.items():
        line = _line_of(text, name.split("."))
        names = {"field": name, "line": line, "problem": " ".join(messages)}
        if line:
            lines.append(gettext("%(field)s (line %(line)s): %(problem)s") % names)
        else:
            lines.append(gettext("%(field)s: %(problem)s") % names)
    return ApplicationError(
        " ".join([gettext("The file was not imported."), *lines]), fields=fields
    )


def import_file_read(
    content: str | bytes, file_format: TransferFormat | None = None
) -> dict[str, Any]:
    """The validated fields of an exported file (refused with the field and line at fault)."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ApplicationError(
            gettext(
                "The file is larger than %(limit)s bytes, far more than a micromastery "
                "needs. Is this the right file?"
            )
            % {"limit": number_format(MAX_IMPORT_BYTES, force_grouping=True)}
        )
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ApplicationError(
                gettext(
                    "This is not a text file: export a micromastery as JSON or YAML and "
                    "import that."
                )
            ) from error
    document = _parse(content, file_format)
    if not isinstance(document, Mapping):
        raise ApplicationError(
            gettext(
                "The file must hold one micromastery: a mapping with title, context, way_in, "
                "steps and payoff_metrics at the top level."
            )
        )
    parsed = MicromasteryFileSerializer(data=document)
    if not parsed.is_valid():
        raise _invalid_file(content, parsed.errors)
    fields = dict(parsed.validated_data)
    for identity in ("format", "format_version", "version"):
        fields.pop(identity, None)
    return fields


@transaction.atomic
def micromastery_import(
    *,
    organization: Organization,
    by: User | None,
    content: str | bytes,
    file_format: TransferFormat | None = None,
    as_version_of: Micromastery | None = None,
) -> MicromasteryVersion:
    """Create a new draft in ``organization`` from an exported file; returns the draft.

    By default the draft is a new micromastery, keeping the file's slug when the
    organization does not use it yet. With ``as_version_of``, it is the next version of
    that micromastery instead (refused while it has a draft already). Nothing is written
    unless the whole file is valid.
    """
    fields = import_file_read(content, file_format)
    slug = fields.pop("slug", "")
    if as_version_of is not None:
        if as_version_of.organization_id != organization.pk:
            raise ApplicationError(gettext("That micromastery is not in your organization."))
        latest = as_version_of.versions.order_by("-number").first()
        if latest is None:
            raise ApplicationError(gettext("That micromastery has no version to follow."))
        draft = services.version_create_draft(version=latest, by=by)
        return services.version_edit(version=draft, **fields)
    if slug and Micromastery.objects.for_organization(organization).filter(slug=slug).exists():
        slug = ""  # taken here: the service makes a free one from the title
    return services.micromastery_create(organization=organization, by=by, slug=slug, **fields)
