"""The page benchmark runs end to end at a tiny scale (no timing is asserted)."""

from __future__ import annotations

import pytest

from bench import pages


@pytest.mark.django_db(transaction=True)
def test_the_page_benchmark_serves_the_three_pages_and_prints_its_ratios():
    lines = []
    ratios = pages.run(requests=4, concurrency=2, repeat=1, log=lines.append)
    assert set(ratios) == {"step_vs_bare", "home_vs_bare"}
    assert all(value > 0 for value in ratios.values())
    assert [line.split()[0] for line in lines] == ["step", "home", "bare"]


@pytest.mark.django_db
def test_the_bare_view_is_not_among_the_applications_urls(client, learner):
    client.force_login(learner)
    assert client.get("/__bench__/bare/").status_code == 404
