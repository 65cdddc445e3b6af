"""The dashboard as an analyst uses it, in headless Chromium."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from browser_support import (
    DECK_CANVAS,
    DECK_TOOLTIP,
    PLOTLY_HOVER_LABEL,
    act_until,
    centre,
    click_until_shown,
    hover_until_shown,
    poll,
    screenshot,
    settled_box,
    settled_canvas,
    wait_until_settled,
)

KARACHEV = "2024-10-09-karachev-depot-strike"
PAGES = {
    "timeline": "/",
    "map": "/map",
    "events": "/events",
    "export": "/export",
    "data_quality": "/data_quality",
    "playback": "/playback",
    "story": "/story",
    "trends": "/trends",
    "network": "/network",
    "curate": "/curate",
}
TITLES = {name: name.replace("_", " ").capitalize() for name in PAGES}
CAPTION = "[data-testid='stMain'] [data-testid='stCaptionContainer']"
TIMELINE_MARKS = "[data-testid='stPlotlyChart'] .scatterlayer path.point"


def open_app(app: Page, path: str) -> Page:
    app.goto(app.base_url + path)
    expect(app.locator("h1").first).to_be_visible()
    return app


def land_pixels(image: Image.Image) -> int:
    return count_colour(image, (241, 239, 233), tolerance=4)  # country fill of the shipped outlines


def wait_for_map(app: Page) -> Image.Image:
    """The map once WebGL has drawn the country outlines and the drawing is still (it draws after the canvas
    appears, later still on a busy machine)."""
    wait_until_settled(app)
    return settled_canvas(
        app.locator(DECK_CANVAS).first,
        lambda image: land_pixels(image) > 0.05 * image.width * image.height,
        "the map's country outlines",
    )


def red_pixels(image: Image.Image) -> int:
    """Pixels of the first ring colour (#d62728) or close to it, anti-aliased."""
    return sum(1 for r, g, b in image.get_flattened_data() if r > 150 and r - g > 70 and r - b > 70)


def colour_columns(image: Image.Image, colour: tuple[int, int, int], tolerance: int = 12) -> list[int]:
    """The x of every pixel of ``colour`` (or close to it)."""
    width = image.width
    return [
        index % width
        for index, pixel in enumerate(image.get_flattened_data())
        if all(abs(channel - target) <= tolerance for channel, target in zip(pixel, colour, strict=True))
    ]


def count_colour(image: Image.Image, colour: tuple[int, int, int], tolerance: int = 18) -> int:
    return sum(
        1
        for pixel in image.get_flattened_data()
        if all(abs(channel - target) <= tolerance for channel, target in zip(pixel, colour, strict=True))
    )


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_loads_without_an_error(app: Page, name: str) -> None:
    open_app(app, PAGES[name])
    expect(app.locator("h1").first).to_have_text(TITLES[name])
    wait_until_settled(app)
    if name == "map":
        wait_for_map(app)
    elif name == "timeline":
        settled_box(app.locator(TIMELINE_MARKS).first)
    assert app.locator("[data-testid='stException']").count() == 0
    assert app.locator("[data-testid='stAlertContentError']").count() == 0
    screenshot(app, name)


def test_map_canvas_is_drawn_with_the_offline_basemap(app: Page) -> None:
    open_app(app, "/map")
    image = wait_for_map(app)
    land = land_pixels(image)
    drawn = sum(1 for pixel in image.get_flattened_data() if pixel != image.getpixel((0, 0)))
    assert land > 0.05 * image.width * image.height, "no country outlines drawn"
    assert drawn > 0.10 * image.width * image.height


def test_changing_a_filter_in_the_sidebar_changes_the_count(app: Page) -> None:
    open_app(app, "/events")
    expect(app.locator(CAPTION).first).to_have_text("All 20 events")
    app.get_by_label("Event types").click()  # the multiselect's input
    app.get_by_role("option", name="Depot hit").click()
    app.keyboard.press("Escape")
    expect(app.locator(CAPTION).first).to_have_text("5 of 20 events · types: Depot hit")
    assert parse_qs(urlsplit(app.url).query)["type"] == ["Depot hit"]


def test_an_address_with_filters_opens_the_filtered_view(app: Page) -> None:
    open_app(app, "/events?actor=Iran&dates=2024-01-01&dates=2024-12-31")
    expect(app.locator(CAPTION).first).to_have_text("4 of 20 events · actors: Iran · 2024-01-01 to 2024-12-31")
    expect(app.locator("[data-testid='stDataFrame']")).to_be_visible()


def test_clicking_an_event_on_the_map_opens_its_detail_card(app: Page) -> None:
    open_app(app, "/map?q=67th+GRAU+arsenal&band=false")
    wait_for_map(app)
    point = centre(app.locator(DECK_CANVAS).first.bounding_box())  # the only event, at the centre
    tooltip = hover_until_shown(app, point, app.locator(DECK_TOOLTIP).filter(has_text="67th GRAU arsenal"))
    expect(tooltip).to_contain_text("Depot hit")
    card = click_until_shown(app, point, app.get_by_text("Distance to the Russia–Ukraine border"))
    expect(card).to_be_in_viewport()  # beside the map, not below the fold
    screenshot(app, "map_detail_card")
    expect(app.get_by_text("source claims", exact=False).first).to_be_visible()
    assert parse_qs(urlsplit(app.url).query)["event"] == [KARACHEV]
    screenshot(app, "map_detail_card")


def test_clicking_an_event_on_the_timeline_opens_its_detail_card(app: Page) -> None:
    open_app(app, "/?q=Ashgabat")
    wait_until_settled(app)
    point = centre(settled_box(app.locator(TIMELINE_MARKS).first))
    hover_until_shown(app, point, app.locator(PLOTLY_HOVER_LABEL).filter(has_text="Ashgabat"))
    card = click_until_shown(app, point, app.locator("[data-testid='stMain']").get_by_text("Sources ("))
    expect(app.locator("[data-testid='stMain']").get_by_text("Ashgabat, Turkmenistan").first).to_be_in_viewport()
    expect(card).to_be_attached()
    ring = app.locator("[data-testid='stPlotlyChart'] .scatterlayer .trace").last.locator("path.point")
    expect(ring).to_have_count(3)  # the selected event ringed in each of its three lanes
    screenshot(app, "timeline_detail_card")


def test_a_real_click_on_the_3m_button_shows_the_last_three_months(app: Page) -> None:
    open_app(app, "/")
    wait_until_settled(app)
    chart = app.locator("[data-testid='stPlotlyChart'] .js-plotly-plot").first
    settled_box(chart)
    span_days = "el => { const r = el._fullLayout.xaxis.range.map(v => new Date(v)); return (r[1] - r[0]) / 864e5; }"
    before = chart.evaluate(span_days)
    app.mouse.move(*centre(chart.bounding_box()))  # the mode bar shows while the pointer is over the chart
    button = app.locator("[data-testid='stPlotlyChart'] .rangeselector .button").filter(has_text="3m")
    app.mouse.click(*centre(settled_box(button)))  # a click where the button is drawn, whatever lies on top
    after = poll(app, lambda: (days := chart.evaluate(span_days)) != before and days, "the range to change")
    assert 88 <= after <= 93, after
    screenshot(app, "timeline_3m")


def test_a_range_ring_can_be_added_and_appears_on_the_map(app: Page) -> None:
    open_app(app, f"/map?event={KARACHEV}&band=false&q=67th+GRAU+arsenal")
    before = red_pixels(wait_for_map(app))
    app.get_by_role("button", name="Add ring").click()
    expect(app.get_by_text(f"fath-360@event:{KARACHEV}").first).to_be_attached()
    drawn = settled_canvas(
        app.locator(DECK_CANVAS).first, lambda image: red_pixels(image) > before + 200, "the ring's outline"
    )
    after = red_pixels(drawn)
    assert after > before + 200, (before, after)  # the ring's red outline is drawn
    assert parse_qs(urlsplit(app.url).query)["ring"] == [f"fath-360@event:{KARACHEV}"]
    screenshot(app, "map_with_ring")


def test_a_shared_address_reproduces_rings_and_band(app: Page) -> None:
    open_app(app, "/map?actor=Ukraine&type=Depot+hit&band_width=50&band_unit=km")
    image = wait_for_map(app)
    without_ring = red_pixels(image)
    band = count_colour(image, (240, 210, 160), tolerance=25)  # the band's orange tint over land
    open_app(app, "/map?actor=Ukraine&type=Depot+hit&band_width=50&band_unit=km&ring=70mi%40place%3AKharkiv")
    wait_for_map(app)
    with_ring = settled_canvas(
        app.locator(DECK_CANVAS).first, lambda image: red_pixels(image) > without_ring + 100, "the ring's outline"
    )
    assert red_pixels(with_ring) > without_ring + 100
    assert band > 200
    expect(app.get_by_text("Within 50 km (50 km) of the RUS-UKR border, RUS side")).to_be_visible()
    screenshot(app, "map_shared_address")


@pytest.mark.parametrize(
    ("button", "name", "starts"),
    [
        ("CSV", "events_2024-09-18_2024-10-09.csv", b"\xef\xbb\xbfid,title,"),
        ("PNG", "timeline_2024-09-18_2024-10-09.png", b"\x89PNG"),
    ],
)
def test_download_buttons_produce_files(app: Page, tmp_path, button: str, name: str, starts: bytes) -> None:
    open_app(app, "/export?type=Depot+hit")
    with app.expect_download() as download:
        app.get_by_role("button", name=button, exact=True).first.click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert download.value.suggested_filename == name
    assert path.read_bytes().startswith(starts) and path.stat().st_size > 1_000


def test_exported_map_html_works_offline(app: Page, server: str, tmp_path) -> None:
    open_app(app, "/export?type=Depot+hit")
    with app.expect_download() as download:
        app.get_by_role("button", name="HTML", exact=True).nth(2).click()  # timeline, counts, map
    path = tmp_path / "map.html"
    download.value.save_as(path)
    app.goto(path.as_uri())
    settled_canvas(app.locator("canvas").first, lambda image: land_pixels(image) > 0, "the exported map")
    expect(app.get_by_text("5 of 20 events · types: Depot hit")).to_be_visible()
    screenshot(app, "exported_map_html")


@pytest.mark.parametrize("query", ["/events", f"/events?event={KARACHEV}"])
def test_the_events_table_fits_at_1440_pixels_with_or_without_the_card(app: Page, query: str) -> None:
    app.set_viewport_size({"width": 1440, "height": 1000})
    open_app(app, query)
    wait_until_settled(app)
    scroller = app.locator("[data-testid='stDataFrame'] .dvn-scroller").first
    settled_box(scroller)
    scroll_width, client_width = scroller.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert scroll_width <= client_width, (scroll_width, client_width)  # no sideways scrolling


def test_on_a_narrow_screen_the_card_comes_first_and_downloads_wrap(app: Page) -> None:
    app.set_viewport_size({"width": 800, "height": 1000})
    open_app(app, f"/map?event={KARACHEV}")
    wait_until_settled(app)
    card = app.locator("[data-testid='stMain']").get_by_text("Distance to the Russia–Ukraine border")
    expect(card).to_be_in_viewport()
    card_top = settled_box(card)["y"]
    assert card_top < settled_box(app.locator("[data-testid='stDeckGlJsonChart']").first)["y"]  # above the map
    open_app(app, "/export")
    wait_until_settled(app)
    for label in ("GeoJSON", "About the CSV (JSON)"):  # whole labels, not cut to "Ge..."
        button = app.get_by_role("button", name=label)
        expect(button).to_be_visible()
        assert button.evaluate("el => el.scrollWidth <= el.clientWidth + 1")


def test_the_dark_theme_follows_the_system_and_charts_stay_legible(app: Page) -> None:
    app.emulate_media(color_scheme="dark")
    open_app(app, "/")
    wait_until_settled(app)
    background = app.evaluate("() => getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor")
    red, green, blue = (int(part) for part in background[background.index("(") + 1 : -1].split(",")[:3])
    assert red + green + blue < 200, background  # a dark page
    label = app.locator("[data-testid='stPlotlyChart'] .ytick text").first
    expect(label).to_be_visible()
    fill = label.evaluate("el => getComputedStyle(el).fill")
    light = sum(int(part) for part in fill[fill.index("(") + 1 : -1].split(",")[:3])
    assert light > 450, fill  # lane labels drawn light on the dark page


GRID = "[data-testid='stDataFrame']"


def test_a_table_row_can_be_chosen_from_the_keyboard(app: Page) -> None:
    open_app(app, "/events")
    wait_until_settled(app)
    grid = settled_box(app.locator(GRID).first)

    def choose_the_second_row() -> None:
        app.mouse.click(grid["x"] + 300, grid["y"] + 35 + 18)  # into the first row's title cell (focus only)
        app.keyboard.press("ArrowDown")  # the second row: the newest event but one, Karachev
        app.keyboard.press("Shift+Space")

    def taken() -> bool:  # the URL moved on, or the grid shows a chosen row (its accessible table says so)
        return KARACHEV in app.url or app.locator(f"{GRID} [role='row'][aria-selected='true']").count() > 0

    chosen = "the row chosen from the keyboard in the address"
    act_until(app, choose_the_second_row, lambda: KARACHEV in app.url, chosen, landed=taken)
    expect(app.locator("[data-testid='stMain']").get_by_text("Distance to the Russia–Ukraine border")).to_be_visible()


def test_the_map_opens_framed_on_the_events_not_on_the_world(app: Page) -> None:
    open_app(app, "/map")
    image = wait_for_map(app).convert("RGB")
    depot_hits = colour_columns(image, (0xE6, 0x9F, 0x00))  # Ukraine and Russia
    deployments = colour_columns(image, (0xD5, 0x5E, 0x00))  # Najin and Vladivostok
    assert len(depot_hits) > 5 and len(deployments) > 5  # both clusters in view
    spread = (max(deployments) - min(depot_hits)) / image.width
    assert spread > 0.33  # framed on them (0.39); a world opened for a statement in New York: about 0.27
    expect(app.get_by_text("2 events lie far from the rest (UN Headquarters (New York), London)")).to_be_visible()
