"""Helpers for the browser tests: screenshots, and waiting on conditions (never on fixed delays).

A busy machine makes every step slower, so each helper waits until the page shows what it needs (the script
has finished, the canvas is drawn and still, the hover label is up) with a generous timeout.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PIL import Image
from playwright.sync_api import Locator, Page, expect

ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts" / "screenshots"
APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
MAIN_SKELETON = "[data-testid='stMain'] [data-testid='stSkeleton']"  # an element not drawn yet
DECK_CANVAS = "[data-testid='stDeckGlJsonChart'] canvas"
DECK_TOOLTIP = "[data-testid='stDeckGlJsonChart'] .deck-tooltip"
PLOTLY_HOVER_LABEL = "[data-testid='stPlotlyChart'] .hoverlayer .hovertext"
SLOW = 120  # seconds: a generous bound for what takes a few seconds on a quiet machine

T = TypeVar("T")


def screenshot(tab: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


def screenshots(
    tab: Page, name: str, showing: Locator | None = None, widths: tuple[int, ...] = (1440, 800)
) -> list[Path]:
    """Full-page screenshots at each width (``NAME_1440px.png``…), each once the page has laid itself out
    again, scrolled to ``showing`` if given; the viewport is put back afterwards."""
    viewport = tab.viewport_size or {"width": 1500, "height": 1000}
    paths = []
    for width in widths:
        tab.set_viewport_size({"width": width, "height": viewport["height"]})
        next_frames(tab)
        wait_until_settled(tab)
        if showing is not None:
            showing.scroll_into_view_if_needed()
            next_frames(tab)
        paths.append(screenshot(tab, f"{name}_{width}px"))
    tab.set_viewport_size(viewport)
    return paths


def next_frames(tab: Page, frames: int = 2) -> None:
    """Return once the browser has painted ``frames`` more frames (the pace of every poll below)."""
    tab.evaluate(
        "frames => new Promise(done => { const step = left => left ? requestAnimationFrame(() => step(left - 1))"
        " : done(); step(frames); })",
        frames,
    )


def poll(tab: Page, check: Callable[[], T | None], what: str, timeout: float = SLOW) -> T:
    """The first truthy result of ``check``, tried once per painted frame; AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        next_frames(tab)


def wait_until_settled(tab: Page, timeout: float = SLOW) -> None:
    """The script run has finished and every element of the main area is drawn (no loading skeleton left)."""
    expect(tab.locator(APP_IDLE)).to_be_attached(timeout=timeout * 1000)
    expect(tab.locator(MAIN_SKELETON)).to_have_count(0, timeout=timeout * 1000)


def settled_box(locator: Locator, timeout: float = SLOW) -> dict:
    """The element's bounding box once it is the same on two painted frames in a row (layout done)."""
    expect(locator).to_be_visible(timeout=timeout * 1000)
    previous: list[dict | None] = [None]

    def same_as_before() -> dict | None:
        box = locator.bounding_box()
        stable = box is not None and box == previous[0]
        previous[0] = box
        return box if stable else None

    return poll(locator.page, same_as_before, "the element's position to settle", timeout)


def centre(box: dict) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def settled_canvas(
    canvas: Locator, ready: Callable[[Image.Image], bool], what: str, timeout: float = SLOW
) -> Image.Image:
    """The canvas once ``ready(image)`` holds and two screenshots in a row are the same (WebGL has drawn)."""
    expect(canvas).to_be_visible(timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    previous: list[bytes | None] = [None]

    def drawn_and_still() -> Image.Image | None:
        # a screenshot waits for the page to paint, which a long WebGL setup can hold up for a while
        shot = canvas.screenshot(timeout=max(deadline - time.monotonic(), 1) * 1000)
        still = shot == previous[0]
        previous[0] = shot
        image = Image.open(io.BytesIO(shot)).convert("RGB")
        return image if still and ready(image) else None

    return poll(canvas.page, drawn_and_still, what, timeout)


def act_until(
    tab: Page,
    act: Callable[[], None],
    check: Callable[[], T | None],
    what: str,
    landed: Callable[[], object] | None = None,
    patience: float = 10.0,
) -> T:
    """Do ``act`` until ``check`` holds: for a gesture that a widget still wiring its events may drop (a key
    press into a grid that has drawn but not yet taken focus). Each try waits longer than the one before, the
    first ``patience`` seconds. ``landed`` tells a gesture that was taken from one that was dropped: once it
    holds, the gesture is never repeated (a second one could undo the first), and ``check`` gets the rest of
    the time (the app's answer can be slow on a busy machine)."""
    deadline = time.monotonic() + SLOW
    while True:
        act()
        try:
            if landed is None:
                return poll(tab, check, what, patience)
            poll(tab, landed, f"{what}: the gesture taken", patience)
            return poll(tab, check, what, max(deadline - time.monotonic(), patience))
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            patience = min(patience * 2, max(deadline - time.monotonic(), 1))


def hover_until_shown(tab: Page, at: tuple[float, float], label: Locator, timeout: float = SLOW) -> Locator:
    """Move the mouse onto ``at`` until ``label`` (a tooltip or hover label) shows: a chart picks only once it
    has drawn and wired its events, so a hover that shows the label is the sign that a click will land."""
    deadline = time.monotonic() + timeout
    x, y = at
    patience = 2.0  # seconds for one hover; doubled after each miss, for a page too busy to answer quickly
    while True:
        tab.mouse.move(x - 12, y - 12)  # off the mark and back, so every try is a fresh hover
        tab.mouse.move(x, y, steps=2)
        try:
            expect(label.first).to_be_visible(timeout=patience * 1000)
            return label.first
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            patience = min(patience * 2, max(deadline - time.monotonic(), 1))


def messages_sent(tab: Page) -> int:
    """Messages the page has sent the app beyond heartbeats (counted by `COUNT_SENT_MESSAGES`)."""
    return tab.evaluate("window.__sentToApp || 0")


def answered(tab: Page) -> bool:
    """The app has sent the page something since the page last sent it a message (its run has begun)."""
    return tab.evaluate("(window.__receivedFromApp || 0) > (window.__receivedAtLastSend || 0)")


# Installed on every test page before its scripts run: counts what the page sends the app over its web socket,
# leaving out heartbeats (a few bytes; a rerun carries the page, the address and the widget values), and what
# the app sends back.
COUNT_SENT_MESSAGES = """(() => {
  const send = WebSocket.prototype.send;
  window.__sentToApp = 0;
  window.__receivedFromApp = 0;
  WebSocket.prototype.send = function (data) {
    if (!this.__counted) {
      this.__counted = true;
      this.addEventListener("message", () => { window.__receivedFromApp += 1; });
    }
    if ((data.byteLength ?? data.length ?? 0) > 64) {
      window.__sentToApp += 1;
      window.__receivedAtLastSend = window.__receivedFromApp;
    }
    return send.call(this, data);
  };
})();"""


def click_until_shown(tab: Page, at: tuple[float, float], outcome: Locator, timeout: float = SLOW) -> Locator:
    """Click ``at`` until ``outcome`` shows. On a busy page a click can be lost (deck.gl counts a press as a
    click only when the button comes up soon after it went down, and a slow pick on the press delays the
    release) or land while a chart is still being laid out again. So a click is repeated only once the run it
    caused has finished without showing ``outcome``, or when it sent the app nothing: clicking again while a
    run is under way would race it (a second click on a mark the first one selected toggles it off, and its
    rerun would carry the widget values from before the first click)."""
    deadline = time.monotonic() + timeout
    patience = 5.0  # seconds for the page to pass one click on, and then to show the outcome; doubled after a miss

    def remaining() -> float:
        return max(deadline - time.monotonic(), 1)

    x, y = at
    while not outcome.first.is_visible():
        sent = messages_sent(tab)
        tab.mouse.move(x - 12, y - 12)  # off the mark and back: deck.gl picks on the hover before the press
        tab.mouse.move(x, y, steps=2)
        tab.mouse.click(x, y)
        try:
            passed_on = lambda sent=sent: messages_sent(tab) > sent or outcome.first.is_visible()  # noqa: E731
            poll(tab, passed_on, "the click", patience)
            if not outcome.first.is_visible():
                poll(tab, lambda: answered(tab), "the app to answer the click", remaining())
                wait_until_settled(tab, remaining())
                expect(outcome.first).to_be_visible(timeout=patience * 1000)
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            wait_until_settled(tab, remaining())  # a rerun may have moved the mark
            patience = min(patience * 2, remaining())
    return outcome.first
