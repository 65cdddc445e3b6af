"""Map tooltips hold text from the records: a curated record whose title and place, and an ACLED row whose
actors and location, are HTML, scripts and Markdown. Hovering each point in headless Chromium must show that
text exactly as written, as text: no element made of it, no script run, no dialog, nothing fetched."""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page
from test_hostile_in_browser import IMG, MARKDOWN_IMAGE, MARKDOWN_LINK, SCRIPT, SHORTCODES, findings

from browser_support import (
    DECK_CANVAS,
    DECK_TOOLTIP,
    centre,
    hover_until_shown,
    screenshot,
    settled_box,
    settled_canvas,
)
from tests_support import record, write_yaml

REPO = Path(__file__).resolve().parents[2]
ACLED = REPO / "tests" / "fixtures" / "datasets" / "acled_current.csv"
TITLE = f"Yankee {SCRIPT} {MARKDOWN_LINK}"
PLACE = f"{IMG} {MARKDOWN_IMAGE}"
ACTOR = f"Zulu {SCRIPT}"
OTHER_ACTOR = f"{MARKDOWN_LINK} **bold** {SHORTCODES}"
LOCATION = f"{MARKDOWN_IMAGE} <b>Oblast</b> {IMG}"


@pytest.fixture(scope="module")
def hostile_points(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A curated record and an ACLED row, each with hostile text in what its tooltip shows, far apart."""
    folder = tmp_path_factory.mktemp("tooltips") / "cases"
    folder.mkdir()
    write_yaml(folder / "hostile.yaml", [record(id="hostile-yankee", title=TITLE, location__place=PLACE)])
    with ACLED.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        row = {**next(reader), "event_id_cnty": "UKR99001", "actor1": ACTOR, "actor2": OTHER_ACTOR}
        columns = reader.fieldnames
    row.update(location=LOCATION, notes=f"Zulu notes {MARKDOWN_LINK}")
    with (folder / "acled.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        writer.writerow(row)
    return folder


@pytest.fixture
def app_url(start_server, hostile_points: Path) -> str:
    return start_server(hostile_points)


@pytest.mark.parametrize(
    ("search", "shown"),
    [("yankee", [TITLE, PLACE]), ("zulu", [ACTOR, OTHER_ACTOR, LOCATION])],
    ids=["record-title-and-place", "acled-actors-and-location"],
)
def test_a_map_tooltip_shows_hostile_text_as_text(app: Page, search: str, shown: list[str]) -> None:
    app.goto(app.base_url + "/map?" + urlencode({"q": search, "band": "false"}))
    problems: list[str] = []
    for width in (1440, 800):  # a wide screen, and one where the map takes the whole width
        app.set_viewport_size({"width": width, "height": 1000})
        canvas = app.locator(DECK_CANVAS).first
        settled_canvas(canvas, lambda image: True, "the map")
        point = centre(settled_box(canvas))  # the only event found, at the centre
        tooltip = hover_until_shown(app, point, app.locator(DECK_TOOLTIP).filter(has_text=search.capitalize()))
        markup = tooltip.evaluate(
            "tip => [...tip.querySelectorAll('*')].filter(e => e.tagName !== 'BR').map(e => e.outerHTML)"
        )
        problems += [f"{width} px: markup in the tooltip: {element}" for element in markup]
        text = tooltip.inner_text()
        problems += [f"{width} px: the tooltip lacks {value!r} as written" for value in shown if value not in text]
        problems += [f"{width} px: {problem}" for problem in findings(app)]
        screenshot(app, f"map_tooltip_{search}_{width}px")
    assert not problems, "\n" + "\n".join(dict.fromkeys(problems))
