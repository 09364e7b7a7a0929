"""Learner pages against a bare Django view, served by the same gunicorn (2 workers).

A learner with a published micromastery (Markdown in its Context, Way In, steps and
payoff metrics), three enrolments, 40 attempts and some unread notifications signs in
(a real session row); then, round robin (bench._common.interleaved), ``--requests``
requests at a time with ``--concurrency`` keep-alive connections to:

- the practice step page of one of the learner's steps;
- the home page;
- ``/__bench__/bare/``: a tiny template under the same middleware, added by the bench-only
  settings overlay (bench._pages_settings), never by the application's URLs.

Final line: ``step_vs_bare`` and ``home_vs_bare``, requests per second of each page over
the bare view's (1.0 would be a page as cheap as the framework itself).
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench._common import bench_database_url, create_database, interleaved, ratio_line, setup_django

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "bench._pages_settings"

MARKDOWN = (
    "Before **every** meeting, write the *one decision* it must reach.\n\n"
    "- Say it in the invitation\n- Say it again when you start\n- Close on it\n\n"
    "> A meeting without a decision is a status report.\n\n"
    "See [the guide](https://example.com/guide) and `the template`."
)


def make_learner() -> tuple[Any, int, int]:
    """The learner, an enrolment and one of its steps: (user, enrollment id, step id)."""
    from django.utils import timezone

    from practice.nudges.models import Notification
    from tests.factories import (
        AttemptFactory,
        EnrollmentFactory,
        MetricFactory,
        MicromasteryFactory,
        OrganizationFactory,
        StepFactory,
        UserFactory,
        VersionFactory,
    )

    organization = OrganizationFactory(slug="bench-pages")
    learner = UserFactory(organization=organization, email="learner@pages.bench.example")
    first = None
    for index in range(3):
        micromastery = MicromasteryFactory(organization=organization)
        version = VersionFactory(
            micromastery=micromastery, status="draft", title=f"Decide before you meet {index}",
            summary=MARKDOWN, context_challenge=MARKDOWN, context_audience=MARKDOWN,
            context_why_it_matters=MARKDOWN, way_in_insight=MARKDOWN, way_in_missing_link=MARKDOWN,
        )  # fmt: skip
        steps = [
            StepFactory(version=version, order=order, action=MARKDOWN, feedback_how=MARKDOWN,
                        tweak_prompt=MARKDOWN)
            for order in (1, 2, 3)
        ]  # fmt: skip
        for order in (1, 2):
            MetricFactory(version=version, order=order, key=f"m{order}", how_to_measure=MARKDOWN)
        from courses.services import version_publish

        version_publish(version=version, by=None)
        version.refresh_from_db()
        enrollment = EnrollmentFactory(learner=learner, micromastery=micromastery, version=version)
        now = timezone.now()
        for day in range(14):
            AttemptFactory(
                enrollment=enrollment, step=steps[day % 3], practiced_at=now - timedelta(days=day)
            )
        if first is None:
            first = (enrollment.pk, steps[0].pk)
    Notification.objects.bulk_create(
        Notification(recipient=learner, title=f"Time to practise {n}", url="/") for n in range(12)
    )
    assert first is not None
    return learner, *first


def session_cookie(user: Any) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(port: int, workers: int) -> subprocess.Popen[bytes]:
    from django.db import connection

    # The database this process writes to, by name: in the tests, the test database.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "MICROMASTERY_TEST_DATABASE_NAME": str(connection.settings_dict["NAME"]),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "micromastery.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    return process


def stop_gunicorn(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def get(connection: http.client.HTTPConnection, path: str, cookie: str) -> int:
    connection.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = connection.getresponse()
    response.read()
    return response.status


def wait_until_serving(port: int, process: subprocess.Popen[bytes], cookie: str) -> None:
    """Wait until gunicorn answers, or fail when it exits or nothing moves for a minute."""
    started = time.monotonic()
    while True:
        if process.poll() is not None:
            raise SystemExit("bench.pages: gunicorn exited before serving")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            if get(connection, "/__bench__/bare/", cookie) == 200:
                return
        except OSError:
            pass
        if time.monotonic() - started > 60:
            raise SystemExit("bench.pages: gunicorn did not answer within a minute")
        time.sleep(0.2)


def load(port: int, path: str, cookie: str, requests: int, concurrency: int) -> None:
    """``requests`` GETs of ``path`` over ``concurrency`` keep-alive connections; all 200."""
    failures: list[int] = []
    per_connection = max(requests // concurrency, 1)

    def run() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(per_connection):
            status = get(connection, path, cookie)
            if status != 200:
                failures.append(status)
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"bench.pages: {path} answered {sorted(set(failures))}")


def run(
    *, requests: int, concurrency: int, repeat: int, workers: int = 2, log: Any = print
) -> dict[str, float]:
    """Serve the three pages from one gunicorn and return the final line's ratios."""
    learner, enrollment_id, step_id = make_learner()
    cookie = session_cookie(learner)
    from django.db import connection

    connection.close()  # gunicorn's workers read what this process wrote
    port = free_port()
    process = start_gunicorn(port, workers)
    try:
        wait_until_serving(port, process, cookie)
        paths = {
            "step": f"/enrollments/{enrollment_id}/steps/{step_id}/",
            "home": "/",
            "bare": "/__bench__/bare/",
        }
        cases = {
            name: (lambda path=path: load(port, path, cookie, requests, concurrency))
            for name, path in paths.items()
        }
        seconds = interleaved(cases, repeat=repeat)
        served = max(requests // concurrency, 1) * concurrency
        rps = {name: served / value for name, value in seconds.items()}
        for name, value in rps.items():
            log(f"{name:5} {value:8.1f} requests/s (median of {repeat} rounds of {served})")
        return {
            "step_vs_bare": rps["step"] / rps["bare"],
            "home_vs_bare": rps["home"] / rps["bare"],
        }
    finally:
        stop_gunicorn(process)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench pages")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 400 requests a round")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=4)
    args, _ = parser.parse_known_args(argv)
    url = bench_database_url()
    create_database(url)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    setup_django(url)
    from bench.dashboard import empty_tables

    empty_tables()
    ratios = run(
        requests=max(int(400 * args.scale), args.concurrency),
        concurrency=args.concurrency,
        repeat=args.repeat,
    )
    print(ratio_line(ratios), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
