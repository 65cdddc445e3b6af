"""A story as an analyst reads it, in headless Chromium: a shared link opens a step, Next moves on (and the
address follows)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from PIL import Image
from playwright.sync_api import Page, expect

from browser_support import DECK_CANVAS, poll, screenshot, settled_canvas, wait_until_settled

MAIN = "[data-testid='stMain']"


def wait_for_the_map(app: Page) -> Image.Image:
    """The story's map once WebGL has drawn the country outlines and the drawing is still."""
    wait_until_settled(app)

    def land(image: Image.Image) -> bool:
        fill = sum(
            1
            for pixel in image.get_flattened_data()
            if all(abs(a - b) <= 4 for a, b in zip(pixel, (241, 239, 233), strict=True))
        )
        return fill > 0.05 * image.width * image.height

    return settled_canvas(app.locator(DECK_CANVAS).first, land, "the story map's country outlines")


def step_in_address(app: Page) -> list[str] | None:
    return parse_qs(urlsplit(app.url).query).get("step")


def test_a_shared_link_opens_the_step_and_next_moves_on(app: Page) -> None:
    app.goto(app.base_url + "/story?story=munitions-to-russia&step=2")
    main = app.locator(MAIN)
    expect(main.get_by_text("Step 2 of 7 · Seoul keeps count of the containers")).to_be_visible()
    expect(main.get_by_text("kept a running estimate of the containers", exact=False)).to_be_visible()
    wait_for_the_map(app)
    assert app.locator("[data-testid='stException']").count() == 0

    app.get_by_role("button", name=re.compile(r"Next$")).click()
    expect(main.get_by_text("Step 3 of 7 · North Korean missiles fired at Ukraine")).to_be_visible()
    expect(main.get_by_text("24 North Korean missiles", exact=False)).to_be_visible()
    poll(app, lambda: step_in_address(app) == ["3"], "the address to say step=3")
    assert parse_qs(urlsplit(app.url).query)["story"] == ["munitions-to-russia"]
    wait_for_the_map(app)
    screenshot(app, "story_step_3")
