"""The Network page as an analyst uses it, in headless Chromium: click an actor, then a tie."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from browser_support import (
    PLOTLY_HOVER_LABEL,
    click_until_shown,
    hover_until_shown,
    poll,
    screenshot,
    settled_box,
    wait_until_settled,
)

CAPTION = "[data-testid='stMain'] [data-testid='stCaptionContainer']"
CHART = "[data-testid='stPlotlyChart'] .js-plotly-plot"
NODES = "[data-testid='stPlotlyChart'] .scatterlayer .trace:last-child path.point"

# Where on the page plotly draws the mark whose customdata is ``wanted`` (null while it is not drawn).
MARK_AT = """(plot, wanted) => {
  const layout = plot._fullLayout;
  if (!layout || !plot._fullData) return null;
  const box = plot.getBoundingClientRect();
  for (const trace of plot._fullData) {
    const rows = trace.customdata || [];
    for (let i = 0; i < rows.length; i++) {
      if (JSON.stringify(Array.from(rows[i])) === JSON.stringify(wanted)) {
        return [box.left + layout._size.l + layout.xaxis.l2p(trace.x[i]),
                box.top + layout._size.t + layout.yaxis.l2p(trace.y[i])];
      }
    }
  }
  return null;
}"""


def mark_at(app: Page, wanted: list[str]) -> tuple[float, float]:
    """The page position of a node or a tie's diamond, once the chart has drawn it and stopped moving."""
    chart = app.locator(CHART).first
    settled_box(chart)
    return poll(app, lambda: chart.evaluate(MARK_AT, wanted), f"the mark {wanted}")


def test_clicking_an_actor_filters_to_it_and_a_tie_lists_its_events(app: Page) -> None:
    app.goto(app.base_url + "/network")
    expect(app.locator("h1").first).to_have_text("Network")
    wait_until_settled(app)
    expect(app.locator(NODES)).to_have_count(9)  # the nine actors of the curated records
    expect(app.locator(CAPTION).first).to_have_text("All 20 events")

    node = mark_at(app, ["actor", "north_korea"])
    hover_until_shown(app, node, app.locator(PLOTLY_HOVER_LABEL).filter(has_text="events on its ties: 15"))
    click_until_shown(app, node, app.locator(CAPTION).filter(has_text="15 of 20 events · actors: North Korea"))
    assert parse_qs(urlsplit(app.url).query)["actor"] == ["North Korea"]
    wait_until_settled(app)
    screenshot(app, "network_actor_clicked")

    tie = mark_at(app, ["tie", "north_korea", "russia", "counterpart"])
    hover_until_shown(app, tie, app.locator(PLOTLY_HOVER_LABEL).filter(has_text="North Korea → Russia"))
    listed = app.locator(CAPTION).filter(has_text="North Korea → Russia: all 7 events, newest first")
    click_until_shown(app, tie, listed)
    expect(app.locator("[data-testid='stDataFrame']").first).to_be_visible()
    poll(
        app, lambda: parse_qs(urlsplit(app.url).query).get("tie") == ["North Korea → Russia"], "the tie in the address"
    )
    screenshot(app, "network_tie_events")
