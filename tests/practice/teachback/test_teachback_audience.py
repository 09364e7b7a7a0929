"""The default audience of a teach-back: the largest group that can meet the teacher."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from practice.teachback import services
from practice.teachback.slots import Availability, largest_group_with_a_slot
from tests.factories import EnrollmentFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


@pytest.fixture
def world(organization):
    """A teacher in Berlin whose team is in Tokyo and Lagos; three more colleagues in
    Europe outside the team. Everyone works 9:00 to 17:00 local time, Monday to Friday."""
    teacher = UserFactory(
        organization=organization, display_name="Tess Berlin", time_zone="Europe/Berlin"
    )
    tokyo = [
        UserFactory(organization=organization, display_name=name, time_zone="Asia/Tokyo")
        for name in ("Aiko Tokyo", "Haru Tokyo")
    ]
    lagos = UserFactory(
        organization=organization, display_name="Bola Lagos", time_zone="Africa/Lagos"
    )
    europe = [
        UserFactory(organization=organization, display_name=name, time_zone=zone)
        for name, zone in (
            ("Lea Paris", "Europe/Paris"),
            ("Liam London", "Europe/London"),
            ("Marta Madrid", "Europe/Madrid"),
        )
    ]
    TeamFactory(organization=organization, members=[teacher, *tokyo, lagos])
    enrollment = EnrollmentFactory(learner=teacher, status="completed", completed_at=MONDAY)
    return teacher, tokyo, lagos, europe, enrollment


def names(people):
    return [person.display_name for person in people]


def test_default_audience_is_the_largest_group_with_a_common_slot(world):
    *_, enrollment = world
    with time_machine.travel(MONDAY, tick=False):
        audience = services.audience_suggest(enrollment=enrollment)
    # Tokyo's working day ends as Berlin's begins: a shared slot decides before the team.
    assert names(audience) == ["Bola Lagos", "Lea Paris", "Liam London", "Marta Madrid"]


def test_proposal_for_a_spread_out_team_opens_with_times_that_fit(client, world):
    teacher, *_, enrollment = world
    with time_machine.travel(MONDAY, tick=False):
        session = services.teachback_propose(enrollment=enrollment)
        assert len(session.proposed_slots) == 3
        client.force_login(teacher)
        html = client.get(reverse("teachback:session", args=[session.pk])).content.decode()
    assert "No time in the next two weeks fits everyone" not in html
    invited = html[html.index("<legend>Invited</legend>") : html.index("</fieldset>")]
    assert "Bola Lagos" in invited and "Lea Paris" in invited
    assert "Aiko Tokyo" not in invited


def test_team_comes_first_among_groups_of_the_same_size(organization):
    teacher = UserFactory(organization=organization, time_zone="Europe/Berlin")
    for index in range(3):
        UserFactory(organization=organization, display_name=f"Outside {index}")
    team = [
        UserFactory(organization=organization, display_name=f"Team {index}") for index in range(2)
    ]
    TeamFactory(organization=organization, members=[teacher, *team])
    enrollment = EnrollmentFactory(learner=teacher, status="completed", completed_at=MONDAY)
    with time_machine.travel(MONDAY, tick=False):
        audience = services.audience_suggest(enrollment=enrollment, size=3)
    assert names(audience) == ["Team 0", "Team 1", "Outside 0"]


def test_nobody_free_at_the_teachers_times_falls_back_to_the_team(organization):
    teacher = UserFactory(organization=organization, time_zone="Europe/Berlin")
    tokyo = UserFactory(organization=organization, display_name="Aiko", time_zone="Asia/Tokyo")
    TeamFactory(organization=organization, members=[teacher, tokyo])
    enrollment = EnrollmentFactory(learner=teacher, status="completed", completed_at=MONDAY)
    with time_machine.travel(MONDAY, tick=False):
        assert names(services.audience_suggest(enrollment=enrollment)) == ["Aiko"]


def test_largest_group_with_a_slot_prefers_more_people_over_the_preferred_ones():
    from datetime import time
    from zoneinfo import ZoneInfo

    def person(zone):
        return Availability(
            zone=ZoneInfo(zone), starts=time(9), ends=time(17), days=frozenset({1, 2, 3, 4, 5})
        )

    teacher = person("Europe/Berlin")
    colleagues = [person("Asia/Tokyo"), person("Europe/Rome"), person("Europe/Vienna")]
    chosen = largest_group_with_a_slot(
        teacher, colleagues, now=MONDAY, size=6, preferred=[True, False, False]
    )
    assert chosen == [1, 2]
    assert largest_group_with_a_slot(teacher, [], now=MONDAY - timedelta(days=1), size=6) == []


@pytest.fixture
def proposal(world):
    with time_machine.travel(MONDAY, tick=False):
        return services.teachback_propose(enrollment=world[-1])


def test_search_keeps_the_ticked_colleagues_ticked(client, world, proposal):
    teacher, tokyo, *_ = world
    client.force_login(teacher)
    url = reverse("teachback:audience_candidates", args=[proposal.pk])
    response = client.get(url, {"q": "Haru", "audience": [tokyo[0].pk]}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="audience-candidates"' in html
    assert f'value="{tokyo[0].pk}" checked' in html  # Aiko, ticked before the search
    assert f'value="{tokyo[1].pk}">' in html  # Haru, found
    assert "<html" not in html
    # Without JavaScript, "Find" posts the form and gets the page with the same ticks.
    page = client.post(
        reverse("teachback:audience", args=[proposal.pk]),
        {"q": "Haru", "find": "1", "audience": [tokyo[0].pk]},
    )
    assert page.status_code == 200
    assert f'value="{tokyo[0].pk}" checked' in page.content.decode()
    assert proposal.invites.filter(invitee=tokyo[0]).exists() is False


def test_search_partial_is_the_teachers_alone(client, world, proposal, outsider):
    _, tokyo, *_ = world
    url = reverse("teachback:audience_candidates", args=[proposal.pk])
    for person in (outsider, tokyo[0]):
        client.force_login(person)
        assert client.get(url, {"q": "a"}).status_code == 404
    client.logout()
    assert client.get(url, {"q": "a"}).status_code == 302


def test_completion_card_links_to_the_proposal(client, organization):
    from practice import services as practice_services
    from tests.factories import published_version

    learner = UserFactory(organization=organization)
    TeamFactory(
        organization=organization, members=[learner, UserFactory(organization=organization)]
    )
    version = published_version(organization, steps=1, title="Say no kindly")
    version.steps.update(repetitions_required=1)
    enrollment = practice_services.enrollment_create(
        learner=learner, micromastery=version.micromastery
    )
    step = version.steps.get()
    practice_services.attempt_log(
        enrollment=enrollment, step=step, what_i_did="Did it", confidence=4, minutes=5
    )
    client.force_login(learner)
    url = reverse("practice:step", args=[enrollment.pk, step.pk])
    html = client.get(url).content.decode()
    assert "Teach it back" in html
    enrollment.refresh_from_db()
    session = services.teachback_propose(enrollment=enrollment)
    html = client.get(url).content.decode()
    assert reverse("teachback:session", args=[session.pk]) in html
    assert "Choose who and when for your teach-back" in html
