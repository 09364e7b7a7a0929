"""The demo organization at work: enrolments at every stage.

Each learner has a story: when they enrolled, when they practised and what they wrote.
Everything goes through the services, so the demo obeys the rules learners do (spacing,
unlocking, completion). Times are relative to the day of the first seeding, so a fresh
demo always looks alive.

Idempotency: enrolments are found by (learner, micromastery), attempts by a submission key
derived from the story, so seeding again, on any day, adds nothing (the cohort and the
teach-back of the demo are in ``practice.cohorts.demo`` and ``practice.teachback.demo``).

The services stamp some moments with the wall clock (enrolled, completed, paused, held,
mastered). A story that happened over weeks needs them where the story puts them, so the
demo moves those stamps back right after the service wrote them, and only then.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Organization, User
from courses.models import Micromastery
from practice import services
from practice.models import Enrollment, EnrollmentStatus

STAND_UP = "run-a-15-minute-stand-up"
FEEDBACK = "give-feedback-with-sbi"
EMAIL = "write-an-email-that-gets-a-reply"

# Submission keys of demo attempts are derived from this, the learner and the story.
DEMO_NAMESPACE = uuid.UUID("5f0c1e2a-8d3b-4c6e-9a7f-0d4b2e6c8a11")


@dataclass(frozen=True)
class Reflection:
    what_i_did: str
    what_happened: str
    feedback_from: str
    what_i_will_tweak: str
    minutes: int


# What learners write, by step: one reflection per repetition, in order.
REFLECTIONS: dict[str, list[Reflection]] = {
    "set-the-frame": [
        Reflection(
            "Wrote the three lines on the whiteboard before the 8:30 stand-up and started "
            "a 15-minute timer on the screen.",
            "We finished in 19 minutes. People still opened with yesterday's deliveries.",
            "Jonas (night shift lead)",
            "Read the first question out before anyone speaks, not after.",
            20,
        ),
        Reflection(
            "Read the two questions out first and pointed at the parking lot.",
            "14 minutes. Two people said it was clearer who is on which route today.",
            "Mira from the warehouse desk",
            "Put the timer where the people on the call can see it too.",
            16,
        ),
        Reflection(
            "Posted the frame in the team chat for the remote drivers as well.",
            "15 minutes on the dot; the drivers answered in the chat before the call.",
            "Two drivers on the call",
            "Keep the frame pinned so nobody has to ask for it.",
            15,
        ),
    ],
    "park-discussions": [
        Reflection(
            "Stopped a discussion about the Lyon reroute after a minute and wrote it in "
            "the parking lot with two names.",
            "It felt abrupt, but the follow-up took 6 minutes with only the two of them.",
            "Pierre, one of the two",
            "Say 'good topic' first so it does not sound like a rebuke.",
            18,
        ),
        Reflection(
            "Parked two topics: the forklift rota and a customs question.",
            "Both were solved in the follow-up; nobody else had to wait.",
            "Customs contact",
            "Ask 'who needs to be in it?' straight away.",
            15,
        ),
        Reflection(
            "Parked one topic within 30 seconds and handed over to the next person.",
            "Nobody minded. The stand-up ended two minutes early.",
            "The team, in the retro",
            "Nothing to change; keep the parking lot visible.",
            14,
        ),
    ],
    "blockers-first": [
        Reflection(
            "Agreed a helper and a time for each of the three blockers before moving on.",
            "Two of the three were solved by the next morning.",
            "",
            "Write the 'by when' next to the name, people forgot the time.",
            17,
        ),
        Reflection(
            "Opened with yesterday's blockers: solved or not?",
            "Four blockers, three solved. The open one is waiting on the carrier.",
            "Planning desk",
            "Escalate a blocker that stays open two days in a row.",
            15,
        ),
        Reflection(
            "Escalated the carrier blocker to the account manager during the stand-up.",
            "Solved by noon; everyone saw the blocker board work.",
            "Account manager",
            "",
            15,
        ),
    ],
    "write-it-first": [
        Reflection(
            "Wrote an SBI note before talking to a new colleague about the missed handover.",
            "Writing it down took the edge off; the talk stayed on the situation.",
            "",
            "Keep the impact to one sentence, mine was a paragraph.",
            10,
        ),
        Reflection(
            "Wrote two SBI notes: one for praise, one about late shift reports.",
            "The praise note was easy; the other needed three tries to stay specific.",
            "",
            "Name the day and the report, not 'always'.",
            12,
        ),
    ],
    "positive-feedback": [
        Reflection(
            "Told a colleague that her clear handover on Monday saved me 20 minutes.",
            "She smiled and said nobody had mentioned the handovers before.",
            "The colleague herself",
            "Say it on the same day, not at the end of the week.",
            5,
        ),
        Reflection(
            "Thanked a driver for calling ahead about the blocked loading bay.",
            "He said he would do it again; the next day another driver did the same.",
            "Driver",
            "Mention the impact on the customer too.",
            4,
        ),
        Reflection(
            "Gave SBI praise in the team meeting for the weekend cover.",
            "People asked how the cover was organised; it became the new routine.",
            "Team lead",
            "",
            6,
        ),
    ],
    "corrective-feedback": [
        Reflection(
            "Raised the late shift reports with one person using SBI, in private.",
            "He explained the scanner problem; we fixed the cause instead of the symptom.",
            "The colleague",
            "Ask a question after the impact and listen longer.",
            15,
        ),
        Reflection(
            "Gave corrective feedback about skipped safety checks, with a specific example.",
            "Uncomfortable, but the checks were done every day since.",
            "Site safety lead",
            "Agree the next step together before ending the talk.",
            12,
        ),
    ],
    "ask-in-the-subject": [
        Reflection(
            "Subject: 'Decision by Thu: reroute the Lyon pallets via Dijon?'",
            "Answer in 2 hours, with a yes and no follow-up needed.",
            "Transport planner",
            "Put the date first, it was cut off on the phone.",
            8,
        ),
        Reflection(
            "Asked for the customs papers with the ask and the date in the subject.",
            "Reply the same afternoon, papers attached.",
            "Customs broker",
            "",
            6,
        ),
        Reflection(
            "Sent three requests with the ask in the subject line.",
            "Two answered within the day, one after a reminder.",
            "",
            "The slow one had two asks in one email: split them.",
            10,
        ),
    ],
    "cut-to-what-the-reader-needs": [
        Reflection(
            "Cut a 14-line email about the depot move to five lines and a link.",
            "The depot manager answered from his phone within the hour.",
            "Depot manager",
            "Bullet the background; I still wrote it as a story.",
            12,
        ),
        Reflection(
            "Read my email as the recipient and deleted the history of the complaint.",
            "The customer service lead said it was the first email she read to the end.",
            "Customer service lead",
            "Keep the ask above the fold on a phone.",
            10,
        ),
        Reflection(
            "Wrote the weekly carrier update as three bullets under the ask.",
            "No questions back this week; usually there are two or three.",
            "Carrier account team",
            "",
            9,
        ),
    ],
    "make-the-answer-easy": [
        Reflection(
            "Ended with 'Reply A to reroute, B to wait for Monday'.",
            "The reply was just 'A'. Done in one round.",
            "Planner",
            "Add a default for when nobody answers.",
            6,
        ),
        Reflection(
            "Gave a default: 'If I don't hear by 3 pm I'll book the earlier slot.'",
            "Nobody answered, the default stood and the slot was booked in time.",
            "",
            "",
            5,
        ),
    ],
}


@dataclass(frozen=True)
class Practice:
    """One attempt in a story: which day (days ago), at what local hour, on which step."""

    days_ago: int
    hour: int
    step_key: str
    confidence: int


@dataclass(frozen=True)
class Story:
    email: str
    micromastery: str
    enrolled_days_ago: int
    personal_payoff: str
    practice: list[Practice] = field(default_factory=list)
    paused_days_ago: int | None = None
    holdout: bool = False


def routine(
    days_and_hours: list[tuple[int, int]], step_keys: list[str], confidences: list[int]
) -> list[Practice]:
    return [
        Practice(days_ago, hour, step_key, confidence)
        for (days_ago, hour), step_key, confidence in zip(
            days_and_hours, step_keys, confidences, strict=True
        )
    ]


STAND_UP_STEPS = ["set-the-frame"] * 2 + ["park-discussions"] * 3 + ["blockers-first"] * 3
FEEDBACK_STEPS = ["write-it-first"] * 2 + ["positive-feedback"] * 3 + ["corrective-feedback"] * 2
EMAIL_STEPS = (
    ["ask-in-the-subject"] * 3 + ["cut-to-what-the-reader-needs"] * 3 + ["make-the-answer-easy"] * 2
)

# Stories of learners who enrolled themselves. The Dispatch cohort enrols the rest of that
# team after these, so those who were already practising show as already enrolled there.
STORIES = [
    # Practising every day and mid-way: the third step is due today.
    Story(
        "ana.costa@acme.example",
        EMAIL,
        8,
        "Stop chasing the depots for answers: one email, one reply.",
        routine(
            [(6, 9), (5, 9), (4, 10), (3, 9), (2, 11), (1, 9)],
            EMAIL_STEPS[:6],
            [2, 3, 3, 3, 4, 4],
        ),
    ),
    # Mid-way through the stand-up, spaced over the last three weeks.
    Story(
        "tom.becker@acme.example",
        STAND_UP,
        19,
        "Get the morning stand-up back to 15 minutes so the drivers leave on time.",
        routine(
            [(18, 8), (17, 8), (15, 8), (12, 8), (10, 8), (8, 8), (5, 8)],
            STAND_UP_STEPS[:7],
            [2, 3, 3, 3, 4, 3, 4],
        ),
    ),
    # Completed the stand-up a month ago; check-ins show the payoff.
    Story(
        "sofia.rossi@acme.example",
        STAND_UP,
        42,
        "A stand-up that plans the day instead of reporting yesterday.",
        routine(
            [(41, 8), (40, 8), (38, 8), (37, 8), (36, 8), (34, 8), (33, 8), (31, 8)],
            STAND_UP_STEPS,
            [2, 3, 3, 4, 4, 4, 5, 5],
        ),
    ),
    # Stopped practising nine days ago: at risk.
    Story(
        "grace.okafor@acme.example",
        FEEDBACK,
        22,
        "Give my new colleagues feedback they can use, not just 'well done'.",
        routine([(21, 10), (20, 10), (9, 15)], FEEDBACK_STEPS[:3], [2, 3, 3]),
    ),
    # Completed the email routine over a month ago.
    Story(
        "liam.walsh@acme.example",
        EMAIL,
        42,
        "Fewer reminder emails and more time for planning.",
        routine(
            [(41, 9), (41, 14), (40, 10), (39, 9), (38, 9), (36, 10), (35, 9), (33, 9)],
            EMAIL_STEPS,
            [3, 3, 4, 3, 4, 4, 4, 5],
        ),
    ),
    # Completed, and in the control group that gets no nudges.
    Story(
        "noah.kim@acme.example",
        EMAIL,
        40,
        "Get answers from the carriers without a phone call.",
        routine(
            [(39, 9), (39, 15), (38, 9), (37, 10), (35, 10), (34, 9), (33, 9), (32, 10)],
            EMAIL_STEPS,
            [2, 3, 3, 3, 3, 4, 4, 4],
        ),
        holdout=True,
    ),
    # Started, then paused during a busy peak.
    Story(
        "diego.hernandez@acme.example",
        EMAIL,
        16,
        "Clear answers from other teams on the first try.",
        routine([(15, 9), (15, 14), (13, 9)], EMAIL_STEPS[:3], [2, 3, 3]),
        paused_days_ago=11,
    ),
    # Completed the feedback routine; check-in after 30 days.
    Story(
        "fatima.zahra@acme.example",
        FEEDBACK,
        46,
        "Feedback conversations that I do not put off.",
        routine(
            [(45, 10), (44, 11), (42, 10), (40, 11), (38, 12), (37, 10), (34, 12)],
            FEEDBACK_STEPS,
            [2, 3, 3, 4, 4, 3, 4],
        ),
    ),
    # Completed, taught it back to three colleagues and is now mastered.
    Story(
        "maya.patel@acme.example",
        FEEDBACK,
        45,
        "Feedback my team can act on the same day.",
        routine(
            [(44, 10), (43, 11), (41, 10), (39, 11), (37, 12), (35, 10), (31, 11)],
            FEEDBACK_STEPS,
            [3, 3, 4, 4, 4, 4, 5],
        ),
    ),
]


def local_moment(learner: User, *, days_ago: int, hour: int, today: date | None = None) -> datetime:
    """``hour`` o'clock in the learner's own time zone, ``days_ago`` days before today."""
    zone = learner.zone
    today = today or timezone.now().astimezone(zone).date()
    return datetime.combine(today - timedelta(days=days_ago), time(hour), tzinfo=zone)


def _submission_key(story: Story, index: int) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"{story.email}/{story.micromastery}/{index}")


def _enrollment_ensure(learner: User, micromastery: Micromastery, story: Story) -> Enrollment:
    existing = Enrollment.objects.filter(learner=learner, micromastery=micromastery).first()
    if existing is not None:
        return existing
    enrollment = services.enrollment_create(
        learner=learner, micromastery=micromastery, personal_payoff=story.personal_payoff
    )
    enrolled_at = local_moment(learner, days_ago=story.enrolled_days_ago, hour=8)
    Enrollment.objects.filter(pk=enrollment.pk).update(
        created_at=enrolled_at, holdout=story.holdout
    )
    enrollment.refresh_from_db()
    return enrollment


def story_practise(enrollment: Enrollment, story: Story) -> None:
    learner = enrollment.learner
    steps = {step.key: step for step in enrollment.version.steps.all()}
    repetition: dict[str, int] = {}
    for index, practice in enumerate(story.practice):
        number = repetition.get(practice.step_key, 0)
        repetition[practice.step_key] = number + 1
        reflections = REFLECTIONS[practice.step_key]
        reflection = reflections[number % len(reflections)]
        services.attempt_log(
            enrollment=enrollment,
            step=steps[practice.step_key],
            what_i_did=reflection.what_i_did,
            what_happened=reflection.what_happened,
            feedback_from=reflection.feedback_from,
            what_i_will_tweak=reflection.what_i_will_tweak,
            confidence=practice.confidence,
            minutes=reflection.minutes,
            practiced_at=local_moment(learner, days_ago=practice.days_ago, hour=practice.hour),
            submission_key=_submission_key(story, index),
        )
    enrollment.refresh_from_db()
    if enrollment.completed_at is not None:
        # Completed when the last repetition was practised, not when the demo was seeded.
        last = enrollment.attempts.filter(counts_as_repetition=True).aggregate(
            last=Max("practiced_at")
        )["last"]
        if last is not None and last < enrollment.completed_at:
            Enrollment.objects.filter(pk=enrollment.pk).update(completed_at=last)
    if story.paused_days_ago is not None and enrollment.status == EnrollmentStatus.ACTIVE:
        services.enrollment_pause(enrollment=enrollment)
        paused_at = local_moment(learner, days_ago=story.paused_days_ago, hour=17)
        Enrollment.objects.filter(pk=enrollment.pk).update(paused_at=paused_at)


def _story_run(organization: Organization, story: Story, people: dict[str, User]) -> Enrollment:
    micromastery = Micromastery.objects.for_organization(organization).get(slug=story.micromastery)
    enrollment = _enrollment_ensure(people[story.email], micromastery, story)
    story_practise(enrollment, story)
    return enrollment


@transaction.atomic
def seed_practice(organization: Organization) -> None:
    """Enrol the demo learners and replay their practice once."""
    people = {user.email: user for user in organization.users.all()}
    for story in STORIES:
        _story_run(organization, story, people)
