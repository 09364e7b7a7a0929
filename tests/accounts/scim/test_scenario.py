"""A directory provisions a team with its manager and 50 people, updates 5 and deactivates 3;
the app's teams, managers, dashboards, nudges and sign-in follow."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Team, User
from practice.models import PracticeAttempt
from practice.nudges.models import Nudge, NudgeStatus
from tests.accounts.scim.conftest import ENTERPRISE_SCHEMA, group_body, patch_body, user_body
from tests.practice.nudges.helpers import MONDAY, day, enrol, practise
from tests.practice.nudges.test_planning import plan

pytestmark = pytest.mark.django_db

PASSWORD = "practise-daily-42"


def signs_in(person):
    """Whether the person gets in through the sign-in page, in a browser of their own."""
    response = Client().post(reverse("login"), {"username": person.email, "password": PASSWORD})
    return response.status_code == 302


def test_scim_provisioning_scenario_teams_managers_and_nudges_follow(scim, client, organization):
    marcus = scim.post(
        "Users", user_body("marcus.reed@acme.example", given="Marcus", family="Reed")
    ).json()
    priya = scim.post("Users", user_body("priya@acme.example", given="Priya", family="Nair")).json()
    people = []
    for index in range(50):
        response = scim.post(
            "Users",
            user_body(
                f"person{index:02}@acme.example",
                given=f"Person{index:02}",
                family="Doe",
                external_id=f"entra-{index}",
                manager_id=marcus["id"],
            ),
        )
        assert response.status_code == 201, response.content
        people.append(response.json())

    manager = User.objects.get(pk=marcus["id"])
    client.force_login(manager)
    assert client.get(reverse("payoff:dashboard")).status_code == 403  # manages nothing yet

    group = scim.post("Groups", group_body("Dispatch", [person["id"] for person in people]))
    assert group.status_code == 201, group.content
    team = Team.objects.get(pk=group.json()["id"])
    assert team.organization == organization
    assert team.members.count() == 50
    assert list(team.managers.all()) == [manager]
    # The manager now sees the team on their dashboard.
    assert client.get(reverse("payoff:dashboard")).status_code == 200
    assert client.get(reverse("payoff:dashboard"), {"team": team.pk}).status_code == 200

    # People practise and nudges are planned for them.
    learners = User.objects.filter(pk__in=[person["id"] for person in people]).order_by("pk")
    for learner in learners[:10]:
        learner.set_password(PASSWORD)
        learner.save()
        practise(enrol(learner, at=MONDAY), at=MONDAY)
    plan(day(1, 10))
    assert (
        Nudge.objects.filter(recipient__in=learners[:10], status=NudgeStatus.PLANNED).count() == 20
    )

    # Five people change: a new name, and a new manager for two of them.
    for person in people[:5]:
        response = scim.patch(
            f"Users/{person['id']}",
            patch_body({"op": "replace", "path": "name.familyName", "value": "Smith"}),
        )
        assert response.status_code == 200, response.content
    for person in people[3:5]:
        response = scim.patch(
            f"Users/{person['id']}",
            patch_body(
                {"op": "replace", "path": f"{ENTERPRISE_SCHEMA}:manager", "value": priya["id"]}
            ),
        )
        assert response.status_code == 200, response.content
    assert [person.display_name for person in learners[:6]] == [
        "Person00 Smith",
        "Person01 Smith",
        "Person02 Smith",
        "Person03 Smith",
        "Person04 Smith",
        "Person05 Doe",
    ]
    assert set(team.managers.values_list("pk", flat=True)) == {int(marcus["id"]), int(priya["id"])}

    # Three leave: two deactivated, one deleted by the directory.
    leavers = learners[5:8]
    attempts_before = PracticeAttempt.objects.filter(enrollment__learner__in=leavers).count()
    assert attempts_before == 3
    for leaver in leavers[:2]:
        response = scim.patch(
            f"Users/{leaver.pk}", patch_body({"op": "replace", "path": "active", "value": False})
        )
        assert response.status_code == 200, response.content
    assert scim.delete(f"Users/{leavers[2].pk}").status_code == 204

    for leaver in leavers:
        leaver.refresh_from_db()
        assert not leaver.is_active
        assert not Nudge.objects.filter(recipient=leaver, status=NudgeStatus.PLANNED).exists()
        assert Nudge.objects.filter(recipient=leaver, status=NudgeStatus.CANCELLED).count() == 2
        assert not signs_in(leaver)
    assert (
        PracticeAttempt.objects.filter(enrollment__learner__in=leavers).count() == attempts_before
    )
    # The planner plans nothing for them again; the others keep their nudges.
    plan(day(2, 10))
    assert not Nudge.objects.filter(recipient__in=leavers, status=NudgeStatus.PLANNED).exists()
    stayer = learners[8]
    assert Nudge.objects.filter(recipient=stayer, status=NudgeStatus.PLANNED).exists()
    assert signs_in(stayer)

    # The team keeps the people and history; the directory's group no longer lists the
    # deleted one, and the people in SCIM are the 52 provisioned less the deleted one.
    assert team.members.count() == 50
    listed = scim.get(f"Groups/{team.pk}").json()["members"]
    assert len(listed) == 49
    assert str(leavers[2].pk) not in {member["value"] for member in listed}
    inactive = scim.get("Users?filter=active eq false").json()
    assert {resource["id"] for resource in inactive["Resources"]} == {
        str(leaver.pk) for leaver in leavers[:2]
    }
