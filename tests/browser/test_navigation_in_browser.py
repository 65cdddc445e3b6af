"""Addresses that name the Timeline by its own name, or no page at all, or hold hundreds of hostile parameters,
in headless Chromium: the Timeline opens and no Streamlit dialog ("Page not found") is put over it.

Streamlit's dialogs are elements of the page (``[role=dialog]``), not the browser's own dialogs, so each page
records every one that appears, even for a moment.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from playwright.sync_api import Browser, Page, expect

from browser_support import screenshot, wait_until_settled

REPO = Path(__file__).resolve().parents[2]
TIMELINE_POINTS = "[data-testid='stPlotlyChart'] .scatterlayer path.point"  # the timeline's events, drawn
NOTICE = "[data-testid='stSidebar'] [data-testid='stAlert']"
# Every Streamlit dialog that appears, with its text: appended as it appears, never removed.
RECORD_DIALOGS = """(() => {
  window.__streamlitDialogs = [];
  new MutationObserver(() => {
    for (const dialog of document.querySelectorAll('[role=dialog]')) {
      if (!dialog.__seen) {
        dialog.__seen = true;
        window.__streamlitDialogs.push(dialog.innerText.slice(0, 200));
      }
    }
  }).observe(document, {subtree: true, childList: true});
})();"""
HOSTILE_VALUES = [
    "<script>window.pwned=1</script><img src=x onerror=window.pwned=1>",
    "**bold** [link](http://evil.example) :material/warning: $x^2$",
    "bell\x07 escape\x1b[31m null\x00 delete\x7f",
    "\u202etxt.exe\u202c \u0663 \U0001f600 \u200b",
    "x" * 2_000,
]


def hostile_query() -> str:
    """Parameters of the dashboard (and 300 unknown ones) with hostile values, some keys repeated; none of them
    filters the events (a search would: the timeline would say that no event matches)."""
    pairs = [(name, value) for name in ("actor", "trail", "per", "event", "ring", "dates") for value in HOSTILE_VALUES]
    pairs += [("band_width", "inf"), ("lanes", "actor"), ("lanes", "type"), ("tiles", "true"), ("<b>", "x")]
    pairs += [(f"unknown{number}", HOSTILE_VALUES[number % len(HOSTILE_VALUES)][:50]) for number in range(300)]
    return urlencode(pairs, quote_via=quote)


@pytest.fixture(scope="module")
def app_url(start_server: Callable[..., str], browser: Browser) -> str:
    """A server of its own (the bundled records, named), opened first at ``/timeline``: a server's first
    address is read by Streamlit before the app runs, and this one must not bring up a dialog either."""
    url = start_server(REPO / "data" / "events")
    first = browser.new_page()
    first.route(lambda address: not address.startswith((url, "data:", "blob:")), lambda route: route.abort())
    try:
        first.add_init_script(RECORD_DIALOGS)
        first.goto(url + "/timeline")
        timeline_shown_without_dialog(first)
    finally:
        first.close()
    return url


def timeline_shown_without_dialog(tab: Page) -> None:
    expect(tab.locator("h1").first).to_have_text("Timeline")
    wait_until_settled(tab)
    expect(tab.locator(TIMELINE_POINTS).first).to_be_attached()
    expect(tab.locator("[role=dialog]")).to_have_count(0)
    assert tab.evaluate("window.__streamlitDialogs") == [], "a Streamlit dialog appeared"


@pytest.mark.parametrize("path", ["/timeline", "/", "/timeline/"])
def test_the_timeline_opens_at_its_own_name(app: Page, path: str) -> None:
    app.add_init_script(RECORD_DIALOGS)
    app.goto(app.base_url + path)
    timeline_shown_without_dialog(app)
    expect(app.locator("[data-testid='stMain'] [data-testid='stAlert']")).to_have_count(0)  # nothing to say


@pytest.mark.parametrize("path", ["/timeline", "/"])
def test_an_address_with_hundreds_of_hostile_parameters_opens_the_timeline(app: Page, path: str) -> None:
    app.add_init_script(RECORD_DIALOGS)
    app.goto(f"{app.base_url}{path}?{hostile_query()}")
    timeline_shown_without_dialog(app)
    notice = app.locator(NOTICE).filter(has_text="Ignored in the address")
    expect(notice).to_contain_text("unknown actor '<script>window.pwned=1</script>")
    app.locator("[data-testid='stSidebar'] [data-testid='stExpander'] summary").filter(
        has_text="Everything ignored in the address"
    ).click()
    everything = app.locator("[data-testid='stSidebar'] [data-testid='stText']").first
    expect(everything).to_contain_text("lanes: given 2 times, only the last counts ('actor' ignored)")
    expect(everything).to_contain_text("trail: given 5 times")
    expect(everything).to_contain_text("unknown parameter '<b>'")
    expect(everything).to_contain_text("unknown parameter 'unknown299'")
    assert app.evaluate("typeof window.pwned") == "undefined"
    screenshot(app, f"hostile_address{path.replace('/', '_')}")


@pytest.mark.parametrize("path", ["/nowhere", "/%3Cb%3Ebold%3C%2Fb%3E"])
def test_an_address_naming_no_page_opens_the_timeline_with_a_note(app: Page, path: str) -> None:
    app.add_init_script(RECORD_DIALOGS)
    app.goto(f"{app.base_url}{path}?actor=Russia")
    timeline_shown_without_dialog(app)
    note = app.locator("[data-testid='stMain'] [data-testid='stAlert']").filter(has_text="has no page")
    expect(note).to_contain_text("here is the Timeline. The sidebar lists every page.")
    expect(app.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']").first).to_contain_text(
        "actors: Russia"  # the address's filters still apply
    )
    screenshot(app, f"no_such_page{path.replace('/', '_').replace('%', '')}")


def test_going_back_to_a_hostile_address_draws_the_page(app: Page) -> None:
    """The browser keeps the address as opened in its history: going back to it, Streamlit reads it again."""
    app.goto(app.base_url + "/playback?trail=inf&speed=warp")
    expect(app.locator("h1").first).to_have_text("Playback")
    wait_until_settled(app)
    expect(app).to_have_url(app.base_url + "/playback")  # the values named are taken out of the address
    app.get_by_role("link", name="Trends").dispatch_event("click")
    expect(app.locator("h1").first).to_have_text("Trends")
    wait_until_settled(app)
    app.go_back()
    app.go_back()
    expect(app).to_have_url(app.base_url + "/playback?trail=inf&speed=warp")
    expect(app.locator("h1").first).to_have_text("Playback")
    wait_until_settled(app)
    expect(app.locator("[data-testid='stMain'] [data-testid='stAlertContentError']")).to_have_count(0)
    expect(app.locator(NOTICE).filter(has_text="Ignored in the address")).to_contain_text("trail: 'inf'")
    expect(app.locator("[data-testid='stMain']")).to_contain_text("events in this window")
