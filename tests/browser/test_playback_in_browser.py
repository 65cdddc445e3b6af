"""The Playback page in headless Chromium: Play moves the window on (and the address with it); Pause stops it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from browser_support import DECK_CANVAS, poll, screenshot, settled_canvas, wait_until_settled


def frame_in_address(app: Page) -> str | None:
    return (parse_qs(urlsplit(app.url).query).get("frame") or [None])[0]


def test_play_moves_the_window_on_and_pause_holds_it(app: Page) -> None:
    app.goto(app.base_url + "/playback?frame=2023-09-01&speed=slow")
    expect(app.locator("h1").first).to_have_text("Playback")
    wait_until_settled(app)
    settled_canvas(app.locator(DECK_CANVAS).first, lambda image: True, "the playback map")
    expect(app.get_by_text("2023-09-01 – 2023-09-30").first).to_be_visible()
    app.get_by_role("button", name="Play").click()
    moved = poll(app, lambda: frame_in_address(app) not in (None, "2023-09-01") and frame_in_address(app), "a tick")
    assert moved >= "2023-10-01"
    app.get_by_role("button", name="Pause").click()
    expect(app.get_by_role("button", name="Play")).to_be_visible()
    wait_until_settled(app)
    held = frame_in_address(app)
    expect(app.get_by_text(f"{held} – ").first).to_be_visible()  # the page shows the frame the address names
    screenshot(app, "playback")
    app.get_by_role("button", name="Forward").click()
    poll(app, lambda: frame_in_address(app) not in (None, held), "the next window in the address")
