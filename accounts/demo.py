"""The demo organization's people: Acme Logistics, two teams, every role."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from accounts import services
from accounts.models import Organization, User

DEMO_PASSWORD = "practise-daily"  # demo data only: seed_demo refuses to run in production


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    time_zone: str
    team: str | None = None
    role: str = "learner"
    # The language they chose on their account page; empty follows their browser.
    language: str = ""


DEMO_PEOPLE = [
    DemoPerson("lena.fischer@acme.example", "Lena Fischer", "Europe/Berlin", role="author"),
    DemoPerson("marcus.reed@acme.example", "Marcus Reed", "Europe/London", role="manager"),
    DemoPerson("priya.nair@acme.example", "Priya Nair", "Europe/London", role="org_admin"),
    DemoPerson("ana.costa@acme.example", "Ana Costa", "Europe/Lisbon", "Dispatch"),
    DemoPerson("tom.becker@acme.example", "Tom Becker", "Europe/Berlin", "Dispatch", language="de"),
    DemoPerson("kenji.sato@acme.example", "Kenji Sato", "Asia/Tokyo", "Dispatch"),
    DemoPerson("grace.okafor@acme.example", "Grace Okafor", "Africa/Lagos", "Dispatch"),
    DemoPerson("liam.walsh@acme.example", "Liam Walsh", "Europe/Dublin", "Dispatch"),
    DemoPerson("sofia.rossi@acme.example", "Sofia Rossi", "Europe/Rome", "Dispatch"),
    DemoPerson("maya.patel@acme.example", "Maya Patel", "America/New_York", "Customer Care"),
    DemoPerson(
        "diego.hernandez@acme.example",
        "Diego Hernández",
        "America/Los_Angeles",
        "Customer Care",
        language="es",
    ),
    DemoPerson(
        "chloe.martin@acme.example", "Chloé Martin", "Europe/Paris", "Customer Care", language="fr"
    ),
    DemoPerson("noah.kim@acme.example", "Noah Kim", "America/Chicago", "Customer Care"),
    DemoPerson("fatima.zahra@acme.example", "Fatima Zahra", "Africa/Casablanca", "Customer Care"),
    DemoPerson("oliver.smith@acme.example", "Oliver Smith", "Australia/Sydney", "Customer Care"),
]
DEMO_TEAMS = ["Dispatch", "Customer Care"]


@transaction.atomic
def seed_people() -> Organization:
    organization = services.organization_upsert(
        slug="acme-logistics",
        name="Acme Logistics",
        hourly_cost_rate=Decimal("48.00"),
        currency="EUR",
    )
    people: dict[str, User] = {}
    for person in DEMO_PEOPLE:
        people[person.email] = services.user_upsert(
            organization=organization,
            email=person.email,
            display_name=person.name,
            time_zone=person.time_zone,
            is_author=person.role == "author",
            is_org_admin=person.role == "org_admin",
            password=DEMO_PASSWORD,
            language=person.language,
        )
    managers = [people[p.email] for p in DEMO_PEOPLE if p.role == "manager"]
    for team in DEMO_TEAMS:
        services.team_upsert(
            organization=organization,
            name=team,
            managers=managers,
            members=[people[p.email] for p in DEMO_PEOPLE if p.team == team],
        )
    return organization


def demo_logins() -> list[tuple[str, str]]:
    """(role, email) pairs a newcomer can sign in with."""
    return [
        ("learner", "ana.costa@acme.example"),
        ("author (L&D)", "lena.fischer@acme.example"),
        ("manager of both teams", "marcus.reed@acme.example"),
        ("org admin", "priya.nair@acme.example"),
        ("learner who reads German", "tom.becker@acme.example"),
        ("learner who reads French", "chloe.martin@acme.example"),
    ]
