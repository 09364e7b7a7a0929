"""The step page's parts that cost a dozen tags and filters each on every visit: rendered
once where they never change (a logged attempt, a fixed version's payoff metrics, the empty
log form), else worked out in Python (each step's status: our own translated words, numbers
and dates, escaped like the template would; author text stays in the template).
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
from django.utils.translation import get_language, gettext, pgettext

from accounts.templatetags.working_hours import working_moment
from practice.forms import AttemptForm
from practice.models import PracticeAttempt
from practice.progress import Progress, StepProgress
from practice.selectors import VERSION_CONTENT_CACHE_SECONDS, StepPage, version_is_final

# Long enough to serve a learner's practice for weeks; short enough not to keep old ones.
ATTEMPT_CACHE_SECONDS = 60 * 60 * 24 * 7


def _translated(text: str, **values: Any) -> SafeString:
    """A translated sentence with values, as ``{% blocktranslate %}`` renders it: the
    sentence is ours, each value is localized and escaped."""
    return mark_safe(  # noqa: S308 - our translation; values escaped below
        text % {name: conditional_escape(localize(value)) for name, value in values.items()}
    )


_ATTEMPT_CACHE_KEY = "practice:attempt-html:1:{}:{}:{}"


def attempt_history_html(attempts: list[PracticeAttempt]) -> list[SafeString]:
    """Each attempt of the step's history as HTML. An attempt never changes once logged, so
    each is rendered once per language and time zone (its pk in the key: only the rows the
    selector read for this learner are looked up)."""
    language, zone = get_language(), timezone.get_current_timezone_name()
    keys = [_ATTEMPT_CACHE_KEY.format(attempt.pk, language, zone) for attempt in attempts]
    found: dict[str, str] = cache.get_many(keys)
    missing = {}
    for key, attempt in zip(keys, attempts, strict=True):
        if key not in found:
            missing[key] = render_to_string("practice/_attempt.html", {"attempt": attempt}).strip()
    if missing:
        cache.set_many(missing, ATTEMPT_CACHE_SECONDS)
        found.update(missing)
    # Rendered with auto-escaping by practice/_attempt.html.
    return [mark_safe(found[key]) for key in keys]  # noqa: S308


@dataclass(frozen=True)
class StepLine:
    """One step of the "all steps" list: where it leads and where it stands."""

    step: StepProgress
    url: str
    title: SafeString
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
            title=_translated(
                gettext("Step %(number)s: %(title)s"), number=step.number, title=step.step.title
            ),
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


_ATTEMPT_FIELDS_CACHE_KEY = "practice:attempt-fields:1:{}:{}:{}:{}"


def attempt_fields_html(
    form: AttemptForm, *, evidence_kind: str, estimated_minutes: int
) -> SafeString:
    """The practice log's fields. Shown empty (the form not sent yet) they look the same for
    every learner of a language and time zone on steps asking the same evidence, so they
    are rendered once for them; a sent form shows its own values and errors."""
    context = {"form": form, "zone": timezone.get_current_timezone_name()}
    if form.is_bound:
        return mark_safe(render_to_string("practice/_attempt_fields.html", context).strip())  # noqa: S308
    key = _ATTEMPT_FIELDS_CACHE_KEY.format(
        get_language(), evidence_kind, estimated_minutes, context["zone"]
    )
    html: str | None = cache.get(key)
    if html is None:
        html = render_to_string("practice/_attempt_fields.html", context).strip()
        cache.set(key, html, VERSION_CONTENT_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - a template rendered with auto-escaping
