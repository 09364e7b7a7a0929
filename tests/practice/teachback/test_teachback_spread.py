from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from practice.models import Enrollment
from practice.teachback.models import SessionStatus
from practice.teachback.selectors import spread_compute, spread_counts
from tests.factories import (
    EnrollmentFactory,
    TeachBackInviteFactory,
    TeachBackSessionFactory,
    TeamFactory,
    UserFactory,
    published_version,
)

pytestmark = pytest.mark.django_db


def held(teacher, version, attendees, *, days_ago, absent=(), status=SessionStatus.SCHEDULED):
    """A session of ``version`` that took place ``days_ago``, with who attended."""
    enrollment = Enrollment.objects.filter(learner=teacher, version=version).first()
    session = TeachBackSessionFactory(
        enrollment=enrollment
        or EnrollmentFactory(
            learner=teacher, version=version, completed_at=timezone.now(), status="completed"
        ),
        starts_at=timezone.now() - timedelta(days=days_ago),
        status=status,
    )
    for person in attendees:
        TeachBackInviteFactory(session=session, invitee=person, attended=True)
    for person in absent:
        TeachBackInviteFactory(session=session, invitee=person, attended=False)
    return session


@pytest.fixture
def people(organization):
    return {
        name: UserFactory(organization=organization, display_name=name)
        for name in ["Ada", "Ben", "Cy", "Dee", "Eve", "Fay", "Gus"]
    }


@pytest.fixture
def version(organization):
    return published_version(organization, title="Decisive meetings")


@pytest.fixture
def chain(organization, people, version):
    """Ada taught Ben and Cy (Dee missed it); Ben taught Eve; Eve taught Fay and Ada."""
    p = people
    held(p["Ada"], version, [p["Ben"], p["Cy"]], absent=[p["Dee"]], days_ago=30)
    held(p["Ben"], version, [p["Eve"]], days_ago=20)
    # Ada comes back to Eve's session: she stays the root, the tree never loops.
    held(p["Eve"], version, [p["Fay"], p["Ada"]], days_ago=10)
    # Cancelled and not yet held sessions do not count.
    held(p["Gus"], version, [p["Dee"]], days_ago=5, status=SessionStatus.CANCELLED)
    held(p["Gus"], version, [p["Dee"]], days_ago=-2)
    return p


def test_spread_counts_held_reached_and_depth(organization, chain, version, other_organization):
    assert spread_counts(organization) == {"held": 3, "reached": 5, "depth": 3}
    assert spread_counts(organization, micromastery_ids=[version.micromastery_id])["held"] == 3
    assert spread_counts(other_organization) == {"held": 0, "reached": 0, "depth": 0}
    now = timezone.now()
    last_fortnight = (now - timedelta(days=15), now)
    assert spread_counts(organization, period=last_fortnight) == {
        "held": 1,
        "reached": 2,
        "depth": 1,
    }


def test_spread_tree_follows_teaching_in_time_order(organization, chain):
    (tree,) = spread_compute(organization).trees
    assert tree.title == "Decisive meetings"
    (root,) = tree.roots
    assert root.person == chain["Ada"]
    assert [child.person.display_name for child in root.children] == ["Ben", "Cy"]
    ben = root.children[0]
    assert [child.person.display_name for child in ben.children] == ["Eve"]
    assert [child.person.display_name for child in ben.children[0].children] == ["Fay"]
    assert tree.depth == 3


def test_spread_counts_for_teams_keep_their_members_teaching(organization, chain):
    team = TeamFactory(organization=organization, members=[chain["Ben"]])
    assert spread_counts(organization, team_ids=[team.pk]) == {
        "held": 1,
        "reached": 1,
        "depth": 1,
    }


def test_spread_counts_query_count_does_not_grow(
    organization, chain, version, django_assert_num_queries
):
    more = [UserFactory(organization=organization) for _ in range(10)]
    held(chain["Fay"], version, more, days_ago=3)
    with django_assert_num_queries(1):
        counts = spread_counts(organization)
    assert counts == spread_compute(organization).counts()
    assert counts["reached"] == 15


def test_spread_micromastery_page_for_admins_authors_and_managers(
    client, organization, chain, version, org_admin, author, manager, learner, outsider
):
    url = reverse("teachback:spread_micromastery", args=[version.micromastery_id])
    for viewer in (org_admin, author):
        client.force_login(viewer)
        response = client.get(url)
        assert response.status_code == 200
        content = response.content.decode()
        assert "Who taught whom: Decisive meetings" in content

        # Nested lists: Eve sits inside Ben's list, which sits inside Ada's.
        order = [
            content.index(f'class="spread-person">{name}<')
            for name in ("Ada", "Ben", "Eve", "Fay", "Cy")
        ]
        assert order == sorted(order)
        assert content.count("<ul") >= 4
    TeamFactory(organization=organization, managers=[manager], members=[chain["Ben"]])
    client.force_login(manager)
    content = client.get(url).content.decode()
    assert 'class="spread-person">Eve<' in content
    assert 'class="spread-person">Cy<' not in content
    client.force_login(learner)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_spread_team_page_for_its_managers_admins_and_authors(
    client, organization, chain, org_admin, manager, outsider
):
    team = TeamFactory(organization=organization, managers=[manager], members=[chain["Ada"]])
    other_manager = UserFactory(organization=organization)
    TeamFactory(organization=organization, managers=[other_manager])
    url = reverse("teachback:spread_team", args=[team.pk])
    for viewer in (manager, org_admin):
        client.force_login(viewer)
        content = client.get(url).content.decode()
        assert "Ben" in content and "Cy" in content
        assert "Fay" not in content  # Eve's teaching is not this team's
    client.force_login(other_manager)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_spread_page_query_count_does_not_grow(
    client, organization, chain, version, org_admin, django_assert_num_queries
):
    url = reverse("teachback:spread_micromastery", args=[version.micromastery_id])
    client.force_login(org_admin)
    with django_assert_num_queries(8):  # 7 for the page, 1 for the bell
        client.get(url)
    held(
        chain["Fay"],
        version,
        [UserFactory(organization=organization) for _ in range(8)],
        days_ago=1,
    )
    with django_assert_num_queries(8):  # 7 for the page, 1 for the bell
        assert client.get(url).status_code == 200


def test_spread_page_explains_an_empty_tree(client, version, org_admin):
    client.force_login(org_admin)
    content = client.get(
        reverse("teachback:spread_micromastery", args=[version.micromastery_id])
    ).content.decode()
    assert "No teach-back has taken place yet" in content
