"""How far a learner is, computed from the attempts alone (no queries here).

The rules, in one place:

- A step is **unlocked** when every step before it is done; the first step always is.
- An attempt **counts as a repetition** when it is on an unlocked step that is not done yet
  and at least the step's ``min_spacing_hours`` after the step's previous repetition.
  Earlier attempts are kept as extra practice: the reflection is never lost, but spacing
  is what makes a skill stick.
- A step is **done** after ``repetitions_required`` repetitions. Learners may go back and
  practise a done step again (extra practice).
- The micromastery is **complete** when every step is done.
- After completion come the "learn long" **refreshers**: the routine is due again
  ``REFRESHER_INTERVALS_DAYS`` apart, each interval counted from the previous refresher (or
  from completion), so the gaps expand: 3, 7, 21 and 60 days. A refresher is one attempt
  logged while it is due; the step to refresh rotates through the routine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

REFRESHER_INTERVALS_DAYS = (3, 7, 21, 60)


class StepLike(Protocol):
    pk: int
    key: str
    order: int
    title: str
    repetitions_required: int
    min_spacing_hours: int


class AttemptLike(Protocol):
    step_id: int
    practiced_at: datetime
    counts_as_repetition: bool
    is_refresher: bool


@dataclass(frozen=True)
class StepTally:
    """What the rules read of one step's attempts: counted from the rows
    (``tally_attempts``) or by the database (``practice.selectors``), the same numbers."""

    attempts: int = 0
    repetitions: int = 0
    last_repetition_at: datetime | None = None
    refreshers: int = 0
    last_refresher_at: datetime | None = None


@dataclass
class StepProgress:
    step: StepLike
    number: int
    repetitions_done: int
    repetitions_required: int
    unlocked: bool
    last_repetition_at: datetime | None
    attempts_total: int = 0  # every attempt on the step, counted or not

    @property
    def done(self) -> bool:
        return self.repetitions_done >= self.repetitions_required

    @property
    def next_due_at(self) -> datetime | None:
        """When the next repetition counts; None when the step is done or still locked."""
        if self.done or not self.unlocked:
            return None
        if self.last_repetition_at is None:
            return None  # due now: nothing to wait for
        return self.last_repetition_at + timedelta(hours=self.step.min_spacing_hours)

    def counts_as_repetition(self, practiced_at: datetime) -> bool:
        """Whether an attempt at ``practiced_at`` counts (the rule in this module's docstring):
        the step is unlocked and not done, and it is spaced from the previous repetition."""
        if self.done or not self.unlocked:
            return False
        last = self.last_repetition_at
        return last is None or practiced_at >= last + timedelta(hours=self.step.min_spacing_hours)

    def is_due(self, now: datetime) -> bool:
        if self.done or not self.unlocked:
            return False
        due = self.next_due_at
        return due is None or due <= now

    @property
    def repetitions_left(self) -> int:
        return max(self.repetitions_required - self.repetitions_done, 0)


@dataclass
class Progress:
    steps: list[StepProgress]
    completed_at: datetime | None
    refreshers_done: int
    last_refresher_at: datetime | None

    @property
    def repetitions_done(self) -> int:
        return sum(min(step.repetitions_done, step.repetitions_required) for step in self.steps)

    @property
    def repetitions_required(self) -> int:
        return sum(step.repetitions_required for step in self.steps)

    @property
    def percent(self) -> int:
        required = self.repetitions_required
        return round(100 * self.repetitions_done / required) if required else 0

    @property
    def is_complete(self) -> bool:
        return bool(self.steps) and all(step.done for step in self.steps)

    @property
    def current_step(self) -> StepProgress | None:
        """The step to practise next: the first unlocked step not done yet."""
        return next((step for step in self.steps if step.unlocked and not step.done), None)

    @property
    def next_due_at(self) -> datetime | None:
        current = self.current_step
        if current is not None:
            return current.next_due_at
        return self.refresher_due_at

    @property
    def refresher_due_at(self) -> datetime | None:
        if self.completed_at is None or self.refreshers_done >= len(REFRESHER_INTERVALS_DAYS):
            return None
        since = self.last_refresher_at or self.completed_at
        return since + timedelta(days=REFRESHER_INTERVALS_DAYS[self.refreshers_done])

    @property
    def refresher_step(self) -> StepProgress | None:
        if self.refresher_due_at is None or not self.steps:
            return None
        return self.steps[self.refreshers_done % len(self.steps)]

    def is_refresher_due(self, now: datetime) -> bool:
        due = self.refresher_due_at
        return due is not None and due <= now

    def step_by_id(self, step_id: int) -> StepProgress | None:
        return next((step for step in self.steps if step.step.pk == step_id), None)


def tally_attempts(attempts: Iterable[AttemptLike]) -> dict[int, StepTally]:
    """Each step's tally, by step id, from its attempts (any order)."""
    by_step: dict[int, list[AttemptLike]] = {}
    for attempt in attempts:
        by_step.setdefault(attempt.step_id, []).append(attempt)
    tallies = {}
    for step_id, step_attempts in by_step.items():
        repetitions = [
            attempt.practiced_at for attempt in step_attempts if attempt.counts_as_repetition
        ]
        refreshers = [attempt.practiced_at for attempt in step_attempts if attempt.is_refresher]
        tallies[step_id] = StepTally(
            attempts=len(step_attempts),
            repetitions=len(repetitions),
            last_repetition_at=max(repetitions, default=None),
            refreshers=len(refreshers),
            last_refresher_at=max(refreshers, default=None),
        )
    return tallies


def progress_compute(
    *,
    steps: Sequence[StepLike],
    attempts: Iterable[AttemptLike],
    completed_at: datetime | None = None,
) -> Progress:
    """Progress of one enrolment from its version's steps and its attempts (any order)."""
    return progress_from_tallies(
        steps=steps, tallies=tally_attempts(attempts), completed_at=completed_at
    )


def progress_from_tallies(
    *,
    steps: Sequence[StepLike],
    tallies: Mapping[int, StepTally],
    completed_at: datetime | None = None,
) -> Progress:
    """Progress of one enrolment from its version's steps and each step's tally (by step id);
    the rules of this module's docstring, in one place."""
    ordered_steps = sorted(steps, key=lambda step: (step.order, step.pk))
    empty = StepTally()
    result: list[StepProgress] = []
    previous_done = True
    for number, step in enumerate(ordered_steps, start=1):
        tally = tallies.get(step.pk, empty)
        progress = StepProgress(
            step=step,
            number=number,
            repetitions_done=tally.repetitions,
            repetitions_required=step.repetitions_required,
            unlocked=previous_done,
            last_repetition_at=tally.last_repetition_at,
            attempts_total=tally.attempts,
        )
        result.append(progress)
        previous_done = previous_done and progress.done
    refresher_times = [
        tally.last_refresher_at for tally in tallies.values() if tally.last_refresher_at
    ]
    return Progress(
        steps=result,
        completed_at=completed_at,
        refreshers_done=sum(tally.refreshers for tally in tallies.values()),
        last_refresher_at=max(refresher_times, default=None),
    )
