"""Every parameter of the address, hostile values in each, on the page that reads it (AppTest): each value is
used as written or named in the sidebar's notice, never dropped without a word or read another way."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest
from test_pages import app

from dashboard.model.problems import shorten
from dashboard.model.registries import Registries
from dashboard.views import params
from tests_support import as_shown

HOSTILE = [
    "-1",
    "2.5",  # Streamlit alone reads a whole number "2.5" as 2
    "1e3",
    "nan",
    "inf",  # and fails on "inf"
    " 3",
    "\u0663",  # an Arabic-Indic three: Python reads it as 3
    "20240617",  # Python reads it as a date; the page's date widgets do not
    "2024-02-30",
    "9999-12-31",
    "<b>x</b> **bold** :material/warning:",
    "bell\x07 escape\x1b[31m",
    "\u202eevil",
    "x" * 5_000,
]
TEXT = {"q", "judgements"}  # shown or used as written, whatever they hold
FRACTIONS = {"band_width", "fps"}  # numbers that need not be whole: "2.5" is one of theirs
CURATE = {"edit", "file"}  # the Curate page names what it cannot open itself
PAGE_FILES = {
    "sidebar": "pages/timeline.py",
    "timeline": "pages/timeline.py",
    "events": "pages/events.py",
    "export": "pages/export.py",
    "network": "pages/network.py",
    "story": "pages/story.py",
    "trends": "pages/trends.py",
    "playback": "pages/playback.py",
}
CHECKED = {name: parameter for name, parameter in params.PARAMETERS.items() if name not in CURATE}


def open_page(path: str, /, **query: str | list[str]) -> AppTest:
    """The page opened from an address holding ``query`` (as a shared link opens it)."""
    at = app()
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page(path)
    at.run()
    assert not at.exception, at.exception
    return at


def notice(at: AppTest) -> str:
    """The sidebar's notice of what the address asked for and the dashboard ignored, as the analyst reads it
    (the warning, and the full list under it when the warning lists only the first notes)."""
    warnings = [as_shown(item.value) for item in at.sidebar.warning if "Ignored in the address" in item.value]
    return " ".join(warnings + [item.value for item in at.sidebar.text])


def names_parameter(text: str, name: str) -> bool:
    """The notice names the parameter: as a word followed by a colon or a space (``per:``, ``unknown per 'x'``)."""
    return re.search(rf"(^|[ ;\n]){re.escape(name)}[: ]", text) is not None


def test_every_parameter_is_registered_with_a_page() -> None:
    assert set(CHECKED) | CURATE == set(params.PARAMETERS)
    assert {parameter.page for parameter in CHECKED.values()} == set(PAGE_FILES)


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("name", sorted(CHECKED))
def test_a_hostile_value_is_named_or_kept_as_written(registries: Registries, name: str, value: str) -> None:
    kept, notes = params.check_address({name: [value]}, params.Loaded(registries, ["RUS-UKR"], set()))
    if name in TEXT | {"tie", "story", "trend"} or (name in FRACTIONS and value == "2.5"):
        assert kept[name] == [value] and not notes  # a tie, a story, a series: their pages check them
    else:
        assert kept[name] == [] and len(notes) == 1
        assert names_parameter(notes[0], name) and shorten(value) in notes[0], notes


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("where", sorted(PAGE_FILES.keys() - {"sidebar"}))
def test_every_parameter_of_a_page_is_named_or_used_as_written(where: str, value: str) -> None:
    """Every parameter the page reads (and the sidebar's, on the Timeline) holds the hostile value at once."""
    names = [
        name for name, parameter in CHECKED.items() if parameter.page in (where, "sidebar" * (where == "timeline"))
    ]
    at = open_page(PAGE_FILES[where], **dict.fromkeys(names, value))
    assert not at.error, [item.value for item in at.error]
    named = notice(at)
    for name in names:
        if name in TEXT:
            assert at.session_state[name] == value, name
        elif name in FRACTIONS and value == "2.5":
            assert at.session_state[name] == 2.5, name
        else:
            assert names_parameter(named, name) and shorten(value) in named, (name, named[:500])


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"trail": "99"}, "trail: '99' is not a whole number from 0 to 3"),
        ({"window": "custom", "days": "100000000"}, "days: '100000000' is not a whole number from 1 to 366"),
        ({"trail": "inf"}, "trail: 'inf' is not a whole number from 0 to 3"),
        ({"fps": "0.1"}, "fps: '0.1' is not a number from 0.5 to 30"),
        ({"frame": "1990-01-01"}, "frame: 1990-01-01 is before the first window (2023-09-01 – 2023-09-30)"),
        ({"speed": ["fast", "warp"]}, "speed: given 2 times, only the last counts ('fast' ignored)"),
    ],
)
def test_the_playback_page_names_what_it_ignores(query: dict, named: str) -> None:
    at = open_page("pages/playback.py", **query)
    assert not at.error
    assert named in notice(at)
    assert at.session_state["trail"] == 2 and at.session_state["days"] == 10  # the page's own, not Streamlit's


def test_a_value_named_is_taken_out_of_the_address_and_the_rest_kept() -> None:
    at = open_page("pages/playback.py", trail="2.5", window="custom", days="30")
    assert "trail: '2.5' is not a whole number" in notice(at)
    assert at.session_state["trail"] == 2  # the default, not Streamlit's reading of 2.5 (also 2) by chance
    assert "trail" not in at.query_params and at.query_params["days"] == "30"
    at = open_page("pages/playback.py", trail="0.5")  # Streamlit alone would read 0
    assert at.session_state["trail"] == 2 and "trail: '0.5'" in notice(at)


@pytest.mark.parametrize(
    ("path", "query", "named"),
    [
        ("pages/events.py", {"page": "3"}, "page: 3 is beyond the table's 1 page: the first is shown"),
        ("pages/trends.py", {"trend": "Nobody"}, "trend: no series 'Nobody' in this comparison"),
        ("pages/trends.py", {"latest": "20240617"}, "latest: '20240617' is not a date (YYYY-MM-DD)"),
        ("pages/trends.py", {"baseline": "2.5"}, "baseline: '2.5' is not a whole number from 1 to 104"),
        ("pages/network.py", {"tie": "Nobody → Nowhere"}, "tie 'Nobody → Nowhere': this network does not draw it"),
        ("pages/network.py", {"split": "20240617"}, "split: '20240617' is not a date (YYYY-MM-DD)"),
        ("pages/story.py", {"story": "no-such-story"}, "story: no story has the id 'no-such-story'"),
        ("pages/timeline.py", {"per": ["month", "week"]}, "per: given 2 times, only the last counts ('month'"),
        ("pages/map.py", {"band": "yes"}, "band: 'yes' is neither true nor false"),
        ("pages/map.py", {"band_width": "1e1"}, "band_width: '1e1' is not a number from 0.1 to 500"),
        ("pages/export.py", {"judgements": ["one", "two"]}, "judgements: given 2 times, only the last counts"),
        ("pages/events.py", {"dates": ["2024-10-31", "2024-06-01"]}, "dates: from 2024-10-31 is after to 2024-06-01"),
    ],
)
def test_every_page_names_what_it_ignores(path: str, query: dict, named: str) -> None:
    at = open_page(path, **query)
    assert named in notice(at)


def test_a_date_the_trends_page_could_not_take_before_is_used() -> None:
    at = open_page("pages/trends.py", latest="1990-01-01")  # ten years before today was the widget's limit
    assert str(at.session_state["latest"]) == "1990-01-01" and not notice(at)


def test_a_long_list_of_ignored_parameters_is_counted_not_listed_in_full() -> None:
    at = open_page("pages/timeline.py", **{f"p{number}": "x" for number in range(300)})
    assert not at.error and at.title[0].value == "Timeline"
    named = notice(at)
    assert "unknown parameter 'p0'" in named and "and 280 more, all listed below" in named
    assert "unknown parameter 'p299'" in named  # in the full list under the warning


@pytest.mark.parametrize("query", [{"q": "depot a\x00b"}, {"event": "a\x00b"}, {"ring": "70mi@event:a\x00b"}])
def test_a_nul_character_in_the_address_stops_no_page(query: dict) -> None:
    """The engine's query text cannot hold one: such a word matches nothing, such an id names no event."""
    at = open_page("pages/events.py", **query)
    assert not at.error, [item.value for item in at.error]
    assert at.title[0].value == "Events" and at.main.caption[0].value.startswith(("0 of 20 events", "All 20 events"))
