"""The suite's one way of waiting: on progress, with the clock only measuring silence."""

import sys

import pytest

from tests import waiting


class FakeClock:
    """Stands in for ``time`` inside tests.waiting: sleeping moves it forward at once."""

    def __init__(self):
        self.now = 0.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(waiting, "time", fake)
    return fake


def test_wait_until_waits_as_long_as_something_moves(clock):
    # Work that needs ten times the quiet window, moving every 30 s (a very busy machine).
    done_at = waiting.QUIET_SECONDS * 10
    finished = waiting.wait_until(
        lambda: clock.now >= done_at, progress=lambda: int(clock.now // 30)
    )
    assert finished
    assert clock.now >= done_at


def test_wait_until_gives_up_once_nothing_moved_for_the_quiet_window(clock):
    finished = waiting.wait_until(lambda: False, progress=lambda: "stuck")
    assert not finished
    assert waiting.QUIET_SECONDS < clock.now < waiting.QUIET_SECONDS + 1


def test_wait_until_counts_the_quiet_window_from_the_last_move(clock):
    moves_until = 300.0
    finished = waiting.wait_until(lambda: False, progress=lambda: min(clock.now, moves_until) // 10)
    assert not finished
    assert moves_until + waiting.QUIET_SECONDS - 10 < clock.now < moves_until + 130


def test_run_returns_what_the_process_wrote():
    result = waiting.run(
        [
            sys.executable,
            "-c",
            "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)",
        ]
    )
    assert (result.returncode, result.stdout, result.stderr) == (3, "out\n", "err\n")
