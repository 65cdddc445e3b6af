"""The Trends page, run as Streamlit runs it: options in the address, the sidebar's filters, the empty state."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest
from test_pages import app, main_caption

from dashboard.app import sidebar, trend_controls

PAGE = "pages/trends.py"


def open_page(page: str, **query: str) -> AppTest:
    """The page opened from an address (its own parameters are dropped by a switch from another page)."""
    at = app(**query)
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def comparison(at: AppTest) -> str:
    return next(caption.value for caption in at.main.caption if " against the average of " in caption.value)


def test_the_page_compares_the_latest_month_with_the_year_before() -> None:
    at = open_page(PAGE)
    assert not at.error
    table = at.dataframe[0].value
    assert list(table.columns)[:3] == ["Actor", "events latest", "events baseline average"]
    assert table.iloc[0]["Actor"] == "Russia" and table.iloc[0]["level"] == "Large increase"
    assert comparison(at).startswith("2024-10 against the average of 2023-10 to 2024-09 (12 months)")
    assert "low baseline" in comparison(at).lower()  # the rule is written on the page
    assert any("is not complete" in info.value for info in at.info)


def test_the_options_come_from_the_address() -> None:
    at = open_page(PAGE, trend_by="type", trend_per="quarter", baseline="4", measure="fatalities")
    assert list(at.dataframe[0].value.columns)[:2] == ["Event type", "fatalities latest"]
    assert comparison(at).startswith("2024-Q4 against the average of 2023-Q4 to 2024-Q3 (4 quarters)")
    assert at.session_state[trend_controls.BASELINE] == 4


def test_a_chosen_latest_period_and_series_are_kept() -> None:
    at = open_page(PAGE, latest="2024-06-15", trend="North Korea")
    assert comparison(at).startswith("2024-06 against the average of 2023-06 to 2024-05")
    figure_title = at.get("plotly_chart")[0].proto.spec
    assert "North Korea: events, 2024-06" in figure_title


def test_the_sidebar_filters_apply() -> None:
    at = open_page(PAGE, country="Russia")
    assert main_caption(at) == "7 of 20 events · countries: Russia"
    at.multiselect(key=sidebar.TYPE).set_value(["depot_hit"]).run()
    assert set(at.dataframe[0].value["Actor"]) == {"Ukraine", "Russia", "North Korea", "Iran"}


def test_no_matching_events_is_said_plainly() -> None:
    at = open_page(PAGE, q="no-such-words-anywhere")
    assert any("No events match" in info.value for info in at.info)
