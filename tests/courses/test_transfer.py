import json

import pytest
import yaml
from django.core.management import CommandError, call_command

from courses import transfer
from courses.models import Micromastery, MicromasteryVersion, Topic
from micromastery.common.errors import ApplicationError
from tests.factories import MetricFactory, OrganizationFactory, TopicFactory, published_version

pytestmark = pytest.mark.django_db

IDENTITY_FIELDS = ("slug", "version")


def rich_version(organization):
    """A published version that uses every field, including decimals and Markdown."""
    version = published_version(
        organization,
        steps=3,
        metrics=1,
        way_in_media_url="https://example.com/stand-up",
        summary="Fifteen minutes, then back to work.\n\n**Really.**",
    )
    MetricFactory(
        version=version,
        key="hours-saved",
        order=2,
        name="Team hours in stand-ups",
        unit="person-hours per week",
        target_change="2.50",
        value_per_unit="1.0000",
        value_basis="hours",
        min_value=0,
        checkin_days=[30, 60],
    )
    version.micromastery.topics.set(
        [
            TopicFactory(organization=organization, name="Meetings", slug="meetings"),
            TopicFactory(organization=organization, name="Leadership", slug="leadership"),
        ]
    )
    return version


def content_of(document):
    return {name: value for name, value in document.items() if name not in IDENTITY_FIELDS}


@pytest.mark.parametrize("file_format", ["json", "yaml"])
def test_export_import_export_round_trip_is_identical(
    organization, other_organization, author, outsider, file_format
):
    original = rich_version(organization)
    exported = transfer.version_export(version=original, file_format=file_format)

    draft = transfer.micromastery_import(
        organization=other_organization, by=outsider, content=exported, file_format=file_format
    )
    again = transfer.version_export(version=draft, file_format=file_format)

    load = json.loads if file_format == "json" else yaml.safe_load
    assert content_of(load(again)) == content_of(load(exported))
    assert draft.status == "draft"
    assert draft.micromastery.organization == other_organization
    assert draft.micromastery.slug == original.micromastery.slug
    assert draft.created_by == outsider
    assert set(
        Topic.objects.filter(organization=other_organization).values_list("name", flat=True)
    ) == {
        "Meetings",
        "Leadership",
    }


def test_export_contains_all_four_elements_and_topic_names(organization):
    version = rich_version(organization)
    document = yaml.safe_load(transfer.version_export(version=version, file_format="yaml"))

    assert document["format"] == "micromastery"
    assert document["context"]["challenge"] == version.context_challenge
    assert document["way_in"]["media_url"] == "https://example.com/stand-up"
    assert [step["key"] for step in document["steps"]] == ["step-1", "step-2", "step-3"]
    metric = document["payoff_metrics"][1]
    assert (metric["target_change"], metric["value_per_unit"], metric["value_basis"]) == (
        2.5,
        1,
        "hours",
    )
    assert document["topics"] == ["Leadership", "Meetings"]


def test_import_into_the_same_organization_gets_a_free_slug(organization, author):
    original = rich_version(organization)
    exported = transfer.version_export(version=original, file_format="json")

    draft = transfer.micromastery_import(organization=organization, by=author, content=exported)

    assert draft.micromastery.slug != original.micromastery.slug
    assert Micromastery.objects.filter(organization=organization).count() == 2


def valid_document(organization):
    return json.loads(
        transfer.version_export(version=rich_version(organization), file_format="json")
    )


def broken(document, path, value):
    target = document
    for part in path[:-1]:
        target = target[part]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return json.dumps(document)


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        (["steps"], KeyError, "steps"),
        (["steps"], "do it three times", "steps"),
        (["steps", 1, "repetitions_required"], "often", "steps.1.repetitions_required"),
        (["steps", 0, "colour"], "blue", "steps.0.colour"),
        (["way_in", "shortcut"], "none", "way_in.shortcut"),
        (["context"], KeyError, "context"),
        (["payoff_metrics", 0, "direction"], "sideways", "payoff_metrics.0.direction"),
        (["payoff_metrics", 0, "checkin_days"], [14, "later"], "payoff_metrics.0.checkin_days"),
        (["format_version"], 7, "format_version"),
        (["title"], "", "title"),
    ],
)
def test_import_of_a_malformed_file_names_the_field_and_imports_nothing(
    organization, other_organization, path, value, named
):
    content = broken(valid_document(organization), path, value)
    before = (Micromastery.objects.count(), Topic.objects.count())

    with pytest.raises(ApplicationError) as refused:
        transfer.micromastery_import(organization=other_organization, by=None, content=content)

    assert any(name.startswith(named) for name in refused.value.fields), refused.value.fields
    assert named.split(".")[0] in refused.value.message
    assert (Micromastery.objects.count(), Topic.objects.count()) == before


def test_import_field_error_in_yaml_gives_the_line(organization, other_organization):
    text = transfer.version_export(version=rich_version(organization), file_format="yaml")
    text = text.replace("repetitions_required: 2", "repetitions_required: twice", 1)
    line = next(
        number
        for number, content in enumerate(text.splitlines(), start=1)
        if "repetitions_required: twice" in content
    )

    with pytest.raises(ApplicationError) as refused:
        transfer.micromastery_import(organization=other_organization, by=None, content=text)

    assert f"steps.0.repetitions_required (line {line})" in refused.value.message


@pytest.mark.parametrize(
    ("content", "file_format", "message"),
    [
        ('{"title": "Unclosed", ', "json", "not valid JSON"),
        ("title: [unclosed\nsteps: {", "yaml", "not valid YAML"),
        ("just a sentence", None, "one micromastery"),
        (b"\xff\xfe\x00binary", None, "not a text file"),
        ("- a list\n- not a mapping", "yaml", "one micromastery"),
        ("[" * 5000, "json", "nested more than 10 levels"),
    ],
)
def test_import_of_a_file_that_is_not_json_or_yaml_is_refused(
    other_organization, content, file_format, message
):
    with pytest.raises(ApplicationError, match=message):
        transfer.micromastery_import(
            organization=other_organization, by=None, content=content, file_format=file_format
        )
    assert not Micromastery.objects.exists()


def test_import_parse_error_gives_the_line(other_organization):
    content = "title: Fine\ncontext:\n  challenge: ok\n  audience: [broken\n"
    with pytest.raises(ApplicationError, match=r"line \d"):
        transfer.micromastery_import(organization=other_organization, by=None, content=content)


def test_import_of_a_huge_file_is_refused_before_parsing(organization, other_organization):
    document = valid_document(organization)
    document["summary"] = "x" * (transfer.MAX_IMPORT_BYTES + 1)

    with pytest.raises(ApplicationError, match="larger than 1,000,000 bytes"):
        transfer.micromastery_import(
            organization=other_organization, by=None, content=json.dumps(document)
        )
    assert not Micromastery.objects.filter(organization=other_organization).exists()


def test_import_rule_broken_in_a_later_step_leaves_no_topics_behind(organization):
    elsewhere = OrganizationFactory(slug="elsewhere")
    document = valid_document(organization)
    document["topics"] = ["Brand new topic"]
    document["steps"][2]["key"] = "not a slug!"

    with pytest.raises(ApplicationError):
        transfer.micromastery_import(organization=elsewhere, by=None, content=json.dumps(document))

    assert not Topic.objects.filter(organization=elsewhere).exists()
    assert not Micromastery.objects.filter(organization=elsewhere).exists()


# --- Management commands --------------------------------------------------------------------


def test_export_and_import_commands_copy_a_micromastery_between_organizations(
    tmp_path, organization, other_organization, outsider
):
    original = rich_version(organization)
    target = tmp_path / "stand-up.yaml"

    call_command(
        "export_micromastery",
        original.micromastery.slug,
        "--organization",
        organization.slug,
        "-o",
        str(target),
    )
    call_command(
        "import_micromastery",
        str(target),
        "--organization",
        other_organization.slug,
        "--by",
        outsider.email.upper(),
    )

    draft = MicromasteryVersion.objects.get(micromastery__organization=other_organization)
    assert (draft.title, draft.status, draft.created_by) == (original.title, "draft", outsider)
    assert draft.steps.count() == 3


def test_export_command_picks_a_version_and_a_format(organization, author, capsys):
    original = rich_version(organization)
    from courses import services

    draft = services.version_create_draft(version=original, by=author)
    services.version_update(version=draft, title="Second thoughts")

    call_command(
        "export_micromastery",
        original.micromastery.slug,
        "--organization",
        organization.slug,
        "--format",
        "json",
        "--version",
        "2",
    )

    assert json.loads(capsys.readouterr().out)["title"] == "Second thoughts"
    with pytest.raises(CommandError, match="no version 9"):
        call_command(
            "export_micromastery",
            original.micromastery.slug,
            "--organization",
            organization.slug,
            "--version",
            "9",
        )


def test_import_command_reports_a_bad_file_and_imports_nothing(tmp_path, other_organization):
    target = tmp_path / "broken.json"
    target.write_text('{"title": "No parts"}')

    with pytest.raises(CommandError, match=r"broken\.json: .*steps"):
        call_command("import_micromastery", str(target), "--organization", other_organization.slug)
    assert not Micromastery.objects.exists()


def test_import_command_refuses_someone_of_another_organization(
    tmp_path, organization, other_organization, author
):
    target = tmp_path / "stand-up.json"
    target.write_text(
        transfer.version_export(version=rich_version(organization), file_format="json")
    )

    with pytest.raises(CommandError, match="nobody with the email"):
        call_command(
            "import_micromastery",
            str(target),
            "--organization",
            other_organization.slug,
            "--by",
            author.email,
        )
    assert not Micromastery.objects.filter(organization=other_organization).exists()


# --- Hostile files ----------------------------------------------------------------------------

# 423 bytes that PyYAML would expand into 9**9 strings: each level repeats the one before.
BILLION_LAUGHS = "\n".join(
    [
        'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
        *(
            f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]"
            for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "title: *i",
    ]
)
FIVE_THOUSAND_DIGITS = "9" * 5000


def yaml_of(document):
    return yaml.safe_dump(document, sort_keys=False)


def hostile_files(organization):
    """Each hostile file, in its format, with what the refusal must say."""
    document = valid_document(organization)
    document["estimated_minutes"] = 12  # stands for the number, replaced in the text
    as_yaml = yaml_of(document)
    as_json = json.dumps(document, indent=2)
    minutes_line = next(
        number
        for number, content in enumerate(as_yaml.splitlines(), start=1)
        if content.startswith("estimated_minutes:")
    )
    return {
        "billion laughs": (BILLION_LAUGHS, "yaml", "anchor or alias (“&” or “*”, line 1)"),
        "alias": (
            as_yaml.replace("steps:\n", "shared: &shared 5\nsteps:\n", 1).replace(
                "repetitions_required: 2", "repetitions_required: *shared", 1
            ),
            "yaml",
            "anchor or alias",
        ),
        "deep yaml": (
            as_yaml + "extra: " + "[" * 11 + "]" * 11 + "\n",
            "yaml",
            f"nested more than 10 levels deep (line {len(as_yaml.splitlines()) + 1})",
        ),
        "deep json": (
            as_json.replace('"topics": [', '"topics": [' + "[" * 10 + "]" * 10 + ",", 1),
            "json",
            "nested more than 10 levels deep (line",
        ),
        "huge yaml number": (
            as_yaml.replace("estimated_minutes: 12", f"estimated_minutes: {FIVE_THOUSAND_DIGITS}"),
            "yaml",
            f"number on line {minutes_line} is too large",
        ),
        "thirteen-digit yaml number": (
            as_yaml.replace("estimated_minutes: 12", "estimated_minutes: 1_000_000_000_001"),
            "yaml",
            "go up to 1,000,000,000,000",
        ),
        "huge json number": (
            as_json.replace(
                '"estimated_minutes": 12', f'"estimated_minutes": {FIVE_THOUSAND_DIGITS}'
            ),
            "json",
            "is too large: whole numbers here go up to 1,000,000,000,000 (line",
        ),
    }


HOSTILE = [
    "billion laughs",
    "alias",
    "deep yaml",
    "deep json",
    "huge yaml number",
    "thirteen-digit yaml number",
    "huge json number",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_import_of_a_hostile_file_is_refused_with_the_reason_and_imports_nothing(
    organization, other_organization, hostile
):
    content, file_format, message = hostile_files(organization)[hostile]
    before = (Micromastery.objects.count(), Topic.objects.count())

    with pytest.raises(ApplicationError) as refused:
        transfer.micromastery_import(
            organization=other_organization, by=None, content=content, file_format=file_format
        )

    assert message in refused.value.message
    assert (Micromastery.objects.count(), Topic.objects.count()) == before


@pytest.mark.parametrize("hostile", HOSTILE)
def test_import_command_refuses_a_hostile_file_with_the_reason(
    tmp_path, organization, other_organization, hostile
):
    content, file_format, message = hostile_files(organization)[hostile]
    target = tmp_path / f"hostile.{file_format}"
    target.write_text(content)
    before = Micromastery.objects.count()

    with pytest.raises(CommandError) as refused:
        call_command("import_micromastery", str(target), "--organization", other_organization.slug)

    assert message in str(refused.value)
    assert Micromastery.objects.count() == before


def test_import_within_the_limits_keeps_working(organization, other_organization):
    document = valid_document(organization)
    document["estimated_minutes"] = 240
    document["payoff_metrics"][0]["max_value"] = 999_999_999_999
    document["summary"] = "Digits and brackets in text are text: 99999999999 [[[[[[[[[[[[."

    draft = transfer.micromastery_import(
        organization=other_organization, by=None, content=yaml_of(document)
    )

    assert draft.summary == document["summary"]
    assert draft.payoff_metrics.first().max_value == 999_999_999_999
