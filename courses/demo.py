"""The demo organization's content: three published micromasteries, one draft, two courses.

This is the first thing a newcomer reads, so it is written as real L&D content for a
logistics company (the demo organization is Acme Logistics). Everything is created through
the services, so the demo obeys the same rules as the admin; seeding twice changes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from accounts.models import Organization
from courses import services
from courses.models import Course, Micromastery, PublicationStatus

STAND_UP: dict[str, Any] = {
    "slug": "run-a-15-minute-stand-up",
    "title": "Run a 15-minute stand-up",
    "summary": "Turn the daily status round into 15 minutes that plan the day and clear "
    "what is blocking it.",
    "estimated_minutes": 15,
    "topics": ["Meetings", "Leadership"],
    "context_challenge": "The daily stand-up has become a status meeting. Everyone reports "
    "everything they did yesterday, two people solve a problem while eight wait, and after "
    "35 minutes nobody is sure what is blocked today.",
    "context_audience": "Team leads and shift supervisors who run a daily check-in for 4 to "
    "12 people, on site or on a call.",
    "context_why_it_matters": "Ten people in a 35-minute stand-up is almost six hours of team "
    "time every day. Worse, the one thing the stand-up is for, spotting what blocks today's "
    "work, gets lost in the reporting.",
    "way_in_insight": "A stand-up is not a report to the lead: it is the team planning "
    "**today** together. Ask each person one question, *what will you finish today, and "
    "what is in your way?*, and move every discussion to right after the stand-up, with "
    "only the people who need it.",
    "way_in_missing_link": "Most leads try to make people talk faster. What works is "
    "changing the question: yesterday's work is already on the board, so reporting it is "
    "waste. A visible *parking lot* lets you stop a discussion kindly, because the topic is "
    "not lost, only moved.",
    "steps": [
        {
            "key": "set-the-frame",
            "title": "Set the frame in one minute",
            "action": "Before tomorrow's stand-up, write three lines on the board or in the "
            "team chat:\n\n"
            "1. *What will you finish today?*\n"
            "2. *What is in your way?*\n"
            "3. *Parking lot:* topics we take right after the stand-up.\n\n"
            "Open by reading them out and saying the stand-up ends after 15 minutes. Start a "
            "timer where everyone can see it.",
            "feedback_how": "Note how many minutes it took. Afterwards ask one colleague: "
            "“Was it clearer what everyone is doing today?”",
            "tweak_prompt": "Which of the three lines did people skip, and how will you word "
            "it tomorrow?",
            "repetitions_required": 2,
            "min_spacing_hours": 20,
            "evidence_kind": "number",
        },
        {
            "key": "park-discussions",
            "title": "Park discussions kindly",
            "action": "When two people start solving a problem, step in within 30 seconds: "
            "*“Good topic: parking lot. Who needs to be in it?”* Write the topic and the names "
            "in the parking lot and hand over to the next person.\n\n"
            "Right after the stand-up, run the parking lot with only those names. Everyone "
            "else goes back to work.",
            "feedback_how": "Count the topics you parked. Ask one person from a parked topic "
            "whether the follow-up solved it.",
            "tweak_prompt": "Which interruption felt abrupt, and what words will you use "
            "next time?",
            "repetitions_required": 3,
            "min_spacing_hours": 20,
            "evidence_kind": "reflection",
        },
        {
            "key": "blockers-first",
            "title": "Make blockers the headline",
            "action": "For each blocker someone names, agree *before the next person speaks* "
            "who will help and by when, in one sentence, and write it next to the blocker.\n\n"
            "Start the next stand-up with yesterday's blockers: solved or not?",
            "feedback_how": "At the next stand-up, count how many of yesterday's blockers "
            "were solved within the day.",
            "tweak_prompt": "Which blocker stayed stuck, and what would have unblocked it sooner?",
            "repetitions_required": 3,
            "min_spacing_hours": 20,
            "evidence_kind": "number",
        },
    ],
    "payoff_metrics": [
        {
            "key": "team-hours-in-stand-ups",
            "name": "Team hours in stand-ups",
            "unit": "person-hours per week",
            "direction": "lower",
            "how_to_measure": "Multiply the average stand-up length in minutes by the number "
            "of people attending and by the stand-ups per week, then divide by 60. Measure "
            "the same weekdays each time.",
            "target_change": Decimal("3"),
            "reported_by": "learner",
            "checkin_days": [14, 30, 60],
            "min_value": Decimal("0"),
            # One person-hour saved is worth an hour at the organization's hourly cost.
            "value_per_unit": Decimal("1"),
            "value_basis": "hours",
        },
        {
            "key": "blockers-solved-within-a-day",
            "name": "Blockers solved within a day",
            "unit": "%",
            "direction": "higher",
            "how_to_measure": "Over one week, count the blockers named at stand-ups and how "
            "many were solved by the next stand-up; divide the second by the first.",
            "target_change": Decimal("20"),
            "reported_by": "learner",
            "checkin_days": [14, 30, 60, 90],
            "min_value": Decimal("0"),
            "max_value": Decimal("100"),
        },
    ],
}

FEEDBACK: dict[str, Any] = {
    "slug": "give-feedback-with-sbi",
    "title": "Give feedback with situation, behaviour, impact",
    "summary": "Feedback people can act on, in three sentences and under a minute.",
    "estimated_minutes": 10,
    "topics": ["Feedback", "Leadership"],
    "context_challenge": "Feedback either does not happen or comes out vague. “Great job” "
    "teaches nothing, and “you need to be more proactive” starts an argument about "
    "character. So people wait for the annual review, and small problems grow.",
    "context_audience": "Anyone who works with others, and team leads most of all, who "
    "wants to tell a colleague what worked or what did not, without a lecture.",
    "context_why_it_matters": "People repeat what they do not hear about. A colleague who "
    "never hears that a call went well does not know what to repeat; one who never hears "
    "that an email confused a customer sends it again tomorrow.",
    "way_in_insight": "Describe, don't judge. **Situation**: when and where. **Behaviour**: "
    "what the person did, as a camera would have recorded it. **Impact**: what it did to "
    "you, the team or the customer. Then stop and listen.",
    "way_in_missing_link": "Vague feedback feels kinder but is harder to hear: the other "
    "person has to guess what you mean, and usually guesses the worst. A behaviour can be "
    "repeated or changed; a label (“careless”, “a star”) can only be defended or doubted.",
    "steps": [
        {
            "key": "write-it-first",
            "title": "Write it before you say it",
            "action": "Pick one thing a colleague did this week that you want more of. Write "
            "three sentences:\n\n"
            "- *Situation:* “In Tuesday's handover call…”\n"
            "- *Behaviour:* “…you read the three delivery windows back to the driver…”\n"
            "- *Impact:* “…and we had no missed drops that day.”\n\n"
            "Check the behaviour sentence: could a camera have recorded it? Remove every "
            "adjective about the person.",
            "feedback_how": "Read your three sentences to someone else (not the colleague) "
            "and ask: “Can you picture exactly what happened?”",
            "tweak_prompt": "Which word in your behaviour sentence was a judgement rather "
            "than an observation?",
            "repetitions_required": 2,
            "min_spacing_hours": 24,
            "evidence_kind": "reflection",
        },
        {
            "key": "positive-feedback",
            "title": "Give positive feedback in under a minute",
            "action": "Say your three sentences to the colleague, in person or on a call, "
            "within two days of the situation. Keep it under a minute, then stop talking and "
            "let them answer. Do not add “but”.",
            "feedback_how": "Watch their reaction: did they ask a question or add detail? "
            "Afterwards ask: “Was that useful to hear?”",
            "tweak_prompt": "What will you say sooner, shorter or more precisely next time?",
            "repetitions_required": 3,
            "min_spacing_hours": 48,
            "evidence_kind": "reflection",
        },
        {
            "key": "corrective-feedback",
            "title": "Give corrective feedback, then ask",
            "action": "Pick one small thing that did not work. Ask first: *“Have you got two "
            "minutes for some feedback on the Müller order?”* Give situation, behaviour and "
            "impact in three sentences, then ask one open question: *“How did you see it?”*\n\n"
            "Listen to the answer before you suggest anything. Agree on one thing to try "
            "next time.",
            "feedback_how": "Within a week, watch the next similar situation: did the agreed "
            "change happen? Ask the colleague how the conversation felt to them.",
            "tweak_prompt": "Did you talk for more than half of the conversation? What will "
            "you leave out next time?",
            "repetitions_required": 2,
            "min_spacing_hours": 72,
            "evidence_kind": "reflection",
        },
    ],
    "payoff_metrics": [
        {
            "key": "specific-feedback-given",
            "name": "Specific feedback given",
            "unit": "conversations per month",
            "direction": "higher",
            "how_to_measure": "Keep a tally on your phone: add one each time you give "
            "feedback that names a situation, a behaviour and an impact. Count the last "
            "four weeks.",
            "target_change": Decimal("4"),
            "reported_by": "learner",
            "checkin_days": [30, 60, 90],
            "min_value": Decimal("0"),
        },
    ],
}

EMAIL: dict[str, Any] = {
    "slug": "write-an-email-that-gets-a-reply",
    "title": "Write an email that gets a reply in one read",
    "summary": "Put the ask first, cut the rest, and make the answer easy: fewer follow-ups, "
    "faster decisions.",
    "estimated_minutes": 10,
    "topics": ["Writing", "Communication"],
    "context_challenge": "Requests get lost in long emails. The ask is in the fourth "
    "paragraph, the deadline is implied, and the reader answers the easy question, or files "
    "the email for later. Then comes the follow-up, and the follow-up to the follow-up.",
    "context_audience": "Anyone who needs something from a colleague, a carrier or a "
    "customer by email or chat: a decision, a date, a document.",
    "context_why_it_matters": "Every round of “just following up” costs a day of waiting and "
    "ten minutes of writing. Over a week of requests that is hours of chasing, and "
    "shipments that wait while you do.",
    "way_in_insight": "Put the ask in the subject line and in the first sentence, with a "
    "date. Readers decide in seconds whether an email needs action; when the action is "
    "visible at once, they do it at once.",
    "way_in_missing_link": "We write in the order we thought: background, reasoning, then "
    "the request. Readers need the opposite order. Background is still welcome: below the "
    "ask, and short enough to skip.",
    "steps": [
        {
            "key": "ask-in-the-subject",
            "title": "Ask in the subject line",
            "action": "For your next three requests, write the subject as the ask plus a "
            "date, e.g. *“Decision needed by Thu: reroute the Lyon pallets via Dijon?”*\n\n"
            "Make the first sentence the same ask, as a question the reader can answer in "
            "one line.",
            "feedback_how": "Note how many hours each reply took, and whether it answered "
            "your question without a follow-up.",
            "tweak_prompt": "Which subject line got the slowest reply, and how would you "
            "sharpen it?",
            "repetitions_required": 3,
            "min_spacing_hours": 4,
            "evidence_kind": "number",
        },
        {
            "key": "cut-to-what-the-reader-needs",
            "title": "Cut to what the reader needs",
            "action": "Before you send, read the email as the recipient. Delete every "
            "sentence they do not need in order to answer. Keep the background to three short "
            "lines or bullets below the ask; attach or link anything longer.\n\n"
            "Aim for an email that fits on a phone screen without scrolling.",
            "feedback_how": "Ask one regular recipient: “Was anything missing, or anything "
            "you skipped?”",
            "tweak_prompt": "What did you keep that the reader did not need?",
            "repetitions_required": 3,
            "min_spacing_hours": 20,
            "evidence_kind": "reflection",
        },
        {
            "key": "make-the-answer-easy",
            "title": "Make the answer easy",
            "action": "End with the answer already shaped:\n\n"
            "- options: *“Reply A to reroute, B to wait for Monday”*;\n"
            "- a default: *“If I don't hear by 3 pm, I'll go with A”*;\n"
            "- or a yes/no question.\n\n"
            "Never end with “Let me know your thoughts”.",
            "feedback_how": "Count how many replies picked one of your options or let the "
            "default stand.",
            "tweak_prompt": "Which request still needed a back-and-forth, and which option "
            "was missing?",
            "repetitions_required": 2,
            "min_spacing_hours": 20,
            "evidence_kind": "reflection",
        },
    ],
    "payoff_metrics": [
        {
            "key": "requests-needing-a-follow-up",
            "name": "Requests that need a follow-up",
            "unit": "% of requests",
            "direction": "lower",
            "how_to_measure": "For two weeks, mark every request you send by email or chat. "
            "Count how many needed a reminder or a clarifying round before you had a usable "
            "answer, and divide by the number sent.",
            "target_change": Decimal("25"),
            "reported_by": "learner",
            "checkin_days": [14, 30, 60],
            "min_value": Decimal("0"),
            "max_value": Decimal("100"),
        },
        {
            "key": "time-spent-chasing-replies",
            "name": "Time spent chasing replies",
            "unit": "hours per week",
            "direction": "lower",
            "how_to_measure": "At the end of the week, estimate the time you spent writing "
            "reminders, re-explaining requests and on calls about unanswered emails. Estimate "
            "the same way each time.",
            "target_change": Decimal("1"),
            "reported_by": "learner",
            "checkin_days": [30, 60, 90],
            "min_value": Decimal("0"),
            "value_per_unit": Decimal("1"),
            "value_basis": "hours",
        },
    ],
}

# A draft on purpose: it shows authors what publishing refuses, and why (no payoff metric
# yet, and the second step has no tweak prompt).
SAY_NO_DRAFT: dict[str, Any] = {
    "slug": "say-no-without-damaging-the-relationship",
    "title": "Say no without damaging the relationship",
    "summary": "Decline a request and keep the goodwill, by offering what you can do instead.",
    "estimated_minutes": 5,
    "topics": ["Communication"],
    "context_challenge": "You say yes to every ad-hoc request, then miss your own deadlines "
    "or work late to catch up.",
    "context_audience": "Anyone who receives requests from other teams, and new team leads "
    "in particular.",
    "context_why_it_matters": "Every unplanned yes delays planned work that someone else is "
    "counting on.",
    "way_in_insight": "Say no to the request and yes to the person: name what you are "
    "protecting, then offer what you can do instead.",
    "steps": [
        {
            "key": "name-what-you-protect",
            "title": "Name what you are protecting",
            "action": "Before you answer the next ad-hoc request, write down the task your "
            "yes would delay, and by how much.",
            "feedback_how": "Ask yourself a day later whether the trade-off was the right one.",
            "tweak_prompt": "What did you protect, and was it worth it?",
            "repetitions_required": 2,
            "min_spacing_hours": 24,
        },
        {
            "key": "offer-an-alternative",
            "title": "Offer an alternative",
            "action": "Answer with one sentence that says no to the request and one that "
            "offers something smaller, later or from someone else.",
            "feedback_how": "Note whether the requester accepted the alternative.",
            "repetitions_required": 2,
            "min_spacing_hours": 24,
        },
    ],
}

PUBLISHED_MICROMASTERIES = [STAND_UP, FEEDBACK, EMAIL]

PUBLISHED_COURSE = {
    "slug": "meetings-and-messages",
    "title": "Meetings and messages that move work forward",
    "summary": "Three small skills that give a team back hours every week: a 15-minute "
    "stand-up, emails answered in one read, and feedback people can act on.",
    "micromasteries": [STAND_UP["slug"], EMAIL["slug"], FEEDBACK["slug"]],
}
DRAFT_COURSE = {
    "slug": "first-90-days-as-a-team-lead",
    "title": "Your first 90 days as a team lead",
    "summary": "A path for new team leads, still being written: its last micromastery is a draft.",
    "micromasteries": [FEEDBACK["slug"], STAND_UP["slug"], SAY_NO_DRAFT["slug"]],
}


def _ensure_micromastery(
    organization: Organization, content: dict[str, Any], *, publish: bool
) -> Micromastery:
    existing = Micromastery.objects.for_organization(organization).filter(slug=content["slug"])
    if existing.exists():
        return existing.get()
    author = organization.users.filter(is_author=True).order_by("pk").first()
    draft = services.micromastery_create(organization=organization, by=author, **content)
    if publish:
        services.version_publish(version=draft, by=author)
    return draft.micromastery


def _ensure_course(
    organization: Organization, course: dict[str, Any], by_slug: dict[str, Micromastery]
) -> Course:
    existing = Course.objects.for_organization(organization).filter(slug=course["slug"]).first()
    if existing is not None:
        return existing
    return services.course_upsert(
        organization=organization,
        slug=course["slug"],
        title=course["title"],
        summary=course["summary"],
        micromasteries=[by_slug[slug] for slug in course["micromasteries"]],
    )


@transaction.atomic
def seed_content(organization: Organization) -> None:
    """Create the demo micromasteries and courses once; later runs leave them as they are,
    including any changes someone made in the admin."""
    by_slug = {
        content["slug"]: _ensure_micromastery(organization, content, publish=True)
        for content in PUBLISHED_MICROMASTERIES
    }
    by_slug[SAY_NO_DRAFT["slug"]] = _ensure_micromastery(organization, SAY_NO_DRAFT, publish=False)
    course = _ensure_course(organization, PUBLISHED_COURSE, by_slug)
    if course.status == PublicationStatus.DRAFT:
        services.course_publish(course=course)
    _ensure_course(organization, DRAFT_COURSE, by_slug)
