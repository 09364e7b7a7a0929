"""Author and learner text is data: no payload of a standard XSS list becomes markup.

Each payload goes into every free-text field at once, each copy followed by the name of its
field, then every page, email and calendar file that shows those fields is read. A failure
names the payload and the page or email, and quotes the markup with the field's name beside
it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import models
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accounts.services import invitation_send_many
from micromastery.common.markdown import link_target
from payoff.rollups import rollups_rebuild
from practice import services as practice_services
from practice.cohorts import services as cohort_services
from practice.models import Enrollment, EnrollmentStatus
from practice.nudges import dispatch, planning
from practice.teachback import emails as teachback_emails
from practice.teachback.models import TeachBackInvite, TeachBackSession
from practice.teachback.tokens import invite_token
from tests.factories import (
    AttemptFactory,
    MeasurementFactory,
    MetricFactory,
    OrganizationFactory,
    StepFactory,
    TeachBackInviteFactory,
    TeachBackSessionFactory,
    TeamFactory,
    TopicFactory,
    UserFactory,
    VersionFactory,
    published_course,
)
from tests.practice.nudges.helpers import day, enrol

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "[x](javascript:alert(1))",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=javascript:alert(1)>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<IMG SRC=x OnErRoR=alert(1)>",
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<style>@import 'javascript:alert(1)'</style>",
    "<a href='JaVaScRiPt:alert(1)'>x</a>",
    "[x](JAVASCRIPT:alert(1))",
    '<object data="javascript:alert(1)"></object>',
    "<input autofocus onfocus=alert(1)>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
]

JAVASCRIPT_URL = "javascript:alert(document.domain)//https://example.com"
URL_ATTRIBUTES = {"href", "src", "xlink:href", "action", "formaction", "data", "poster"}
# Tags only a payload would bring: our pages have none of them.
FOREIGN_TAGS = {"iframe", "object", "embed", "math", "style"}
# Our pages (and Django's admin) load scripts only as files of our own origin.
OWN_SCRIPT = re.compile(r"^/(?!/)")


MARKER = re.compile(r"‹([^›]+)›")


def field_after(html: str, offset: int) -> str:
    """The field whose text this is: the name that follows the payload in the output."""
    marker = MARKER.search(html, offset, offset + 400)
    return f" (from {marker[1]})" if marker else ""


class MarkupFinder(HTMLParser):
    """Collects every executable bit in an HTML document, as the browser would parse it."""

    def __init__(self, html: str, foreign_tags: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self.foreign_tags = foreign_tags
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", html)]
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or tag
        line, column = self.getpos()
        where = field_after(self.html, self.line_starts[line - 1] + column)
        values = dict(attrs)
        if tag == "script" and not OWN_SCRIPT.match(values.get("src") or ""):
            self.found.append(f"a <script> element: {raw}{where}")
        if tag in self.foreign_tags:
            self.found.append(f"a <{tag}> element: {raw}{where}")
        for name, value in attrs:
            if re.fullmatch(r"on[a-z]+", name):
                self.found.append(f"an event handler attribute {name}=: {raw}{where}")
            scheme = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name in URL_ATTRIBUTES and scheme.startswith("javascript:"):
                self.found.append(f"a javascript: URL in {name}=: {raw}{where}")

    handle_startendtag = handle_starttag


def executable_markup(
    html: str, *, context: str = "", own_tags: frozenset = frozenset()
) -> list[str]:
    finder = MarkupFinder(html, FOREIGN_TAGS - own_tags)
    finder.feed(html)
    finder.close()
    found = list(finder.found)
    # Also by the letter, whatever a parser makes of it: "<script" only for our own files.
    for match in re.finditer(r"<script\b[^>]*>?", html, flags=re.IGNORECASE):
        if not re.search(r'\ssrc="/(?!/)[^"]*"', match[0]):
            found.append(f"the text <script: {match[0]}{field_after(html, match.start())}")
    body_tags = len(re.findall(r"<body\b", html, flags=re.IGNORECASE))
    if body_tags > 1:
        found.append(f"{body_tags} <body> tags")
    return [f"{context}{item}" for item in found]


def test_the_finder_sees_each_payload_when_it_is_live():
    """The check below can fail: every payload, pasted raw into a page, is found."""
    for payload in PAYLOADS:
        if payload.startswith(("[x]", "&lt;")):
            continue  # Markdown links and escaped text are markup only once rendered
        html = f"<html><body><p>{payload}</p></body></html>"
        assert executable_markup(html), payload


def _max_length(model: type[models.Model], name: str) -> int | None:
    return getattr(model._meta.get_field(name), "max_length", None)


@dataclass
class World:
    """Everything that shows author or learner text, every text made of ``payload``."""

    payload: str
    fields: set[str] = field(default_factory=set)
    objects: dict[str, Any] = field(default_factory=dict)

    def text(self, model: type[models.Model], name: str) -> str:
        """The payload followed by the field's name, within the field's maximum length."""
        label = f"{model.__name__}.{name}"
        value = f"{self.payload} ‹{label}›"
        limit = _max_length(model, name)
        if limit and len(value) > limit:
            return self.payload[:limit]
        self.fields.add(label)
        return value

    def texts(self, model: type[models.Model], *names: str) -> dict[str, str]:
        return {name: self.text(model, name) for name in names}


def build_world(payload: str, capture_on_commit: Any) -> World:
    from accounts.models import Organization, Team, User
    from courses.models import Course, MicromasteryVersion, PayoffMetric, PracticeStep, Topic
    from practice.cohorts.models import Cohort
    from practice.models import PracticeAttempt

    world = World(payload)
    organization = OrganizationFactory(**world.texts(Organization, "name"))
    person = {
        role: UserFactory(organization=organization, **world.texts(User, "display_name"))
        for role in ("learner", "manager", "colleague", "newcomer")
    }
    admin = UserFactory(organization=None, is_superuser=True, display_name="Platform admin")
    team = TeamFactory(
        organization=organization,
        managers=[person["manager"]],
        members=[person["learner"]],
        **world.texts(Team, "name"),
    )
    topic = TopicFactory(organization=organization, **world.texts(Topic, "name"))
    version = VersionFactory(
        micromastery__organization=organization,
        status="published",
        **world.texts(
            MicromasteryVersion,
            "title",
            "summary",
            "context_challenge",
            "context_audience",
            "context_why_it_matters",
            "way_in_insight",
            "way_in_missing_link",
        ),
    )
    version.micromastery.topics.add(topic)
    step = StepFactory(
        version=version,
        key="step-1",
        order=1,
        repetitions_required=1,
        **world.texts(PracticeStep, "title", "action", "feedback_how", "tweak_prompt"),
    )
    metric_texts = world.texts(PayoffMetric, "name", "unit", "how_to_measure")
    learner_metric = MetricFactory(version=version, key="metric-1", order=1, **metric_texts)
    manager_metric = MetricFactory(
        version=version, key="metric-2", order=2, reported_by="manager", **metric_texts
    )
    course = published_course(organization, [version])
    course.title = world.text(Course, "title")
    course.save()

    learner = person["learner"]
    enrollment = practice_services.enrollment_create(
        learner=learner, micromastery=version.micromastery
    )
    completed_at = timezone.now() - timedelta(days=20)
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=EnrollmentStatus.COMPLETED,
        completed_at=completed_at,
        **world.texts(Enrollment, "personal_payoff"),
    )
    enrollment.refresh_from_db()
    AttemptFactory(
        enrollment=enrollment,
        step=step,
        practiced_at=completed_at,
        **world.texts(
            PracticeAttempt,
            "what_i_did",
            "what_happened",
            "feedback_from",
            "what_i_will_tweak",
            "evidence",
        ),
    )
    for metric in (learner_metric, manager_metric):
        MeasurementFactory(enrollment=enrollment, metric=metric, value=Decimal("40"))
    rollups_rebuild()

    session = TeachBackSessionFactory(
        enrollment=enrollment,
        teacher=learner,
        **world.texts(TeachBackSession, "location"),
    )
    proposal = TeachBackSessionFactory(
        enrollment=enrollment,
        teacher=learner,
        status="proposed",
        starts_at=None,
        confirmed_at=None,
        location="",
    )
    TeachBackInviteFactory(session=proposal, invitee=person["colleague"])
    invite = TeachBackInviteFactory(
        session=session,
        invitee=person["colleague"],
        attended=True,
        feedback_clarity=4,
        feedback_will_try=True,
        feedback_at=timezone.now(),
        **world.texts(TeachBackInvite, "feedback_comment"),
    )

    with capture_on_commit(execute=True):
        cohort = cohort_services.cohort_assign(
            by=person["manager"],
            micromastery=version.micromastery,
            teams=[team],
            starts_on=date.today(),
            due_on=date.today() + timedelta(days=30),
            kickoff_at=timezone.now().replace(microsecond=0) + timedelta(days=3),
            kickoff_minutes=30,
            facilitator=person["manager"],
            **world.texts(Cohort, "name", "kickoff_location"),
        ).cohort

    # Links are checked for http(s) when they are saved; one that got in some other way
    # (an older row, a raw import) still never becomes a javascript: link.
    MicromasteryVersion.objects.filter(pk=version.pk).update(way_in_media_url=JAVASCRIPT_URL)
    TeachBackSession.objects.filter(pk=session.pk).update(video_url=JAVASCRIPT_URL)
    Cohort.objects.filter(pk=cohort.pk).update(kickoff_url=JAVASCRIPT_URL)
    linked = AttemptFactory(enrollment=enrollment, step=step, practiced_at=completed_at)
    PracticeAttempt.objects.filter(pk=linked.pk).update(evidence=JAVASCRIPT_URL)
    for row in (version, session, cohort):
        row.refresh_from_db()

    world.objects.update(
        organization=organization,
        admin=admin,
        team=team,
        topic=topic,
        version=version,
        step=step,
        course=course,
        enrollment=enrollment,
        session=session,
        proposal=proposal,
        invite=invite,
        cohort=cohort,
        **person,
    )
    return world


def send_the_emails(world: World, capture_on_commit: Any) -> None:
    """Every email that carries these texts: teach-back invitation and feedback request,
    a nudge, a people invitation (the cohort assignment went out when it was made).

    They are enqueued in the outbox and delivered once their transaction commits."""
    session, invite = world.objects["session"], world.objects["invite"]
    with capture_on_commit(execute=True):
        teachback_emails.send_calendar_email(session, method="REQUEST", kind="invite")
        teachback_emails.send_feedback_requests(session, invite_ids=[invite.pk])
        invitation_send_many(user_ids=[world.objects["newcomer"].pk])
    # A nudge: the colleague starts the micromastery, and the next morning is reminded.
    enrol(world.objects["colleague"], world.objects["version"])
    now = day(1, 10)
    with time_machine.travel(now, tick=False):
        planning.nudges_plan(now=now)
        ids, token = dispatch.nudges_claim(now=now, lease=dispatch.SEND_LEASE)
        dispatch.nudges_send(nudge_ids=ids, token=token, lease=dispatch.SEND_LEASE)


def pages(world: World) -> list[tuple[str, Any, str]]:
    """(what, viewer, url) of every page that shows the texts."""
    o = world.objects
    version, enrollment, session = o["version"], o["enrollment"], o["session"]
    micromastery = version.micromastery
    token = invite_token(o["invite"])
    learner, manager, colleague, admin = o["learner"], o["manager"], o["colleague"], o["admin"]
    return [
        ("home (learner)", learner, reverse("home")),
        ("home (manager)", manager, reverse("home")),
        ("catalog", learner, reverse("practice:catalog")),
        ("catalog search", learner, reverse("practice:catalog") + "?q=a"),
        ("micromastery page", learner, reverse("practice:micromastery", args=[micromastery.pk])),
        ("course page", learner, reverse("practice:course", args=[o["course"].pk])),
        ("enrol page", o["newcomer"], reverse("practice:enrol", args=[micromastery.pk])),
        ("enrolment page", learner, reverse("practice:enrollment", args=[enrollment.pk])),
        (
            "practice step page",
            learner,
            reverse("practice:step", args=[enrollment.pk, o["step"].pk]),
        ),
        ("check-in page", learner, reverse("payoff:checkin", args=[enrollment.pk])),
        ("teach-back page (teacher)", learner, reverse("teachback:session", args=[session.pk])),
        ("teach-back page (invitee)", colleague, reverse("teachback:session", args=[session.pk])),
        (
            "teach-back proposal",
            learner,
            reverse("teachback:session", args=[o["proposal"].pk]),
        ),
        ("home (invitee)", colleague, reverse("home")),
        ("teach-back enrol", colleague, reverse("teachback:invite_enroll", args=[token])),
        ("teach-back reschedule", learner, reverse("teachback:reschedule", args=[session.pk])),
        ("teach-back cancel", learner, reverse("teachback:cancel", args=[session.pk])),
        ("teach-back invite answer", None, reverse("teachback:invite_accept", args=[token])),
        ("teach-back feedback", None, reverse("teachback:invite_feedback", args=[token])),
        (
            "teach-back feedback thanks",
            None,
            reverse("teachback:invite_feedback_thanks", args=[token]),
        ),
        (
            "spread of a micromastery",
            manager,
            reverse("teachback:spread_micromastery", args=[micromastery.pk]),
        ),
        ("spread of a team", manager, reverse("teachback:spread_team", args=[o["team"].pk])),
        ("cohort list", manager, reverse("cohorts:list")),
        ("cohort page", manager, reverse("cohorts:detail", args=[o["cohort"].pk])),
        ("assign page", manager, reverse("cohorts:assign")),
        ("dashboard", manager, reverse("payoff:dashboard")),
        ("dashboard of the team", manager, reverse("payoff:dashboard") + f"?team={o['team'].pk}"),
        ("learner drill-down", manager, reverse("payoff:learner", args=[learner.pk])),
        ("notification centre", colleague, reverse("nudges:notifications")),
        ("preview", admin, reverse("authoring:version_preview", args=[version.pk])),
        *(
            (f"admin {model}", admin, reverse(f"admin:{model}_change", args=[pk]))
            for model, pk in (
                ("courses_micromasteryversion", version.pk),
                ("courses_micromastery", micromastery.pk),
                ("courses_topic", o["topic"].pk),
                ("courses_course", o["course"].pk),
                ("accounts_team", o["team"].pk),
                ("accounts_user", learner.pk),
                ("cohorts_cohort", o["cohort"].pk),
            )
        ),
        *(
            (f"admin {model} list", admin, reverse(f"admin:{model}_changelist"))
            for model in (
                "courses_micromasteryversion",
                "courses_micromastery",
                "accounts_team",
                "accounts_user",
                "cohorts_cohort",
                "nudges_nudge",
                "teachback_teachbacksession",
            )
        ),
    ]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_payload_becomes_markup_on_any_page_or_email(
    payload, client, django_capture_on_commit_callbacks
):
    world = build_world(payload, django_capture_on_commit_callbacks)
    send_the_emails(world, django_capture_on_commit_callbacks)
    problems: list[str] = []
    shown: set[str] = set()

    for what, viewer, url in pages(world):
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        response = client.get(url)
        assert response.status_code == 200, f"{what} ({url}): {response.status_code}"
        html = response.content.decode()
        assert "‹" in html, f"{what} ({url}) shows none of the texts"
        shown.update(MARKER.findall(html))
        problems += executable_markup(html, context=f"{what} ({url}): ")

    # The chart names no team or micromastery today; whatever it shows, it runs nothing.
    client.force_login(world.objects["manager"])
    chart_url = reverse("payoff:practice-chart") + f"?team={world.objects['team'].pk}"
    svg = client.get(chart_url).content.decode()
    assert "<svg" in svg
    # pygal styles the chart with a <style> of its own (allowed for that response alone).
    problems += executable_markup(svg, context="practice chart: ", own_tags=frozenset({"style"}))

    client.force_login(world.objects["admin"])
    preview = client.post(reverse("authoring:markdown_preview"), {"text": payload})
    assert preview.status_code == 200
    problems += executable_markup(preview.content.decode(), context="Markdown preview: ")

    emails = {message.subject: message for message in mail.outbox}
    assert len(emails) >= 5, [message.subject for message in mail.outbox]
    for message in mail.outbox:
        what = f"email “{message.subject}” to {message.to[0]}: "
        assert message.content_subtype == "plain", what
        shown.update(MARKER.findall(message.subject + message.body))
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                shown.update(MARKER.findall(content))
                problems += executable_markup(content, context=what)
        for _name, content, mimetype in message.attachments:
            if mimetype.startswith("text/calendar"):
                problems += calendar_problems(content, payload=payload, context=what)

    client.force_login(world.objects["learner"])
    ics = client.get(reverse("teachback:ics", args=[world.objects["session"].pk]))
    problems += calendar_problems(
        ics.content.decode(), payload=payload, context="teach-back .ics download: "
    )

    assert not problems, "\n".join([f"payload {payload!r}:", *problems])
    # Every text was on at least one page or in one email, so every one was checked.
    assert not world.fields - shown, sorted(world.fields - shown)


def calendar_problems(content: str | bytes, *, payload: str, context: str) -> list[str]:
    """A calendar file carries text (escaped per RFC 5545 by the library) that reads back
    as typed, never an HTML description (X-ALT-DESC) that a calendar would render."""
    calendar = Calendar.from_ical(content)
    problems = []
    for event in calendar.walk("VEVENT"):
        if "X-ALT-DESC" in event:
            problems.append(f"{context}an HTML description (X-ALT-DESC)")
        texts = [str(event.get(name, "")) for name in ("SUMMARY", "LOCATION", "DESCRIPTION")]
        if not any(payload in text for text in texts):
            problems.append(f"{context}the texts do not read back as typed: {texts}")
    return problems


def test_plain_text_emails_show_the_text_as_written(django_capture_on_commit_callbacks):
    """A plain-text subject or body is not HTML: "R&D <Ops>" reads as typed, not "R&amp;D"."""
    world = build_world("R&D <Ops> \"Q\" 'A'", django_capture_on_commit_callbacks)
    send_the_emails(world, django_capture_on_commit_callbacks)
    assert len(mail.outbox) >= 5
    for message in mail.outbox:
        text = f"{message.subject}\n{message.body}"
        assert "R&D <Ops>" in text, message.subject
        for entity in ("&amp;", "&lt;", "&gt;", "&quot;", "&#x27;", "&#39;"):
            assert entity not in text, f"{entity} in “{message.subject}”: {text}"


@pytest.mark.parametrize("name", ["payoff:dashboard-csv", "payoff:learners-csv"])
def test_csv_exports_are_downloads_whose_cells_stay_data(
    name, client, django_capture_on_commit_callbacks
):
    """In a CSV file HTML is data, not markup: what matters is that no browser renders the
    file as a page and no spreadsheet runs a cell as a formula."""
    payload = '=HYPERLINK("javascript:alert(1)")<script>alert(1)</script>'
    world = build_world(payload, django_capture_on_commit_callbacks)
    client.force_login(world.objects["manager"])
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    cells = [cell for row in rows for cell in row if "HYPERLINK" in cell]
    assert cells, "the export shows none of the texts"
    assert all(cell.startswith("'=") for cell in cells), cells


def test_templates_mark_nothing_safe():
    """HTML templates leave escaping on: markup is made safe in Python, where it is built
    (sanitised Markdown, format_html), never by a template. Plain-text templates (emails)
    turn it off because they are not HTML."""
    templates = Path(settings.BASE_DIR) / "templates"
    offenders = [
        f"{path.relative_to(templates)}: {pattern}"
        for path in sorted(templates.rglob("*.html"))
        for pattern in ("|safe", "autoescape off", "safeseq")
        if pattern in path.read_text()
    ]
    assert not offenders


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("https://example.com/video", "https://example.com/video"),
        ("http://example.com", "http://example.com"),
        ("mailto:ana@example.com", "mailto:ana@example.com"),
        ("javascript:alert(1)", ""),
        ("JaVaScRiPt:alert(1)", ""),
        (" javascript:alert(1)", ""),
        ("java\tscript:alert(1)", ""),
        ("\x01javascript:alert(1)", ""),
        ("data:text/html,<script>alert(1)</script>", ""),
        ("vbscript:msgbox(1)", ""),
        ("example.com/no-scheme", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_typed_links_keep_only_web_and_mail_schemes(url, target):
    assert link_target(url) == target


@pytest.mark.parametrize("payload", PAYLOADS)
def test_admin_messages_about_a_micromastery_show_its_title_as_text(payload, client):
    """The authoring tool's messages name the micromastery: refused (a list of what is
    missing, built as HTML) and done."""
    from courses.models import MicromasteryVersion

    admin = UserFactory(organization=None, is_superuser=True)
    incomplete = VersionFactory(title=f"{payload} ‹incomplete›", way_in_insight="")
    complete = VersionFactory(title=f"{payload} ‹complete›")
    StepFactory(version=complete)
    MetricFactory(version=complete)
    client.force_login(admin)
    problems = []
    for version, message in ((incomplete, "is not published yet"), (complete, "is published")):
        url = reverse("admin:courses_micromasteryversion_publish", args=[version.pk])
        html = client.post(url, follow=True).content.decode()
        assert message in html
        problems += executable_markup(html, context=f"after publishing {version.title}: ")
    assert MicromasteryVersion.objects.get(pk=complete.pk).status == "published"
    assert MicromasteryVersion.objects.get(pk=incomplete.pk).status == "draft"
    assert not problems, "\n".join(problems)
