"""Waiting in tests: on progress, never on the clock.

A busy machine makes everything slower but never stops it. So a test waits as long as
something it can see keeps moving (rows sent, messages received, a child process using
CPU) and gives up only when nothing at all has moved for ``QUIET_SECONDS``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

# How long nothing may move before a wait fails: far beyond any pause a busy machine makes.
QUIET_SECONDS = 120.0


def wait_until(
    condition: Callable[[], bool],
    *,
    progress: Callable[[], Hashable],
    quiet: float = QUIET_SECONDS,
    interval: float = 0.1,
) -> bool:
    """Poll ``condition`` until it holds; False once ``progress()`` stayed equal for ``quiet`` s.

    ``progress`` returns anything comparable that changes while the awaited work goes on
    (a count, a tuple of counts, :func:`children_cpu`).
    """
    seen = progress()
    moved_at = time.monotonic()
    while not condition():
        now = progress()
        if now != seen:
            seen, moved_at = now, time.monotonic()
        elif time.monotonic() - moved_at > quiet:
            return condition()
        time.sleep(interval)
    return True


def _cpu_ticks(pid: int) -> int:
    """CPU time a process has used so far, in clock ticks (0 when it is gone or unknown)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    # After the command name: state is field 3, utime and stime are fields 14 and 15.
    return int(fields[11]) + int(fields[12])


def children_cpu(root: int | None = None) -> int:
    """CPU used by the descendants of ``root`` (this process): workers, servers, browsers.

    Counts only on Linux (``/proc``); elsewhere it stays 0 and other progress must move.
    """
    root = os.getpid() if root is None else root
    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid = int(entry.parent.name)
            parents[pid] = int(entry.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    family, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - family
        family |= frontier
    return sum(_cpu_ticks(pid) for pid in family)


def run(args: Sequence[str], **popen: Any) -> subprocess.CompletedProcess[str]:
    """``subprocess.run(args, capture_output=True, text=True)``, waiting on progress.

    The process may take as long as it needs while it uses CPU or writes output; it is
    killed (and the result says so) only after ``QUIET_SECONDS`` without either.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(args, stdout=out, stderr=err, **popen)
        try:
            finished = wait_until(
                lambda: process.poll() is not None,
                progress=lambda: (
                    _cpu_ticks(process.pid),
                    os.fstat(out.fileno()).st_size,
                    os.fstat(err.fileno()).st_size,
                ),
            )
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
        out.seek(0)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
        if not finished:
            stderr += f"\n[killed: no CPU use and no output for {QUIET_SECONDS:.0f} s]"
        return subprocess.CompletedProcess(
            args, process.returncode, out.read().decode(errors="replace"), stderr
        )
