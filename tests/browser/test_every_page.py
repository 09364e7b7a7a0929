"""Every page a learner or a manager opens, from the README's table, on the demo data:
nothing scrolls sideways on a phone (390 px), and axe-core finds no serious or critical
problem on a phone or a desktop."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from accounts.demo import DEMO_PASSWORD
from accounts.models import Organization, Team, User
from courses.models import Course, Micromastery, MicromasteryVersion
from practice.cohorts.models import Cohort
from practice.models import Enrollment
from practice.teachback.models import TeachBackSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

README = Path(__file__).resolve().parents[2] / "README.md"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def readme_pages() -> list[tuple[str, str, str]]:
    """(page, path, email or "nobody") of each row of the README's table."""
    text = README.read_text()
    section = text[text.index("### Pages checked in the browser") :]
    section = section[: section.index("\n\n", section.index("| Page |"))]
    rows = re.findall(r"^\| ([^|]+) \| `([^`]+)` \| `?([^|`]+)`? \|$", section, re.M)
    return [(name.strip(), path, who.strip()) for name, path, who in rows]


def demo_placeholders() -> dict[str, str]:
    """What the ``<...>`` of the table stand for, in the demo organization."""
    acme = Organization.objects.get(slug="acme-logistics")
    ana = User.objects.get(email="ana.costa@acme.example")
    enrollments = Enrollment.objects.filter(learner=ana).select_related("version")
    active = enrollments.filter(completed_at__isnull=True).order_by("pk").first()
    completed = Enrollment.objects.filter(
        learner__email="sofia.rossi@acme.example", completed_at__isnull=False
    ).first()
    assert active is not None and completed is not None
    session = TeachBackSession.objects.filter(teacher__email="maya.patel@acme.example").first()
    assert session is not None
    not_enrolled = (
        Micromastery.objects.for_organization(acme)
        .with_published_version()
        .exclude(enrollments__learner=ana)
        .first()
    )
    assert not_enrolled is not None
    return {
        "course": str(Course.objects.filter(organization=acme).published().first().pk),  # type: ignore[union-attr]
        "micromastery": str(active.micromastery_id),
        "not-enrolled": str(not_enrolled.pk),
        "enrollment": str(active.pk),
        "step": str(active.version.steps.order_by("order").first().pk),  # type: ignore[union-attr]
        "completed": str(completed.pk),
        "teachback": str(session.pk),
        "learner": str(ana.pk),
        "cohort": str(Cohort.objects.filter(organization=acme).order_by("pk").first().pk),  # type: ignore[union-attr]
        "team": str(Team.objects.get(organization=acme, name="Dispatch").pk),
        "taught": str(session.micromastery_id),
        "draft": str(
            MicromasteryVersion.objects.filter(micromastery__organization=acme, status="draft")
            .first()
            .pk
        ),  # type: ignore[union-attr]
    }


@pytest.fixture
def demo_pages(settings):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    placeholders = demo_placeholders()
    pages = []
    for name, path, who in readme_pages():
        concrete = re.sub(r"<([a-z-]+)>", lambda match: placeholders[match.group(1)], path)
        pages.append((name, concrete, who))
    return pages


def open_as(browser, live_server, who: str, viewport: dict[str, int]):
    context = browser.new_context(viewport=viewport, has_touch=viewport is PHONE)
    page = context.new_page()
    if who != "nobody":
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(who)
        # Email first: without single sign-on, the password is asked next.
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
    return context, page


def by_person(pages):
    grouped: dict[str, list[tuple[str, str]]] = {}
    for name, path, who in pages:
        grouped.setdefault(who, []).append((name, path))
    return grouped


def test_readme_lists_the_learner_and_manager_pages():
    names = [name for name, _, _ in readme_pages()]
    assert len(names) >= 20
    assert {"Dashboard", "Check-in", "Teach-back", "Cohort", "Practice step"} <= set(names)


def test_no_page_scrolls_sideways_on_a_phone(browser, live_server, demo_pages):
    too_wide = {}
    # The admin is for authors and org admins at a desk; its own layout scrolls tables.
    site_pages = [(name, path, who) for name, path, who in demo_pages if "/admin/" not in path]
    for who, pages in by_person(site_pages).items():
        context, page = open_as(browser, live_server, who, PHONE)
        for name, path in pages:
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.ok, (name, path, response and response.status)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide[name] = width
        context.close()
    assert too_wide == {}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1366px"])
def test_axe_finds_no_serious_problem_on_any_page(browser, live_server, demo_pages, viewport):
    axe = Axe()
    problems = {}
    for who, pages in by_person(demo_pages).items():
        context, page = open_as(browser, live_server, who, viewport)
        for name, path in pages:
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.ok, (name, path, response and response.status)
            results = axe.run(page)
            assert results.response["testEngine"]["name"] == "axe-core"
            serious = [
                f"{violation['id']}: {violation['help']} "
                f"({', '.join(node['target'][0] for node in violation['nodes'][:3])})"
                for violation in results.response["violations"]
                if violation["impact"] in ("serious", "critical")
            ]
            if serious:
                problems[name] = serious
        context.close()
    assert problems == {}, "\n".join(f"{name}: {found}" for name, found in problems.items())
