"""What the step page says about each attempt and step, worked out in Python.

The step page lists up to ``STEP_HISTORY_LIMIT`` attempts and every step of the routine;
spelled out in the template, each line costs a dozen tags and filters on every visit. The
lines here hold only our own translated words, numbers and dates (escaped like the
template would); author and learner text stays in the template, auto-escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext, pgettext

from accounts.templatetags.working_hours import working_moment
from micromastery.common.markdown import link_target
from practice.models import PracticeAttempt
from practice.progress import Progress, StepProgress
from practice.selectors import VERSION_CONTENT_CACHE_SECONDS, StepPage, version_is_final


def moment_format() -> str:
    """The format of a moment on the learner's pages, in their language."""
    return pgettext("weekday, day, month and time", "D j M, H:i")


def _translated(text: str, **values: Any) -> SafeString:
    """A translated sentence with values, as ``{% blocktranslate %}`` renders it: the
    sentence is ours, each value is localized and escaped."""
    return mark_safe(  # noqa: S308 - our translation; values escaped below
        text % {name: conditional_escape(localize(value)) for name, value in values.items()}
    )


@dataclass(frozen=True)
class AttemptLine:
    """One attempt of the step's history, with its "when · kind · confidence · minutes"."""

    attempt: PracticeAttempt
    iso: str
    moment: str
    meta: SafeString
    evidence_link: str


def _kind(attempt: PracticeAttempt) -> str:
    # Our own words, not escaped: the template's {% translate %} does not escape them either.
    if attempt.is_refresher:
        return gettext("refresher")
    if attempt.counts_as_repetition:
        return gettext("counted as a rep")
    return gettext("extra practice")


def attempt_lines(attempts: list[PracticeAttempt]) -> list[AttemptLine]:
    """The history lines, in the learner's time zone and language (the active ones)."""
    moment = moment_format()
    lines = []
    for attempt in attempts:
        practiced_at: datetime = timezone.localtime(attempt.practiced_at)
        meta = " · ".join(
            (
                _kind(attempt),
                _translated(
                    gettext("confidence %(confidence)s of 5"), confidence=attempt.confidence
                ),
                _translated(
                    ngettext("%(minutes)s min", "%(minutes)s min", attempt.minutes),
                    minutes=attempt.minutes,
                ),
            )
        )
        lines.append(
            AttemptLine(
                attempt=attempt,
                iso=date_filter(practiced_at, "c"),
                moment=date_filter(practiced_at, moment),
                meta=mark_safe(meta),  # noqa: S308 - our words, values escaped above
                evidence_link=link_target(attempt.evidence)
                if attempt.evidence and attempt.evidence != "yes"
                else "",
            )
        )
    return lines


@dataclass(frozen=True)
class StepLine:
    """One step of the "all steps" list: where it leads and where it stands."""

    step: StepProgress
    url: str
    status: SafeString


def _step_status(
    step: StepProgress, progress: Progress, learner: object, now: datetime, time_format: str
) -> SafeString:
    done, required = step.repetitions_done, step.repetitions_required
    if step.done:
        return _translated(
            '<span aria-hidden="true">✓ </span>'
            + gettext("Done, %(done)s of %(required)s reps. Practise again any time."),
            done=done,
            required=required,
        )
    if step.unlocked:
        parts = [
            _translated(gettext("%(done)s of %(required)s reps"), done=done, required=required)
        ]
        next_due_at = step.next_due_at
        if next_due_at and next_due_at > now:
            counts_from = timezone.localtime(working_moment(next_due_at, learner))
            parts.append(
                _translated(
                    gettext('next counts from <time datetime="%(iso)s">%(moment)s</time>'),
                    iso=date_filter(counts_from, "c"),
                    moment=date_filter(counts_from, time_format),
                )
            )
        return mark_safe(" · ".join(parts))  # noqa: S308 - our words, values escaped
    current = progress.current_step
    return _translated(
        gettext("Locked: opens when you finish step %(number)s, “%(title)s”."),
        number=current.number if current else "",
        title=current.step.title if current else "",
    )


def step_lines(
    *, enrollment_id: int, progress: Progress, learner: object, now: datetime
) -> list[StepLine]:
    """Every step of the enrolment with its link and status, in the learner's time zone,
    working hours and language."""
    time_format = pgettext("weekday and time", "D H:i")
    return [
        StepLine(
            step=step,
            url=reverse("practice:step", args=[enrollment_id, step.step.pk]),
            status=_step_status(step, progress, learner, now, time_format),
        )
        for step in progress.steps
    ]


_PAYOFF_METRICS_CACHE_KEY = "practice:payoff-metrics-html:1:{}:{}"


def payoff_metrics_html(page: StepPage) -> SafeString:
    """The completion card's payoff metrics: a fixed version's, rendered once per language
    (they read no learner state)."""
    version = page.row.enrollment.version
    key = _PAYOFF_METRICS_CACHE_KEY.format(version.pk, get_language())
    html: str | None = cache.get(key)
    if html is None:
        html = render_to_string("practice/_payoff_metrics.html", {"metrics": page.payoff_metrics})
        if version_is_final(version):
            cache.set(key, html, VERSION_CONTENT_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - a template rendered with auto-escaping
