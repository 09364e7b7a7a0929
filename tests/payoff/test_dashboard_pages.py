import csv
import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from payoff.api.serializers import DashboardOutputSerializer
from payoff.csv_export import csv_cell
from payoff.models import PayoffMeasurement
from tests.factories import (
    EnrollmentFactory,
    NudgeFactory,
    TeachBackInviteFactory,
    TeachBackSessionFactory,
    UserFactory,
)
from tests.payoff.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def read_csv(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def test_dashboard_page_tells_the_story_in_order(client, dataset, manager):
    client.force_login(manager)
    response = client.get(reverse("payoff:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(heading) for heading in (
        "1. Reach", "2. Practice", "3. Capability", "4. Spread", "5. Results", "6. Value"
    )]  # fmt: skip
    assert positions == sorted(positions)
    assert "Cleo Ndlovu" in html  # at risk, with a link to her drill-down
    assert "Dev Patel" not in html
    assert "ROI of Decide before you meet: 600%" in html
    assert ' style="' not in html


def test_dashboard_refuses_learners_and_hides_other_teams(client, dataset, manager, learner):
    client.force_login(learner)
    assert client.get(reverse("payoff:dashboard")).status_code == 403
    assert client.get(reverse("payoff:dashboard-csv")).status_code == 403
    client.force_login(manager)
    field = dataset.field_team.pk
    for name in ("payoff:dashboard", "payoff:dashboard-csv", "payoff:learners-csv"):
        assert client.get(reverse(name), {"team": field}).status_code == 404
    assert client.get(reverse("payoff:learner", args=[dataset.dev.pk])).status_code == 404
    assert client.get(reverse("payoff:learner", args=[dataset.ada.pk])).status_code == 200


def test_dashboard_other_organization_sees_nothing_of_ours(
    client, api_as, dataset, outsider, other_team
):
    client.force_login(outsider)
    assert client.get(reverse("payoff:dashboard"), {"team": dataset.dispatch.pk}).status_code == 404
    assert (
        client.get(
            reverse("payoff:dashboard"), {"micromastery": dataset.micromastery.pk}
        ).status_code
        == 404
    )
    assert client.get(reverse("payoff:learner", args=[dataset.ada.pk])).status_code == 404
    response = client.get(reverse("payoff:dashboard"))
    assert response.status_code == 200
    assert response.context["summary"].reach[0].value == 0
    api = api_as(outsider)
    assert api.get("/api/v1/dashboard/", {"team": dataset.dispatch.pk}).status_code == 404
    assert api.get("/api/v1/dashboard/").json()["reach"][0]["value"] == 0


def test_dashboard_api_returns_the_page_numbers(api_as, client, dataset, manager, learner):
    client.force_login(manager)
    page = DashboardOutputSerializer(
        client.get(reverse("payoff:dashboard")).context["summary"]
    ).data
    response = api_as(manager).get("/api/v1/dashboard/")
    assert response.status_code == 200
    body = response.json()
    assert body["reach"] == page["reach"]
    assert body["results"] == page["results"]
    assert body["value"][0]["value"] == 70.0
    assert (
        api_as(manager).get("/api/v1/dashboard/", {"team": dataset.field_team.pk}).status_code
        == 404
    )
    assert api_as(learner).get("/api/v1/dashboard/").status_code == 403
    invalid = api_as(manager).get("/api/v1/dashboard/", {"period": 7})
    assert invalid.status_code == 400
    assert "period" in invalid.json()["error"]["fields"]


def test_dashboard_csv_opens_in_a_spreadsheet(client, dataset, manager):
    dataset.ada.display_name = '=HYPERLINK("http://evil")'
    dataset.ada.save()
    client.force_login(manager)
    rows = read_csv(client.get(reverse("payoff:dashboard-csv")))
    assert rows[0] == ["section", "figure", "group", "value", "unit", "how it is computed"]
    assert rows[2][:4] == ["Reach", "Enrolled", "", "3"]
    learners = read_csv(client.get(reverse("payoff:learners-csv")))
    assert learners[0][0] == "learner"
    names = [row[0] for row in learners[1:]]
    assert '\'=HYPERLINK("http://evil")' in names
    assert "Dev Patel" not in names
    assert len(learners) == 4


def test_csv_cell_escapes_formulas_but_not_numbers():
    assert [csv_cell(text) for text in ("=1+1", "+1", "-1", "@SUM(A1)", "plain")] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "plain"
    ]  # fmt: skip
    assert csv_cell(-5.0) == "-5.0"
    assert csv_cell(None) == ""


def test_practice_chart_is_a_same_origin_svg(client, dataset, manager):
    client.force_login(manager)
    response = client.get(reverse("payoff:practice-chart"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    assert b"kozea.github.io" not in response.content


def test_dashboard_query_count_does_not_grow_with_data(
    client, dataset, manager, django_assert_num_queries
):
    client.force_login(manager)
    url = reverse("payoff:dashboard")
    client.get(url)
    from payoff.rollups import rollups_rebuild
    from tests.payoff.test_rollups import add_random_practice

    # 19 for the page (the cohort choice, the overdue count and 3 for the nudge figures among
    # them; the viewer's organization comes with them), 1 for the bell.
    with django_assert_num_queries(20) as small:
        client.get(url)
    add_random_practice(dataset, learners=15, seed=3)
    teachers = [dataset.ada, dataset.ben, dataset.cleo]
    for days_ago, teacher in enumerate(teachers, start=1):
        session = TeachBackSessionFactory(
            enrollment=EnrollmentFactory(learner=teacher, status="completed"),
            starts_at=NOW - timedelta(days=days_ago),
        )
        for _ in range(4):
            TeachBackInviteFactory(session=session, attended=True)
    for person in dataset.dispatch.members.all():
        for day in range(1, 6):
            NudgeFactory(recipient=person, due_at=NOW - timedelta(days=day, hours=2))
    rollups_rebuild()
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.context["summary"].reach[0].value > 3
    assert response.context["summary"].figure("nudges_sent").value >= 15
    spread = {figure.key: figure.value for figure in response.context["summary"].spread}
    assert spread["teach_backs_held"] == 3


def test_manager_confirms_an_observed_value_from_the_drill_down(client, dataset, manager):
    client.force_login(manager)
    url = reverse("payoff:confirm", args=[dataset.ada.pk, dataset.e1.pk, dataset.observed.pk])
    prefix = f"m{dataset.e1.pk}-{dataset.observed.pk}"
    refused = client.post(url, {f"{prefix}-value": "5", f"{prefix}-when": "now"})
    assert refused.status_code == 400
    assert "Confirm that you observed it yourself." in refused.content.decode()
    response = client.post(
        url, {f"{prefix}-value": "5", f"{prefix}-when": "now", f"{prefix}-observed": "on"}
    )
    assert response.status_code == 302
    latest = PayoffMeasurement.objects.filter(enrollment=dataset.e1, kind="manager").last()
    assert (latest.value, latest.reported_by) == (5, manager)


def test_manager_cannot_confirm_for_someone_outside_their_teams(client, dataset, manager):
    client.force_login(manager)
    url = reverse("payoff:confirm", args=[dataset.dev.pk, dataset.e4.pk, dataset.observed.pk])
    prefix = f"m{dataset.e4.pk}-{dataset.observed.pk}"
    data = {f"{prefix}-value": "5", f"{prefix}-when": "now", f"{prefix}-observed": "on"}
    assert client.post(url, data).status_code == 404
    assert not PayoffMeasurement.objects.filter(enrollment=dataset.e4).exists()


def test_org_admin_sees_every_learner_but_cannot_confirm(client, dataset, org_admin):
    client.force_login(org_admin)
    response = client.get(reverse("payoff:learner", args=[dataset.dev.pk]))
    assert response.status_code == 200
    assert "Record what I observed" not in response.content.decode()


def test_checkin_page_is_the_learners_own(client, dataset):
    client.force_login(dataset.ben)
    assert client.get(reverse("payoff:checkin", args=[dataset.e1.pk])).status_code == 404
    client.force_login(dataset.ada)
    response = client.get(reverse("payoff:checkin", args=[dataset.e1.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Meeting length" in html
    assert "Time the next three meetings" in html
    assert "15 better" in html


def test_checkin_page_records_a_checkin_and_shows_errors_next_to_the_field(client, dataset):
    client.force_login(dataset.ada)
    url = reverse("payoff:checkin", args=[dataset.e1.pk])
    prefix = f"metric-{dataset.meeting.pk}"
    bad = client.post(
        url, {"metric": dataset.meeting.pk, "action": "checkin", f"{prefix}-value": "999"}
    )
    assert bad.status_code == 400
    assert "cannot be above 480" in bad.content.decode()
    ok = client.post(
        url, {"metric": dataset.meeting.pk, "action": "checkin", f"{prefix}-value": "35"}
    )
    assert ok.status_code == 302
    latest = (
        PayoffMeasurement.objects.filter(enrollment=dataset.e1, kind="checkin")
        .order_by("measured_at")
        .last()
    )
    assert (latest.value, latest.checkin_day) == (35, 14)


def test_checkin_page_lets_the_learner_skip_a_missing_baseline(client, dataset, organization):
    from payoff.models import BaselineSkip
    from practice.models import Enrollment

    Enrollment.objects.filter(pk=dataset.e3.pk).update(completed_at=NOW.replace(month=5))
    client.force_login(dataset.cleo)
    url = reverse("payoff:checkin", args=[dataset.e3.pk])
    prefix = f"metric-{dataset.meeting.pk}"
    refused = client.post(
        url, {"metric": dataset.meeting.pk, "action": "checkin", f"{prefix}-value": "30"}
    )
    assert refused.status_code == 400
    # The check-in and "I have no value from before" now go in one submit.
    ok = client.post(url, {f"{prefix}-value": "30", f"{prefix}-no_baseline": "on"})
    assert ok.status_code == 302
    assert BaselineSkip.objects.filter(enrollment=dataset.e3).exists()


def test_dashboard_requires_sign_in(client):
    assert client.get(reverse("payoff:dashboard")).status_code == 302
    assert UserFactory  # factories import kept for other tests


def test_metric_guidance_is_shown_as_text_on_every_page_with_a_value_form(client, dataset, manager):
    """An author's "how to measure" becomes the help text of the value fields: it stays text."""
    payload = "<img src=x onerror=alert(1)>"
    for metric in (dataset.meeting, dataset.observed):
        metric.how_to_measure = payload
        metric.save()
    pages = [
        (dataset.ada, reverse("practice:enrollment", args=[dataset.e1.pk])),
        (dataset.ada, reverse("payoff:checkin", args=[dataset.e1.pk])),
        (manager, reverse("payoff:learner", args=[dataset.ada.pk])),
    ]
    for viewer, url in pages:
        client.force_login(viewer)
        html = client.get(url).content.decode()
        assert 'class="helptext"' in html, url
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, url
        assert "<img src=x onerror" not in html, url


def test_dashboard_and_its_chart_run_no_inline_script(client, dataset, manager):
    client.force_login(manager)
    html = client.get(reverse("payoff:dashboard")).content.decode()
    assert 'src="/dashboard/practice-by-week.svg' in html
    # The only scripts are files of our own origin (htmx), which the policy allows.
    scripts = re.findall(r"<script\b[^>]*>", html, flags=re.IGNORECASE)
    assert all(re.search(r'\bsrc="/static/', tag) for tag in scripts), scripts
    svg = client.get(reverse("payoff:practice-chart")).content.decode()
    assert "<svg" in svg
    assert "<script" not in svg.lower()
    assert "javascript:" not in svg.lower()


def test_dashboard_api_body_is_what_its_schema_documents(api_as, dataset, manager):
    from drf_spectacular.generators import SchemaGenerator

    documented = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    body = api_as(manager).get("/api/v1/dashboard/").json()

    def keys(name):
        return set(documented[name]["properties"])

    assert set(body) == keys("DashboardOutput")
    assert set(body["scope"]) == keys("DashboardScopeOutput")
    assert set(body["reach"][0]) == keys("FigureOutput")
    assert set(body["practice_by_week"][0]) == keys("WeekPointOutput")
    assert set(body["results"][0]) == keys("MetricResultOutput")
    assert set(body["results"][0]["groups"][0]) == keys("ResultGroupOutput")
    assert set(body["value_by_metric"][0]) == keys("ValueLineOutput")
    assert set(body["roi"][0]) == keys("RoiLineOutput")
