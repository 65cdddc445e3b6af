"""The Trends page in headless Chromium: a row chosen in the table filters the dashboard to it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from browser_support import poll, screenshot, settled_box, wait_until_settled

CAPTION = "[data-testid='stMain'] [data-testid='stCaptionContainer']"


def test_choosing_a_row_of_the_biggest_changes_filters_the_dashboard(app: Page) -> None:
    app.goto(app.base_url + "/trends?trend_by=country")
    expect(app.locator("h1").first).to_have_text("Trends")
    wait_until_settled(app)
    expect(app.locator("[data-testid='stPlotlyChart']").first).to_be_visible()
    grid = settled_box(app.locator("[data-testid='stDataFrame']").first)
    screenshot(app, "trends")
    app.mouse.click(grid["x"] + 120, grid["y"] + 35 + 18)  # the first row's name cell (focus only)
    app.keyboard.press("Shift+Space")  # choose the row: Russia, the biggest change
    poll(app, lambda: "country=Russia" in app.url, "the chosen country in the address")
    expect(app.locator(CAPTION).first).to_have_text("7 of 20 events · countries: Russia")
    app.get_by_role("link", name="Map").click()  # the filter holds on every page
    expect(app.locator(CAPTION).first).to_have_text("7 of 20 events · countries: Russia")
