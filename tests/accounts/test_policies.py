"""Who may see what: every role against every kind of object, asked both ways.

For each kind of object the table names who may see each object; the yes/no check
(``can_<verb>``) and the list (``<objects>_visible_to``) must both give exactly that, for
the objects of the viewer's organization and for another organization's.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts import policies
from practice.cohorts.models import Cohort
from practice.nudges.models import Notification
from tests.factories import (
    AttemptFactory,
    EnrollmentFactory,
    MeasurementFactory,
    NudgeFactory,
    TeachBackInviteFactory,
    TeachBackSessionFactory,
    TeamFactory,
    UserFactory,
    published_version,
)

pytestmark = pytest.mark.django_db

ROLES = ("learner", "colleague", "manager", "author", "org_admin", "superuser", "outsider")
ACME = {"learner", "colleague", "manager", "author", "org_admin"}
REPORTERS = {"author", "org_admin", "superuser"}


@pytest.fixture
def world(organization, other_organization, learner, manager, author, org_admin, outsider):
    """Acme: a learner in the team Dispatch (managed), a colleague in Sales (managed by
    nobody), an author and an org admin; Globex: someone with every role; a superuser."""
    colleague = UserFactory(organization=organization, email="colleague@acme.example")
    superuser = UserFactory(organization=None, email="root@platform.example", is_superuser=True)
    dispatch = TeamFactory(
        organization=organization, name="Dispatch", managers=[manager], members=[learner]
    )
    sales = TeamFactory(organization=organization, name="Sales", members=[colleague])
    globex_team = TeamFactory(
        organization=other_organization, name="Globex ops", managers=[outsider], members=[outsider]
    )
    acme_version = published_version(organization, steps=1, metrics=1)
    globex_version = published_version(other_organization, steps=1, metrics=1)
    enrollments = {
        "learner's": EnrollmentFactory(learner=learner, version=acme_version),
        "colleague's": EnrollmentFactory(learner=colleague, version=acme_version),
        "outsider's": EnrollmentFactory(learner=outsider, version=globex_version),
    }
    cohorts = {
        "of Dispatch": _cohort(acme_version, "Dispatch", by=org_admin, teams=[dispatch]),
        "assigned by the manager": _cohort(acme_version, "Picked", by=manager, people=[colleague]),
        "of Sales": _cohort(acme_version, "Sales", by=org_admin, teams=[sales]),
        "of Globex": _cohort(globex_version, "Globex", by=outsider, teams=[globex_team]),
    }
    scheduled = TeachBackSessionFactory(enrollment=enrollments["learner's"])
    TeachBackInviteFactory(session=scheduled, invitee=colleague)
    proposal = TeachBackSessionFactory(
        enrollment=enrollments["colleague's"], status="proposed", confirmed_at=None
    )
    TeachBackInviteFactory(session=proposal, invitee=learner)
    now = timezone.now()
    return {
        "users": {
            "learner": learner,
            "colleague": colleague,
            "manager": manager,
            "author": author,
            "org_admin": org_admin,
            "superuser": superuser,
            "outsider": outsider,
        },
        "organizations": {"Acme": organization, "Globex": other_organization},
        "teams": {"Dispatch": dispatch, "Sales": sales, "Globex ops": globex_team},
        "people": {"learner": learner, "colleague": colleague, "outsider": outsider},
        "micromasteries": {
            "Acme's": acme_version.micromastery,
            "Globex's": globex_version.micromastery,
        },
        "versions": {"Acme's": acme_version, "Globex's": globex_version},
        "enrollments": enrollments,
        "attempts": {name: AttemptFactory(enrollment=e) for name, e in enrollments.items()},
        "measurements": {name: MeasurementFactory(enrollment=e) for name, e in enrollments.items()},
        "cohorts": cohorts,
        "teachbacks": {
            "taught by the learner": scheduled,
            "proposed by the colleague": proposal,
            "taught in Globex": TeachBackSessionFactory(
                enrollment=EnrollmentFactory(
                    learner=outsider,
                    version=published_version(other_organization, steps=1),
                    status="completed",
                    completed_at=now - timedelta(days=1),
                )
            ),
        },
        "notifications": {
            "learner's": Notification.objects.create(recipient=learner, title="Practise"),
            "outsider's": Notification.objects.create(recipient=outsider, title="Practise"),
        },
        "nudges": {
            "learner's": NudgeFactory(recipient=learner),
            "outsider's": NudgeFactory(recipient=outsider),
        },
    }


def _cohort(version, name, *, by, teams=(), people=()):
    cohort = Cohort.objects.create(
        organization_id=version.micromastery.organization_id,
        micromastery=version.micromastery,
        name=name,
        starts_on=date(2026, 3, 2),
        created_by=by,
    )
    cohort.teams.set(teams)
    cohort.people.set(people)
    return cohort


# kind: (the yes/no check, the list, {object: roles who see it})
TABLE = {
    "organizations": (
        policies.can_view_organization,
        policies.organizations_visible_to,
        {"Acme": ACME | {"superuser"}, "Globex": {"outsider", "superuser"}},
    ),
    "teams": (
        policies.can_view_team,
        policies.teams_visible_to,
        {
            "Dispatch": {"manager"} | REPORTERS,
            "Sales": REPORTERS,
            "Globex ops": {"outsider", "superuser"},
        },
    ),
    "people": (
        policies.can_view_person,
        policies.people_visible_to,
        {
            "learner": {"learner", "manager"} | REPORTERS,
            "colleague": {"colleague"} | REPORTERS,
            "outsider": {"outsider", "superuser"},
        },
    ),
    "micromasteries": (
        policies.can_view_micromastery,
        policies.micromasteries_visible_to,
        {"Acme's": ACME | {"superuser"}, "Globex's": {"outsider", "superuser"}},
    ),
    "authoring": (
        policies.can_author,
        policies.micromasteries_authorable_by,
        {"Acme's": {"author", "superuser"}, "Globex's": {"outsider", "superuser"}},
    ),
    "enrollments": (
        policies.can_view_enrollment,
        policies.enrollments_visible_to,
        {
            "learner's": {"learner", "manager"} | REPORTERS,
            "colleague's": {"colleague"} | REPORTERS,
            "outsider's": {"outsider", "superuser"},
        },
    ),
    "practice": (
        policies.can_practise,
        policies.enrollments_practised_by,
        {"learner's": {"learner"}, "colleague's": {"colleague"}, "outsider's": {"outsider"}},
    ),
    "attempts": (
        policies.can_view_attempt,
        policies.attempts_visible_to,
        {
            "learner's": {"learner", "manager"} | REPORTERS,
            "colleague's": {"colleague"} | REPORTERS,
            "outsider's": {"outsider", "superuser"},
        },
    ),
    "measurements": (
        policies.can_view_measurement,
        policies.measurements_visible_to,
        {
            "learner's": {"learner", "manager"} | REPORTERS,
            "colleague's": {"colleague"} | REPORTERS,
            "outsider's": {"outsider", "superuser"},
        },
    ),
    "cohorts": (
        policies.can_change_cohort,
        policies.cohorts_visible_to,
        {
            "of Dispatch": {"manager"} | REPORTERS,
            "assigned by the manager": {"manager"} | REPORTERS,
            "of Sales": REPORTERS,
            "of Globex": {"outsider", "superuser"},
        },
    ),
    "teachbacks": (
        policies.can_view_teachback,
        policies.teachbacks_visible_to,
        {
            "taught by the learner": {"learner", "colleague"},
            # Only the teacher sees a proposal: the invitations have not gone out.
            "proposed by the colleague": {"colleague"},
            "taught in Globex": {"outsider"},
        },
    ),
    "notifications": (
        policies.can_view_notification,
        policies.notifications_visible_to,
        {"learner's": {"learner"}, "outsider's": {"outsider"}},
    ),
    "nudges": (
        policies.can_view_nudge,
        policies.nudges_visible_to,
        {
            "learner's": {"learner", "org_admin", "superuser"},
            "outsider's": {"outsider", "superuser"},
        },
    ),
}


# Kinds asked about objects listed under another name.
OBJECTS = {"authoring": "micromasteries", "practice": "enrollments"}


@pytest.mark.parametrize("kind", TABLE)
def test_policy_check_and_list_agree_with_the_table(world, kind):
    can, visible_to, expected = TABLE[kind]
    objects = world[OBJECTS.get(kind, kind)]
    checked, listed, wanted = {}, {}, {}
    for role in ROLES:
        user = world["users"][role]
        rows = set(visible_to(user).values_list("pk", flat=True))
        for name, obj in objects.items():
            wanted[role, name] = role in expected[name]
            checked[role, name] = can(user, obj)
            listed[role, name] = obj.pk in rows
    assert checked == wanted
    assert listed == wanted


def test_policy_versions_follow_authoring(world):
    versions = world["versions"]
    for role in ROLES:
        user = world["users"][role]
        seen = set(policies.versions_authorable_by(user))
        expected = {name for name, roles in TABLE["authoring"][2].items() if role in roles}
        assert {name for name, version in versions.items() if version in seen} == expected, role


@pytest.mark.parametrize(
    ("role", "may"),
    [
        ("learner", False),
        ("colleague", False),
        ("manager", True),
        ("author", True),
        ("org_admin", True),
        # A superuser belongs to no organization: there is no dashboard of theirs to show.
        ("superuser", False),
        ("outsider", True),
    ],
)
def test_policy_dashboard_is_for_managers_authors_and_org_admins(world, role, may):
    user = world["users"][role]
    assert policies.can_view_dashboard(user) is may
    assert policies.can_assign(user) is (may or role == "superuser")


def test_policy_refuses_an_inactive_user_everything(world):
    learner = world["users"]["learner"]
    org_admin = world["users"]["org_admin"]
    learner.is_active = org_admin.is_active = False
    assert not policies.can_practise(learner, world["enrollments"]["learner's"])
    assert not policies.enrollments_practised_by(learner).exists()
    assert not policies.can_view_team(org_admin, world["teams"]["Sales"])
    assert not policies.people_visible_to(org_admin).exists()
    assert not policies.can_view_dashboard(org_admin)


def test_policy_manages_only_members_of_ones_own_teams(world):
    users = world["users"]
    assert policies.manages(users["manager"], users["learner"])
    assert not policies.manages(users["manager"], users["colleague"])
    assert not policies.manages(users["org_admin"], users["learner"])
    assert not policies.manages(users["outsider"], users["learner"].pk)
