"""People import from a CSV file: reading the file and planning what it would change.

Nothing here writes. ``people_import_plan`` answers, row by row, what confirming the import
would do (create, update, leave unchanged, or reject and why); the write services in
``accounts.services`` apply exactly that plan. Whatever the size of the file, the plan costs
the same handful of queries: people are looked up by email in bulk, the organization's teams
and their memberships are loaded once.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Team, User, normalize_email, time_zone_names
from micromastery.common.errors import ApplicationError

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# Emails are looked up in chunks well under every database's limit on query parameters.
EMAIL_LOOKUP_CHUNK = 5_000
NAME_MAX_LENGTH = User._meta.get_field("display_name").max_length or 150
TEAM_NAME_MAX_LENGTH = Team._meta.get_field("name").max_length or 150
EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length or 254
# A cell is kept to one character more than the longest column takes: enough for that
# column's own check to say it is too long, without storing or echoing kilobytes.
CELL_KEPT_LENGTH = max(NAME_MAX_LENGTH, TEAM_NAME_MAX_LENGTH, EMAIL_MAX_LENGTH) + 1
# Control characters (NUL, escape, ...) are never part of a name, email or team, and the
# database refuses NUL in text. Line breaks and tabs inside a cell are spacing.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")

# The columns, in the order the example file lists them, with the spellings people use.
COLUMNS = {
    "email": ("email", "e mail", "email address"),
    "name": ("name", "display name", "full name"),
    "team": ("team", "team name"),
    "manager_email": ("manager email", "manager", "manager email address"),
    "time_zone": ("time zone", "timezone", "tz"),
}
REQUIRED_COLUMNS = ("email", "name")
COLUMN_TITLES = {
    "email": "email",
    "name": "name",
    "team": "team",
    "manager_email": "manager email",
    "time_zone": "time zone",
}

EXAMPLE_CSV = (
    "email,name,team,manager email,time zone\n"
    "ada.lovelace@example.com,Ada Lovelace,Dispatch,grace.hopper@example.com,Europe/London\n"
    "alan.turing@example.com,Alan Turing,Dispatch,grace.hopper@example.com,Europe/London\n"
    "grace.hopper@example.com,Grace Hopper,Leadership,,America/New_York\n"
)

OTHER_ORGANIZATION_EMAIL = _("This email belongs to another organization.")

CREATE, UPDATE, UNCHANGED, REJECTED = "create", "update", "unchanged", "rejected"


@dataclass
class ImportRow:
    """One line of the file, as typed (trimmed), before any rule is applied."""

    line: int
    email: str = ""
    name: str = ""
    team: str = ""
    manager_email: str = ""
    time_zone: str = ""
    problem: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "email": self.email,
            "name": self.name,
            "team": self.team,
            "manager_email": self.manager_email,
            "time_zone": self.time_zone,
            "problem": self.problem,
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ImportRow:
        return cls(**{key: values.get(key, "") for key in cls.__dataclass_fields__})


def _header_key(cell: str) -> str:
    return " ".join(cell.replace("_", " ").replace("-", " ").lower().split())


@cache
def _column_by_spelling() -> dict[str, str]:
    return {spelling: column for column, spellings in COLUMNS.items() for spelling in spellings}


def parse_people_csv(content: bytes) -> list[ImportRow]:
    """Read a people CSV (UTF-8 with or without BOM, comma or semicolon separated).

    Problems with the whole file (encoding, header) raise ``ApplicationError``; problems
    with one row are left for the plan, so that every row's problem is shown at once.
    """
    if len(content) > MAX_FILE_BYTES:
        raise ApplicationError(
            gettext(
                "The file is larger than %(megabytes)d MB. Split it into several files and "
                "import them one after the other."
            )
            % {"megabytes": MAX_FILE_BYTES // (1024 * 1024)}
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ApplicationError(
            gettext(
                "The file is not UTF-8 text. In Excel choose Save As > “CSV UTF-8”; in Google "
                "Sheets choose File > Download > CSV."
            )
        ) from error
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), "")
    if not header_line:
        raise ApplicationError(gettext("The file is empty. The first line must name the columns."))
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = [(reader.line_num, record) for record in reader]
    except csv.Error as error:
        raise ApplicationError(
            gettext("Line %(line)d cannot be read as CSV (%(error)s). Check its quotes.")
            % {"line": reader.line_num, "error": error}
        ) from error
    records = [(line, record) for line, record in records if any(cell.strip() for cell in record)]
    (_, header), body = records[0], records[1:]

    spellings = _column_by_spelling()
    columns: list[str] = []
    unknown: list[str] = []
    for cell in header:
        column = spellings.get(_header_key(cell))
        if column is None or column in columns:
            unknown.append(cell.strip() or gettext("(empty)"))
        columns.append(column or "")
    expected = ", ".join(COLUMN_TITLES.values())
    missing = [COLUMN_TITLES[column] for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise ApplicationError(
            gettext(
                "The first line must name the columns; “%(missing)s” is missing. "
                "Expected columns: %(expected)s."
            )
            % {"missing": "”, “".join(missing), "expected": expected}
        )
    if unknown:
        raise ApplicationError(
            gettext("Unknown or repeated column “%(unknown)s”. Expected columns: %(expected)s.")
            % {"unknown": "”, “".join(unknown), "expected": expected}
        )
    if len(body) > MAX_ROWS:
        raise ApplicationError(
            gettext(
                "The file has %(people)s people; one import takes at most %(most)s. "
                "Split it into several files."
            )
            % {
                "people": number_format(len(body), force_grouping=True),
                "most": number_format(MAX_ROWS, force_grouping=True),
            }
        )

    rows = []
    for line, record in body:
        row = ImportRow(line=line)
        problems = []
        for column, cell in zip(columns, record, strict=False):
            if CONTROL_CHARACTERS.search(cell):
                problems.append(
                    gettext(
                        "The %(column)s contains a control character (such as NUL); "
                        "retype it or export the file again as CSV."
                    )
                    % {"column": COLUMN_TITLES[column]}
                )
                cell = CONTROL_CHARACTERS.sub("", cell)
            setattr(row, column, " ".join(cell.split())[:CELL_KEPT_LENGTH])
        extra = [cell for cell in record[len(columns) :] if cell.strip()]
        if extra:
            problems.append(
                gettext(
                    "This line has %(cells)d cells but the header has %(columns)d: put "
                    "quotes around a name or team that contains a “%(delimiter)s”."
                )
                % {"cells": len(record), "columns": len(columns), "delimiter": delimiter}
            )
        row.problem = " ".join(problems)
        rows.append(row)
    return rows


@cache
def _time_zone_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in time_zone_names()}


def team_key(name: str) -> str:
    """Teams match whatever the capitalisation and spacing of their name in the file."""
    return " ".join(name.split()).casefold()


def users_by_email(emails: Iterable[str]) -> dict[str, User]:
    """Everyone, of any organization, whose email is one of ``emails``."""
    wanted = sorted(set(emails))
    found: dict[str, User] = {}
    for start in range(0, len(wanted), EMAIL_LOOKUP_CHUNK):
        chunk = wanted[start : start + EMAIL_LOOKUP_CHUNK]
        for user in User.objects.filter(email__in=chunk).only(
            "pk", "email", "organization_id", "display_name", "time_zone", "is_superuser"
        ):
            found[user.email] = user
    return found


@dataclass
class PlannedRow:
    line: int
    email: str
    name: str
    team: str
    manager_email: str
    time_zone: str
    outcome: str = UNCHANGED
    reasons: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)


@dataclass
class PeopleImportPlan:
    """What confirming the import would do, and the writes that do it."""

    organization: Organization
    rows: list[PlannedRow]
    teams: dict[str, Team]
    teams_to_create: dict[str, str]
    users: dict[str, User]
    people_to_create: list[PlannedRow]
    people_to_update: list[PlannedRow]
    memberships_to_add: list[tuple[str, str]]
    managerships_to_add: list[tuple[str, str]]

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {outcome: self.count(outcome) for outcome in (CREATE, UPDATE, UNCHANGED, REJECTED)}

    @property
    def rejected_rows(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.outcome == REJECTED]

    @property
    def changed_rows(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.outcome in (CREATE, UPDATE)]

    @property
    def can_apply(self) -> bool:
        return bool(self.rows) and not self.rejected_rows


def _email_problem(email: str) -> str | None:
    if not email:
        return gettext("The email is missing.")
    if len(email) > EMAIL_MAX_LENGTH:
        return gettext("The email is longer than %(most)d characters.") % {"most": EMAIL_MAX_LENGTH}
    try:
        validate_email(email)
    except ValidationError:
        return gettext("“%(email)s” is not a valid email address.") % {"email": email}
    return None


def people_import_plan(
    *, organization: Organization, rows: Sequence[ImportRow]
) -> PeopleImportPlan:
    """Decide, without writing anything, what importing ``rows`` into ``organization`` does.

    Unknown teams are created (each is listed, so a typo shows before it becomes a team);
    people join the team on their row and are never removed from another team; the row's
    manager becomes a manager of that team. A person of another organization, inside the
    file or as a manager, is rejected: an import never reaches across tenants.
    """
    emails = [normalize_email(row.email) for row in rows]
    manager_emails = [normalize_email(row.manager_email) for row in rows]
    users = users_by_email(
        [email for email in emails + manager_emails if email and not _email_problem(email)]
    )
    teams = {team_key(team.name): team for team in Team.objects.for_organization(organization)}
    referenced_team_ids = {
        teams[team_key(row.team)].pk for row in rows if team_key(row.team) in teams
    }
    through_members = Team.members.through.objects.filter(team_id__in=referenced_team_ids)
    through_managers = Team.managers.through.objects.filter(team_id__in=referenced_team_ids)
    team_key_by_id = {team.pk: key for key, team in teams.items()}
    memberships = {
        (team_key_by_id[team_id], email)
        for team_id, email in through_members.values_list("team_id", "user__email")
    }
    managerships = {
        (team_key_by_id[team_id], email)
        for team_id, email in through_managers.values_list("team_id", "user__email")
    }

    first_line_of: dict[str, int] = {}
    for row, email in zip(rows, emails, strict=True):
        first_line_of.setdefault(email, row.line)

    plan = PeopleImportPlan(
        organization=organization,
        rows=[],
        teams=teams,
        teams_to_create={},
        users=users,
        people_to_create=[],
        people_to_update=[],
        memberships_to_add=[],
        managerships_to_add=[],
    )
    for row, email, manager_email in zip(rows, emails, manager_emails, strict=True):
        planned = PlannedRow(
            line=row.line,
            email=email,
            name=row.name,
            team=row.team,
            manager_email=manager_email,
            time_zone=row.time_zone,
        )
        plan.rows.append(planned)
        reasons = planned.reasons
        if row.problem:
            reasons.append(row.problem)

        email_problem = _email_problem(email)
        person = users.get(email)
        if email_problem:
            reasons.append(email_problem)
        elif first_line_of[email] != row.line:
            reasons.append(
                gettext("Same email as line %(line)d: list each person once.")
                % {"line": first_line_of[email]}
            )
        elif person is not None and person.organization_id != organization.pk:
            reasons.append(str(OTHER_ORGANIZATION_EMAIL))

        if not row.name:
            reasons.append(gettext("The name is missing."))
        elif len(row.name) > NAME_MAX_LENGTH:
            reasons.append(
                gettext("The name is longer than %(most)d characters.") % {"most": NAME_MAX_LENGTH}
            )

        time_zone = ""
        if row.time_zone:
            time_zone = _time_zone_by_lower_name().get(row.time_zone.lower(), "")
            if not time_zone:
                reasons.append(
                    gettext(
                        "“%(value)s” is not a time zone. Use a name such as Europe/Berlin or "
                        "America/New_York."
                    )
                    % {"value": row.time_zone}
                )
        planned.time_zone = time_zone

        key = team_key(row.team)
        if len(row.team) > TEAM_NAME_MAX_LENGTH:
            reasons.append(
                gettext("The team name is longer than %(most)d characters.")
                % {"most": TEAM_NAME_MAX_LENGTH}
            )
        elif key:
            planned.team = (
                teams[key].name if key in teams else plan.teams_to_create.get(key, row.team)
            )

        if manager_email:
            manager = users.get(manager_email)
            if _email_problem(manager_email):
                reasons.append(
                    gettext("The manager email “%(email)s” is not a valid email address.")
                    % {"email": manager_email}
                )
            elif manager is not None and manager.organization_id != organization.pk:
                reasons.append(
                    gettext("The manager %(email)s belongs to another organization.")
                    % {"email": manager_email}
                )
            elif manager is None and manager_email not in first_line_of:
                reasons.append(
                    gettext(
                        "The manager %(email)s is neither in your organization nor in this "
                        "file: add a line for them or correct the email."
                    )
                    % {"email": manager_email}
                )
            elif not key:
                reasons.append(
                    gettext(
                        "A manager needs a team: fill in the team, or leave the manager email "
                        "empty."
                    )
                )

        if reasons:
            planned.outcome = REJECTED
            continue

        if key and key not in teams and key not in plan.teams_to_create:
            plan.teams_to_create[key] = planned.team
        if person is None:
            planned.outcome = CREATE
            planned.time_zone = time_zone or "UTC"
            planned.changes.append(
                gettext("New person, time zone %(zone)s.") % {"zone": planned.time_zone}
            )
            plan.people_to_create.append(planned)
        else:
            if row.name != person.display_name:
                planned.changes.append(
                    gettext("Name: %(before)s → %(after)s.")
                    % {"before": person.display_name, "after": row.name}
                )
            if time_zone and time_zone != person.time_zone:
                planned.changes.append(
                    gettext("Time zone: %(before)s → %(after)s.")
                    % {"before": person.time_zone, "after": time_zone}
                )
            planned.time_zone = time_zone or person.time_zone
            if planned.changes:
                plan.people_to_update.append(planned)
        if key and (key, email) not in memberships:
            planned.changes.append(
                (
                    gettext("Joins the team %(team)s (a new team).")
                    if key in plan.teams_to_create
                    else gettext("Joins the team %(team)s.")
                )
                % {"team": planned.team}
            )
            plan.memberships_to_add.append((key, email))
        if manager_email and (key, manager_email) not in managerships:
            planned.changes.append(
                gettext("%(email)s becomes a manager of %(team)s.")
                % {"email": manager_email, "team": planned.team}
            )
            # Said once, on the first line naming this manager for this team.
            managerships.add((key, manager_email))
            plan.managerships_to_add.append((key, manager_email))
        if person is not None:
            planned.outcome = UPDATE if planned.changes else UNCHANGED
    return plan
