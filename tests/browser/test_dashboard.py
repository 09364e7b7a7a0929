"""The manager opens the dashboard on a desktop: the story band, the results and the value
are on the first screen, and the band's figures are the API's."""

import pytest
import time_machine

from tests.payoff.conftest import NOW, dataset  # noqa: F401 (the dataset fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}


def test_dashboard_band_shows_the_apis_figures_on_the_first_screen(
    page,
    live_server,
    sign_in,
    dataset,  # noqa: F811
    manager,
):
    with time_machine.travel(NOW, tick=True):
        page.set_viewport_size(DESKTOP)
        sign_in(manager)
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
        page.get_by_role("heading", name="Payoff dashboard").wait_for()
        story = page.locator(".story li")
        assert story.count() == 6
        shown = [
            (
                item.locator("a").get_attribute("data-story"),
                item.locator(".story-value").inner_text(),
                item.locator(".story-word").inner_text(),
            )
            for item in story.all()
        ]
        api = page.request.get(f"{live_server.url}/api/v1/dashboard/").json()
        assert shown == [(step["section"], step["display"], step["word"]) for step in api["story"]]
        sections = {
            item["key"]: item["value"]
            for name in ("reach", "practice", "capability", "spread", "value")
            for item in api[name]
        }
        for step in api["story"]:
            if step["key"] in sections:
                assert step["value"] == sections[step["key"]]
        assert shown[0][1] == "3"
        # On a 1366 x 900 screen: the band, results nudged vs holdout and the value, unscrolled.
        for locator in (
            page.locator(".story"),
            page.get_by_role("region", name="Results: nudged vs holdout"),
            page.locator(".glance-value"),
        ):
            box = locator.bounding_box()
            assert box is not None and box["y"] + box["height"] <= DESKTOP["height"], locator
        assert page.evaluate("window.scrollY") == 0
        page.locator('[data-story="value"]').click()
        page.wait_for_url("**#value-heading")
