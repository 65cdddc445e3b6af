"""The Playback page, run as Streamlit runs it: the frame from the address, the player's buttons, the options."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest
from test_trends_page import open_page

from dashboard.app import playback_controls

PAGE = "pages/playback.py"


def frame_line(at: AppTest) -> str:
    return next(item.value for item in at.main.markdown if " events in this window" in item.value)


def test_the_address_opens_a_frame() -> None:
    at = open_page(PAGE, frame="2024-06-01")
    assert not at.error
    assert frame_line(at).startswith("**2024-06-01 – 2024-06-30** · window 10 of 14 · **2** events in this window")
    assert len(at.get("deck_gl_json_chart")) == 1


def test_a_day_inside_a_window_opens_that_window_and_a_bad_one_the_first() -> None:
    assert frame_line(open_page(PAGE, frame="2024-06-17")).startswith("**2024-06-01 – 2024-06-30**")
    at = open_page(PAGE, frame="not-a-date")
    assert frame_line(at).startswith("**2023-09-01 – 2023-09-30**")
    assert not at.exception


def test_the_player_steps_and_jumps() -> None:
    at = open_page(PAGE, frame="2024-06-01")
    at.button(key="next_frame").click().run()
    assert frame_line(at).startswith("**2024-07-01 – 2024-07-31**")
    at.button(key="previous_frame").click().run()
    at.button(key="previous_frame").click().run()
    assert frame_line(at).startswith("**2024-05-01 – 2024-05-31**")
    at.button(key="last_frame").click().run()
    assert frame_line(at).startswith("**2024-10-01 – 2024-10-31** · window 14 of 14")
    at.button(key="next_frame").click().run()  # the last frame stays the last
    assert "window 14 of 14" in frame_line(at)
    at.button(key="first_frame").click().run()
    assert "window 1 of 14" in frame_line(at)


def test_play_starts_and_pause_stops() -> None:
    at = open_page(PAGE, frame="2024-06-01")
    at.button(key="play").click().run()
    assert at.session_state[playback_controls.PLAYING]
    assert frame_line(at).startswith("**2024-07-01")  # the first tick moves on at once
    at.button(key="pause").click().run()
    assert not at.session_state[playback_controls.PLAYING]
    assert frame_line(at).startswith("**2024-07-01")


def test_window_options_come_from_the_address() -> None:
    assert "window 1 of 58" in frame_line(open_page(PAGE, window="week"))
    at = open_page(PAGE, window="custom", days="30")
    assert frame_line(at).startswith("**2023-09-07 – 2023-10-06**")


def test_the_sidebar_filters_apply_and_an_empty_result_is_said() -> None:
    at = open_page(PAGE, actor="Iran")
    assert "Iran" in at.main.caption[0].value
    assert any("No events match" in info.value for info in open_page(PAGE, q="no-such-words-anywhere").info)


def test_pause_keeps_the_frame_drawn_when_the_click_carries_an_older_slider() -> None:
    # A click that crosses a tick in flight arrives with the slider's value from before that tick.
    at = open_page(PAGE, frame="2024-06-01")
    at.button(key="play").click().run()
    assert frame_line(at).startswith("**2024-07-01")
    assert at.select_slider(key=playback_controls.FRAME).disabled  # the player owns the frame while playing
    # The browser sends a disabled widget's value too; AppTest only refuses to set one as a person would.
    at.select_slider(key=playback_controls.FRAME)._value = "2024-06-01"
    at.button(key="pause").click().run()
    assert frame_line(at).startswith("**2024-07-01")
    assert at.select_slider(key=playback_controls.FRAME).value == "2024-07-01"
    assert not at.select_slider(key=playback_controls.FRAME).disabled
    at.select_slider(key=playback_controls.FRAME).set_value("2024-03-01").run()  # paused, the slider moves it
    assert frame_line(at).startswith("**2024-03-01")
