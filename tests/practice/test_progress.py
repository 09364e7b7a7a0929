from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from practice.progress import StepProgress

LAST = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _step(*, done=0, required=3, unlocked=True, last=LAST):
    step = SimpleNamespace(
        pk=1,
        key="step-1",
        order=1,
        title="Step",
        repetitions_required=required,
        min_spacing_hours=20,
    )
    return StepProgress(
        step=step,
        number=1,
        repetitions_done=done,
        repetitions_required=required,
        unlocked=unlocked,
        last_repetition_at=last,
    )


@pytest.mark.parametrize(
    ("step", "practiced_at", "counts"),
    [
        (_step(last=None), LAST, True),
        (_step(), LAST + timedelta(hours=20), True),
        (_step(), LAST + timedelta(hours=19, minutes=59), False),
        (_step(done=3), LAST + timedelta(days=3), False),
        (_step(unlocked=False, last=None), LAST, False),
    ],
    ids=["first", "spaced", "too-soon", "step-done", "locked"],
)
def test_step_progress_counts_as_repetition_only_when_spaced_on_an_open_step(
    step, practiced_at, counts
):
    assert step.counts_as_repetition(practiced_at) is counts
