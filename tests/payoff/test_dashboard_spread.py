"""Teach-back in the dashboard's Spread section, computed by hand on the payoff dataset.

Around NOW (see conftest), all on "Decide before you meet" unless said otherwise:

- 10 days ago Ada (Dispatch) taught Ben and Cleo; Dev was invited and did not come.
- 5 days ago Ben (Dispatch) taught Dev (Field).
- 3 days ago Dev (Field) taught Fay (Field).
- 200 days ago Ada taught Gus: before the 90-day period.
- 2 days ago Cleo taught Hal another micromastery.

Manager of Dispatch (teaching by Ada, Ben, Cleo): held 3, reached Ben, Cleo, Dev, Hal = 4,
depth 2 (Ada -> Ben -> Dev); on "Decide before you meet" only: held 2, reached 3.
Org admin (everyone): held 4, reached Ben, Cleo, Dev, Fay, Hal = 5, depth 3
(Ada -> Ben -> Dev -> Fay). Manager of Field: held 1, reached 1 (Fay), depth 1.
"""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from payoff.api.serializers import DashboardOutputSerializer
from practice.models import Enrollment
from tests.factories import (
    EnrollmentFactory,
    TeachBackInviteFactory,
    TeachBackSessionFactory,
    UserFactory,
    published_version,
)
from tests.payoff.conftest import NOW

pytestmark = pytest.mark.django_db

KEYS = ("teach_backs_held", "colleagues_reached", "teach_back_depth")


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def held(teacher, version, attendees, *, days_ago, absent=()):
    enrollment = Enrollment.objects.filter(learner=teacher, version=version).first()
    session = TeachBackSessionFactory(
        enrollment=enrollment
        or EnrollmentFactory(
            learner=teacher, version=version, completed_at=NOW, status="completed"
        ),
        starts_at=NOW - timedelta(days=days_ago),
    )
    for person in attendees:
        TeachBackInviteFactory(session=session, invitee=person, attended=True)
    for person in absent:
        TeachBackInviteFactory(session=session, invitee=person, attended=False)
    return session


@pytest.fixture
def teaching(dataset, organization):
    d = dataset
    fay = UserFactory(organization=organization, display_name="Fay")
    gus = UserFactory(organization=organization, display_name="Gus")
    hal = UserFactory(organization=organization, display_name="Hal")
    d.field_team.members.add(fay)
    held(d.ada, d.version, [d.ben, d.cleo], absent=[d.dev], days_ago=10)
    held(d.ben, d.version, [d.dev], days_ago=5)
    held(d.dev, d.version, [fay], days_ago=3)
    held(d.ada, d.version, [gus], days_ago=200)
    other = published_version(organization, title="Say no kindly")
    held(d.cleo, other, [hal], days_ago=2)
    field_manager = UserFactory(organization=organization, display_name="Flo Field")
    d.field_team.managers.add(field_manager)
    return field_manager


def spread_of(figures):
    return {figure["key"]: figure["value"] for figure in figures if figure["key"] in KEYS}


def test_dashboard_spread_for_the_managers_teams(client, api_as, dataset, manager, teaching):
    client.force_login(manager)
    response = client.get(reverse("payoff:dashboard"))
    page = spread_of(DashboardOutputSerializer(response.context["summary"]).data["spread"])
    assert page == {"teach_backs_held": 3, "colleagues_reached": 4, "teach_back_depth": 2}
    html = response.content.decode()
    for label in ("Teach-backs held", "Colleagues reached", "Depth of spread"):
        assert label in html
    assert html.index("Teach-backs held") > html.index("4. Spread")
    api = spread_of(api_as(manager).get("/api/v1/dashboard/").json()["spread"])
    assert api == page
    one = api_as(manager).get("/api/v1/dashboard/", {"micromastery": dataset.micromastery.pk})
    assert spread_of(one.json()["spread"]) == {
        "teach_backs_held": 2,
        "colleagues_reached": 3,
        "teach_back_depth": 2,
    }


def test_dashboard_spread_for_the_whole_organization(api_as, dataset, org_admin, teaching):
    body = api_as(org_admin).get("/api/v1/dashboard/").json()
    assert spread_of(body["spread"]) == {
        "teach_backs_held": 4,
        "colleagues_reached": 5,
        "teach_back_depth": 3,
    }
    longer = api_as(org_admin).get("/api/v1/dashboard/", {"period": 365}).json()
    assert spread_of(longer["spread"])["teach_backs_held"] == 5


def test_dashboard_spread_of_another_team_is_not_the_managers(
    client, api_as, dataset, manager, teaching, outsider
):
    field_manager = teaching
    body = api_as(field_manager).get("/api/v1/dashboard/").json()
    assert spread_of(body["spread"]) == {
        "teach_backs_held": 1,
        "colleagues_reached": 1,
        "teach_back_depth": 1,
    }
    assert (
        api_as(field_manager).get("/api/v1/dashboard/", {"team": dataset.dispatch.pk}).status_code
        == 404
    )
    client.force_login(outsider)
    response = client.get(reverse("payoff:dashboard"))
    assert spread_of(DashboardOutputSerializer(response.context["summary"]).data["spread"]) == {
        "teach_backs_held": 0,
        "colleagues_reached": 0,
        "teach_back_depth": 0,
    }
