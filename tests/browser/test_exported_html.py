"""Exported HTML opened from disk in headless Chromium: hostile record text runs nothing, nothing leaves the
machine, and the map (deck.gl, WebGL) and the charts (plotly.js) still draw under the page's CSP.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from dashboard.cli import main
from tests_support import record, write_yaml

PAYLOADS = (
    "</script><script>document.title='pwned';window.pwned=1</script>",
    "<img src=x onerror=\"window.pwned=1;alert('pwned')\">",
    '<svg onload="window.pwned=1"></svg> \u2028\u2029 <!--<script>window.pwned=1</script>',
)
HOSTILE = " ".join(PAYLOADS)
# Recorded in every page before its own scripts (Playwright's init scripts are not subject to the page's CSP).
WATCH_POLICY = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
    (event) => window.__violations.push([event.violatedDirective, event.blockedURI]));
"""


def hostile_records() -> list[dict]:
    def fields() -> dict:
        source = {
            "publisher": f"AP {HOSTILE}",
            "title": f"S {HOSTILE}",
            "url": "https://example.org/",
            "quote": HOSTILE,
        }
        return {
            "title": f"T {HOSTILE}",
            "summary": f"Summary {HOSTILE}",
            "notes": f"Notes {HOSTILE}",
            "location__place": f"Place {HOSTILE}",
            "tags": [f"tag {HOSTILE}"],
            "sources": [source],
        }

    return [
        record(id="2024-10-09-hostile-a", **fields()),
        record(id="2024-09-01-hostile-b", date__start="2024-09-01", **fields()),
    ]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The map, timeline and counts HTML of the hostile records, written by the command line."""
    folder = tmp_path_factory.mktemp("exported")
    data = write_yaml(folder / "hostile.yaml", hostile_records())
    files = {}
    for chart in ("map", "timeline", "counts"):
        files[chart] = folder / f"{chart}.html"
        command = ["export", "--data", str(data), "--format", "html", "--chart", chart, "--out", str(files[chart])]
        assert main(command) == 0
    return files


@pytest.fixture
def opened(page: Page):
    """Open a file in ``page``, refusing and recording every request that is not file:, data: or blob:, and
    every dialog; after the test, assert there was none and that no script from the data ran."""
    outside: list[str] = []
    dialogs: list[str] = []

    def refuse(route) -> None:
        outside.append(route.request.url)
        route.abort()

    def dismiss(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.route(lambda url: not url.startswith(("file:", "data:", "blob:")), refuse)
    page.on("dialog", dismiss)
    page.add_init_script(WATCH_POLICY)

    def open_file(path: Path, title: str) -> Page:
        page.goto(path.as_uri())
        expect(page).to_have_title(title)
        return page

    yield open_file
    assert page.title() != "pwned"
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.locator("img[src='x'], svg[onload]").count() == 0
    # An inline script or handler refused by the CSP would mean record text broke out of its escaping.
    assert [v for v in page.evaluate("window.__violations") if v[1] == "inline"] == []
    assert dialogs == [] and outside == [], f"dialogs {dialogs}, requests that left the machine {outside}"


def canvas_colours(tab: Page) -> int:
    """How many colours the map canvas shows (257 for more than 256): 1 while deck.gl has drawn nothing."""
    shot = Image.open(io.BytesIO(tab.locator("#deck-container canvas").screenshot())).convert("RGB")
    colours = shot.getcolors(maxcolors=256)
    return 257 if colours is None else len(colours)


def test_map_draws_and_runs_nothing_from_the_data(exported: dict[str, Path], opened) -> None:
    page = opened(exported["map"], "Events map")
    page.wait_for_function("document.querySelector('#deck-container canvas')?.width > 0")
    deadline = time.monotonic() + 90  # deck.gl draws on the next frames: ask until the canvas holds a map
    while canvas_colours(page) < 3:
        assert time.monotonic() < deadline, "the map canvas stayed blank"
        page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    # Both events are at one place, which the map centres on: its tooltip shows the record text as text.
    box = page.locator("#deck-container canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2 - 1, box["y"] + box["height"] / 2)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tooltip = page.locator(".deck-tooltip")
    expect(tooltip).to_contain_text("<img src=x onerror=")
    expect(page.locator("body")).to_contain_text("All 2 events")


@pytest.mark.parametrize(("chart", "points"), [("timeline", ".scatterlayer .point"), ("counts", ".barlayer .point")])
def test_charts_draw_and_run_nothing_from_the_data(exported: dict[str, Path], opened, chart: str, points: str) -> None:
    page = opened(exported[chart], f"{chart.capitalize()}: All 2 events")
    expect(page.locator(points).first).to_be_visible()
    assert page.locator(points).count() >= 2
    if chart == "timeline":  # the hover label shows the record text as text
        box = page.locator(points).first.bounding_box()  # plotly's drag layer lies over the points
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        expect(page.locator(".hoverlayer .hovertext").first).to_contain_text("<img src=x onerror=")
