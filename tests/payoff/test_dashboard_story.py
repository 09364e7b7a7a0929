"""The dashboard tells the payoff story first: a band of six figures, then the detail."""

import re

import pytest
import time_machine
from django.urls import reverse

from courses.models import Micromastery, PayoffMetric
from payoff.api.serializers import DashboardOutputSerializer
from payoff.dashboard.scope import dashboard_scope
from payoff.dashboard.summary import dashboard_summary
from payoff.rollups import rollups_rebuild
from tests.factories import UserFactory, published_version
from tests.payoff.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def band(html):
    """(title, value, word) of each figure of the band, in order."""
    section = html[html.index('class="story"') : html.index("</ol>")]
    return re.findall(
        r'data-story="(\w+)"><span class="story-title">[^<]*</span>'
        r'<span class="story-value">([^<]*)</span><span class="story-word">([^<]*)</span>',
        section,
    )


def test_dashboard_band_tells_the_chain_with_a_link_to_each_section(client, dataset, manager):
    client.force_login(manager)
    html = client.get(reverse("payoff:dashboard")).content.decode()
    figures = band(html)
    assert [section for section, _, _ in figures] == [
        "reach", "practice", "capability", "spread", "results", "value"
    ]  # fmt: skip
    for section, _, _ in figures:
        assert f'href="#{section}-heading"' in html
        assert f'id="{section}-heading"' in html
    by_section = {section: (value, word) for section, value, word in figures}
    # Ada, Ben and Cleo of Dispatch are enrolled; Ben practised in the last 7 days.
    assert by_section["reach"] == ("3", "enrolled")
    assert by_section["practice"] == ("1", "practised this week")
    # The value says its period and basis.
    assert by_section["value"][1] == "in the last 90 days"
    assert "In the last 90 days, from 2 payoff metrics with a value per unit." in html
    # Ben, the holdout, got worse: the glance says so rather than "-5 better".
    glance = html[html.index('class="glance"') : html.index("1. Reach")]
    assert "5 worse" in glance and "-5" not in glance
    assert html.index('class="story"') < html.index("1. Reach")
    # Results nudged vs holdout and the value come with the band, before the sections.
    assert html.index("Results: nudged vs holdout") < html.index("1. Reach")


def test_dashboard_value_states_its_period_and_basis(dataset, manager, organization):
    PayoffMetric.objects.filter(pk=dataset.meeting.pk).update(value_per_unit=None)
    rollups_rebuild()
    summary = dashboard_summary(scope=dashboard_scope(viewer=manager, period_days=30))
    assert (organization.hourly_cost_rate, organization.currency) == (50, "EUR")
    # Ada's manager saw 2 -> 4 decisions a week, at 0.5 hours each.
    assert summary.value_basis == "In the last 30 days, from 1 learner's reported hours x €50.00/h"
    assert summary.value[0].explanation.startswith("In the last 30 days, from ")
    assert DashboardOutputSerializer(summary).data["story"][-1]["word"] == "in the last 30 days"


def test_dashboard_with_nobody_enrolled_says_what_to_do_instead_of_zeros(
    client, organization, manager, team
):
    client.force_login(manager)
    html = client.get(reverse("payoff:dashboard")).content.decode()
    assert "No one to report on yet" in html
    assert reverse("cohorts:assign") in html
    assert "1. Reach" not in html
    assert 'class="story"' not in html
    assert "; the last 90 days enrol" not in html


def test_dashboard_filter_lists_published_micromasteries_once(
    client, dataset, organization, org_admin
):
    draft = published_version(organization, status="draft", title="Half-written idea")
    copy = published_version(organization, title="Decide before you meet")
    client.force_login(org_admin)
    html = client.get(reverse("payoff:dashboard")).content.decode()
    select = html[html.index('id="filter-micromastery"') : html.index("</select>")]
    options = re.findall(r"<option value=\"\d+\"[^>]*>([^<]*)</option>", select)
    assert "Half-written idea" not in select
    assert len(options) == len(set(options)) == 2
    assert any(copy.micromastery.slug in option for option in options)
    # A draft is not a filter value anyone can ask for.
    response = client.get(reverse("payoff:dashboard"), {"micromastery": draft.micromastery.pk})
    assert response.status_code == 404
    assert Micromastery.objects.filter(pk=draft.micromastery.pk).exists()


def test_navigation_and_home_offer_the_dashboard_to_managers_admins_and_authors(
    client, dataset, manager, org_admin, author, learner
):
    for person in (manager, org_admin, author):
        client.force_login(person)
        html = client.get(reverse("home")).content.decode()
        nav = html[html.index('<nav aria-label="Main">') : html.index("</nav>")]
        assert reverse("payoff:dashboard") in nav, person
        assert 'id="dashboard-heading"' in html
        catalog = client.get(reverse("practice:catalog")).content.decode()
        assert reverse("payoff:dashboard") in catalog
    client.force_login(manager)
    home = client.get(reverse("home")).content.decode()
    assert reverse("teachback:spread_team", args=[dataset.dispatch.pk]) in home
    dashboard = client.get(reverse("payoff:dashboard")).content.decode()
    assert reverse("teachback:spread_team", args=[dataset.dispatch.pk]) in dashboard
    assert reverse("teachback:spread_team", args=[dataset.field_team.pk]) not in dashboard
    client.force_login(learner)
    html = client.get(reverse("home")).content.decode()
    assert reverse("payoff:dashboard") not in html


def test_navigation_hides_the_dashboard_from_another_organizations_manager(
    client, dataset, outsider, other_team
):
    client.force_login(outsider)
    html = client.get(reverse("home")).content.decode()
    # The outsider manages a team of their own organization: their own dashboard only.
    assert client.get(reverse("payoff:dashboard")).status_code == 200
    assert "Dispatch" not in client.get(reverse("payoff:dashboard")).content.decode()
    assert reverse("payoff:learner", args=[dataset.ada.pk]) not in html
    assert client.get(reverse("payoff:learner", args=[dataset.ada.pk])).status_code == 404


def test_drill_down_speaks_about_the_learner_in_the_third_person(client, dataset, manager):
    client.force_login(manager)
    html = client.get(reverse("payoff:learner", args=[dataset.ben.pk])).content.decode()
    assert "<caption>Ben Okri's payoff</caption>" in html
    assert "Your payoff" not in html
    assert "after you complete" not in html
    assert "after completing" in html


def test_a_change_of_a_percentage_reads_in_percentage_points(client, organization):
    from tests.factories import EnrollmentFactory, MeasurementFactory, MetricFactory

    learner = UserFactory(organization=organization)
    version = published_version(organization, metrics=0)
    metric = MetricFactory(
        version=version, key="share", name="On time", unit="%", direction="higher"
    )
    enrollment = EnrollmentFactory(learner=learner, version=version)
    MeasurementFactory(
        enrollment=enrollment, metric=metric, kind="baseline", value=50, reported_by=learner
    )
    MeasurementFactory(
        enrollment=enrollment,
        metric=metric,
        kind="checkin",
        value=75,
        reported_by=learner,
        checkin_day=14,
    )
    client.force_login(learner)
    html = client.get(reverse("practice:enrollment", args=[enrollment.pk])).content.decode()
    assert "25 percentage points better" in html
    assert "25 better" not in html


def test_dashboard_words_have_their_plurals_and_no_placeholders(client, dataset, manager):
    client.force_login(manager)
    html = client.get(reverse("payoff:dashboard")).content.decode()
    # Cleo checked in without a baseline: one check-in, in the singular.
    assert "1 check-in without a baseline is left out." in html
    assert "Sum over 1 learner of the change" in html
    assert "(s)" not in html
    assert "n/a" not in html
    csv_body = b"".join(client.get(reverse("payoff:dashboard-csv")).streaming_content).decode()
    assert "(s)" not in csv_body
