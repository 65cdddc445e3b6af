"""The Playback page: the window's options, the player (first, back, play or pause, forward, last, speed), the
frame (a map, the timeline with the window marked, the counts) and the GIF and MP4 downloads.

The window, the trail and the frame are in the address (``window=month&frame=2024-06-01``), so a colleague opens
the same frame; playing is not (a link opens paused). While playing, only the frame's part of the page reruns,
once per tick.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.app import sidebar
from dashboard.app.sidebar import View
from dashboard.app.ui import MIME, PLOTLY_CONFIG, export_context
from dashboard.exports.datafiles import file_name
from dashboard.views import figures, playback

# Address parameters (the widget keys); PLAYING and SHOWN are session-only.
WINDOW, DAYS, TRAIL, FRAME, SPEED, FPS = "window", "days", "trail", "frame", "speed", "fps"
PLAYING = "_playback_playing"
# The frame the page last drew. While playing, the player owns the frame, not the slider: a click that crosses a
# tick in flight carries the slider's value from before that tick, which would move the frame back.
SHOWN = "_playback_shown"


def playback_options() -> playback.PlaybackOptions:
    row = st.container(horizontal=True)
    with row:
        window = st.segmented_control(
            "Window", playback.WINDOW_CHOICES, default="month", key=WINDOW, bind="query-params"
        )
        days = st.number_input(
            "Days",
            min_value=1,
            max_value=playback.MAX_CUSTOM_DAYS,
            value=10,
            step=1,
            key=DAYS,
            bind="query-params",
            disabled=window != "custom",
            help="The length of a custom window.",
        )
        trail = st.number_input(
            "Trail (windows)",
            min_value=0,
            max_value=playback.MAX_TRAIL,
            value=2,
            step=1,
            key=TRAIL,
            bind="query-params",
            help="Earlier windows still drawn, fading.",
        )
    chosen = f"{int(days)}d" if window == "custom" else (window or "month")
    return playback.PlaybackOptions(chosen, int(trail))


def _move(frames: playback.Frames, to: int) -> None:  # a widget callback
    _show(frames, max(0, min(to, len(frames) - 1)))


def _step(frames: playback.Frames, by: int) -> None:  # a widget callback
    """One window on or back from the frame shown now (read when clicked: while playing, the frame moves on in
    runs of its own part of the page, which do not redraw these buttons)."""
    _move(frames, _position(frames) + by)


def _iso(frames: playback.Frames, index: int) -> str:
    return f"{frames.starts[index]:%Y-%m-%d}"


def _position(frames: playback.Frames) -> int:
    """The frame shown: while playing the one last drawn; else the slider's, else the address's (before the slider
    exists on this run), else the first."""
    wanted = (st.session_state.get(PLAYING) and st.session_state.get(SHOWN)) or (
        st.session_state.get(FRAME) or st.query_params.get(FRAME)
    )
    try:
        return frames.index_of(wanted) if wanted else 0
    except ValueError:  # not a date: the sidebar took it out of the address, and named it
        return 0


def _set_playing(playing: bool, frames: playback.Frames) -> None:  # a widget callback
    position = _position(frames)
    st.session_state[PLAYING] = playing
    if playing and position >= len(frames) - 1:  # play again from the start
        position = 0
    _show(frames, position)


def _show(frames: playback.Frames, index: int) -> None:
    """Make frame ``index`` the one drawn, in the slider (and so the address) as well."""
    shown = st.session_state[SHOWN] = _iso(frames, index)
    if st.session_state.get(FRAME) != shown:
        st.session_state[FRAME] = shown


def show_playback(view: View) -> None:
    options = playback_options()
    try:
        frames = playback.frames_of(view.selection, options)
    except playback.WindowError as error:
        st.warning(str(error))
        return
    if frames is None:
        st.info("None of these events has both a place and a date: there is nothing to play.")
        return
    sidebar.name_ignored(view, frames.frame_notes(sidebar.address_value(FRAME)))
    # From the address, a day inside a window, another window length, or a stale slider while playing:
    _show(frames, _position(frames))
    playing = bool(st.session_state.get(PLAYING))
    player = st.container(horizontal=True, vertical_alignment="bottom")
    with player:
        st.button("First", icon=":material/first_page:", key="first_frame", on_click=_move, args=(frames, 0))
        st.button("Back", icon=":material/chevron_left:", key="previous_frame", on_click=_step, args=(frames, -1))
        if playing:
            st.button(
                "Pause",
                icon=":material/pause:",
                key="pause",
                on_click=_set_playing,
                args=(False, frames),
                type="primary",
            )
        else:
            st.button(
                "Play",
                icon=":material/play_arrow:",
                key="play",
                on_click=_set_playing,
                args=(True, frames),
                type="primary",
            )
        st.button("Forward", icon=":material/chevron_right:", key="next_frame", on_click=_step, args=(frames, 1))
        st.button("Last", icon=":material/last_page:", key="last_frame", on_click=_move, args=(frames, len(frames) - 1))
        speed = st.segmented_control("Speed", list(playback.SPEEDS), default="normal", key=SPEED, bind="query-params")
    seconds = playback.SPEEDS.get(speed or "normal", 1.0)

    @st.fragment(run_every=seconds if playing else None)
    def frame_view() -> None:
        if st.session_state.get(PLAYING):
            position = _position(frames)
            if position >= len(frames) - 1:
                st.session_state[PLAYING] = False
                st.rerun()  # the whole page: the player shows Play again and the timer stops
            _show(frames, position + 1)
        _show_frame(view, frames)

    frame_view()
    _downloads(view, frames)


def _show_frame(view: View, frames: playback.Frames) -> None:
    st.select_slider(
        "Window",
        [_iso(frames, index) for index in range(len(frames))],
        key=FRAME,
        bind="query-params",
        label_visibility="collapsed",
        disabled=bool(st.session_state.get(PLAYING)),  # the player owns the frame while playing
    )
    index = _position(frames)
    within, so_far = frames.counts(index)
    registries = view.selection.registries
    types = frames.type_counts(index)
    breakdown = " · ".join(f"{registries.event_type_label(kind)} {count:,}" for kind, count in types.items())
    st.markdown(
        f"**{frames.label(index)}** · window {index + 1} of {len(frames)} · **{within:,}** events in this window"
        f" · {so_far:,} so far" + (f" · {breakdown}" if breakdown else "")
    )
    st.pydeck_chart(
        playback.playback_deck(frames, index, view.selection, view.online_tiles), key="playback_map", height=520
    )
    st.caption(
        "The window's events in full colour; earlier windows of the trail fade. Larger circles hold more events"
        f" (events within {frames.cell_degrees:g}° of each other are drawn together)."
    )
    st.plotly_chart(_marked_counts(view, frames, index), key="playback_counts", config=PLOTLY_CONFIG)


def _marked_counts(view: View, frames: playback.Frames, index: int) -> go.Figure:
    per = "week" if frames.options.window == "week" or frames.options.window.endswith("d") else "month"
    figure = go.Figure(
        view.selection.remember(("counts figure", per), lambda: figures.counts_figure(view.selection, per))
    )
    figure.add_vrect(
        x0=frames.starts[index],
        x1=frames.ends[index] + pd.Timedelta(days=1),
        fillcolor="rgba(230,159,0,0.25)",
        line_width=1,
        line_color="#e69f00",
    )
    return figure


def _downloads(view: View, frames: playback.Frames) -> None:
    from dashboard.exports import animation

    with st.expander("Download the playback (GIF or MP4)"):
        fps = st.number_input(
            "Frames a second",
            min_value=playback.MIN_FPS,
            max_value=float(playback.MAX_FPS),
            value=float(playback.DEFAULT_FPS),
            step=0.5,
            key=FPS,
            bind="query-params",
        )
        st.caption(f"{len(frames)} frames, {len(frames) / fps:,.1f} s. Drawn here, offline; larger files take a while.")
        row = st.container(horizontal=True)
        context = export_context(view)
        extent = playback.playback_extent(view.selection)
        for fmt in animation.ANIMATION_FORMATS:
            row.download_button(
                fmt.upper(),
                data=lambda fmt=fmt: animation.animation_file(
                    fmt, frames, view.selection.registries, extent, context, fps
                ),
                file_name=file_name(f"playback_{frames.options.window}", view.selection.date_bounds, view.filters, fmt),
                mime=MIME.get(fmt, "application/octet-stream"),
                key=f"download_playback_{fmt}",
                on_click="ignore",
            )
