"""Plotly figures: the timeline (one lane per actor or per type) and counts per week or month by type.

Every mark that stands for an event carries the event id as ``customdata[0]``, so a click selects it.
Dates known only to the week or month are drawn as spans from start to ``date_span_end``, not as points.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.model.registries import Registries
from dashboard.store.selection import Selection
from dashboard.views.text import escape_plotly

LANES = {"actor": "Actor", "type": "Event type"}
FREQUENCIES = {"week": "Events per week", "month": "Events per month"}
ROLE_SYMBOLS = {"initiator": "circle", "counterpart": "circle-open", "associated": "diamond-open"}
DAY_MS = 86_400_000
POINT_LIMIT = 3_000  # beyond this many events the timeline shows weekly counts per lane instead of events


def is_aggregated(selection: Selection) -> bool:
    """Whether the timeline shows weekly counts instead of single events."""
    return selection.count > POINT_LIMIT


def _lane_rows(events: pd.DataFrame, registries: Registries, lanes: str) -> pd.DataFrame:
    """One row per (event, lane): per actor, an event sits in the lane of every actor involved."""
    base = events[["id", "event_type", "date_start", "date_span_end", "date_precision", "date_phrase", "title"]].copy()
    base["confidence"] = events["confidence"].astype(str)
    if lanes == "type":
        base["lane"] = events["event_type"].astype(object).map(registries.type_labels)
        base["role"] = "initiator"
        return base
    parts = []
    for role, column in (("initiator", "initiator"), ("counterpart", "counterpart")):
        part = base.copy()
        part["actor"] = events[column].astype(object)
        part["role"] = role
        parts.append(part)
    associated = base.join(events["associated_actors"].explode().rename("actor"))
    associated["role"] = "associated"
    parts.append(associated)
    rows = pd.concat(parts, ignore_index=True).dropna(subset=["actor"])
    rows = rows.drop_duplicates(subset=["id", "actor"], keep="first")
    rows["lane"] = rows["actor"].map(registries.actor_names).fillna(rows["actor"])
    return rows


def _hover(rows: pd.DataFrame) -> pd.Series:
    phrase = rows["date_phrase"].fillna("").map(lambda text: f"<br>Source: “{escape_plotly(text)}”" if text else "")
    dates = rows["date_start"].dt.strftime("%Y-%m-%d")
    spans = rows["date_span_end"] > rows["date_start"]
    dates = dates.where(~spans, dates + " to " + rows["date_span_end"].dt.strftime("%Y-%m-%d"))
    return (
        "<b>"
        + rows["title"].map(escape_plotly)
        + "</b><br>"
        + dates
        + " ("
        + rows["date_precision"].astype(str)
        + " precision)"
        + phrase
        + "<br>Confidence: "
        + rows["confidence"]
        + "<br>Role: "
        + rows["role"]
    )


def timeline_figure(selection: Selection, lanes: str = "actor") -> go.Figure:
    """The selected events on a time axis, one lane per actor (or type): single events when there are at most
    `POINT_LIMIT`, else weekly counts per lane and type (computed by the engine)."""
    if is_aggregated(selection):
        return weekly_counts_figure(selection.lane_counts(lanes), selection.registries)
    return events_timeline_figure(selection.rows(), selection.registries, lanes)


DODGE_STEP = 0.2  # lane heights between two events of one lane on the same day, side by side
DODGE_SPREAD = 0.42  # the most a mark moves off its lane's line, up or down


def lane_positions(lane_order: list[str]) -> dict[str, float]:
    """Each lane's place on the y axis: the first lane on top."""
    return {lane: float(len(lane_order) - 1 - number) for number, lane in enumerate(lane_order)}


def _dodged(rows: pd.DataFrame, positions: dict[str, float]) -> pd.Series:
    """Each mark's y: its lane, moved up or down when other events of the lane fall on the same day, so that
    none hides another (steps shrink when many share a day, to stay within the lane)."""
    day = rows["date_start"].dt.floor("D")
    group = rows.groupby([rows["lane"], day], sort=False)
    order, size = group.cumcount(), group["id"].transform("size")
    step = (2 * DODGE_SPREAD / (size - 1).clip(lower=1)).clip(upper=DODGE_STEP)
    return rows["lane"].map(positions) + (order - (size - 1) / 2) * step


def events_timeline_figure(events: pd.DataFrame, registries: Registries, lanes: str = "actor") -> go.Figure:
    """Events on a time axis, one lane per actor (or type), coloured by type; spans for imprecise dates; events
    of one lane on the same day side by side."""
    rows = _lane_rows(events, registries, lanes)
    rows["hover"] = _hover(rows)
    lane_order = rows["lane"].value_counts().index.tolist()
    positions = lane_positions(lane_order)
    rows["y"] = _dodged(rows, positions)
    figure = go.Figure()
    for event_type in registries.event_types.index:
        of_type = rows[rows["event_type"] == event_type]
        if of_type.empty:
            continue
        colour = registries.event_type_colour(event_type)
        label = registries.event_type_label(event_type)
        spans = of_type[of_type["date_span_end"] > of_type["date_start"]]
        if not spans.empty:
            figure.add_trace(
                go.Bar(
                    x=(spans["date_span_end"] - spans["date_start"] + pd.Timedelta(days=1)).dt.total_seconds() * 1000,
                    base=spans["date_start"],
                    y=spans["y"],
                    orientation="h",
                    width=0.35,
                    marker={"color": colour, "opacity": 0.45, "line": {"color": colour, "width": 1}},
                    customdata=spans[["id"]].to_numpy(),
                    hovertext=spans["hover"],
                    hoverinfo="text",
                    name=f"{label} (span)",
                    legendgroup=event_type,
                    showlegend=False,
                )
            )
        figure.add_trace(
            go.Scatter(
                x=of_type["date_start"],
                y=of_type["y"],
                mode="markers",
                marker={
                    "color": colour,
                    "size": 11,
                    "symbol": of_type["role"].map(ROLE_SYMBOLS).tolist(),
                    "line": {"color": colour, "width": 2},
                },
                customdata=of_type[["id"]].to_numpy(),
                hovertext=of_type["hover"],
                hoverinfo="text",
                name=label,
                legendgroup=event_type,
            )
        )
    _layout(figure, lane_order, rows["date_start"], rows["date_span_end"])
    figure.update_yaxes(  # lanes on a numeric axis (marks can sit between lines), labelled by name
        type="linear",
        tickmode="array",
        tickvals=list(positions.values()),
        ticktext=list(positions),
        range=[-0.6, len(lane_order) - 0.4],
        showgrid=True,
        zeroline=False,
    )
    return figure


def highlighted(figure: go.Figure, event_id: str | None) -> go.Figure:
    """A copy of the timeline with the event's marks ringed (in every lane it sits in); ``figure`` itself when
    the event is not drawn (filtered out, or the timeline shows weekly counts)."""
    if event_id is None:
        return figure
    found = [
        (x, y)
        for trace in figure.data
        if trace.type == "scatter" and trace.customdata is not None
        for row, x, y in zip(trace.customdata, trace.x, trace.y, strict=True)
        if row[0] == event_id
    ]
    if not found:
        return figure
    marked = go.Figure(figure)
    marked.add_trace(
        go.Scatter(
            x=[x for x, _ in found],
            y=[y for _, y in found],
            mode="markers",
            marker={"size": 24, "color": "rgba(0,0,0,0)", "line": {"color": "#111111", "width": 3}},
            customdata=[[event_id]] * len(found),
            hoverinfo="skip",
            name="Selected event",
        )
    )
    return marked


DENSITY_COLOURS = [[0.0, "#deebf7"], [0.5, "#4292c6"], [1.0, "#08306b"]]  # light to dark blue: few to many
HOVER_TYPES = 3  # event types named in a cell's hover label, the most frequent first


def weekly_counts_figure(counts: pd.DataFrame, registries: Registries) -> go.Figure:
    """Many events: one cell per lane and week, darker the more events it holds, the main types in its hover
    label (``counts`` has columns ``week``, ``lane``, ``event_type``, ``events``, as
    `dashboard.store.queries.lane_counts` gives). Weeks without events stay blank."""
    figure = go.Figure()
    if counts.empty:
        return _layout(figure, [], counts["week"], counts["week"])
    totals = counts.groupby(["lane", "week"])["events"].sum()
    lane_order = totals.groupby(level="lane").sum().sort_values(ascending=False, kind="stable").index.tolist()
    weeks = pd.date_range(counts["week"].min(), counts["week"].max(), freq="7D")
    lanes = lane_order[::-1]  # the first lane on top
    grid = totals.unstack("week").reindex(index=lanes, columns=weeks)
    ranked = counts.sort_values(["events", "event_type"], ascending=[False, True], kind="stable")
    main_types = ranked.groupby(["lane", "week"]).head(HOVER_TYPES).groupby(["lane", "week"])
    described = main_types.apply(
        lambda group: " · ".join(
            f"{escape_plotly(registries.event_type_label(str(kind)))} {int(events):,}"
            for kind, events in zip(group["event_type"], group["events"], strict=True)
        ),
        include_groups=False,
    )
    hover = [
        [
            ""
            if pd.isna(grid.at[lane, week])
            else f"<b>{escape_plotly(str(lane))}</b>, week of {week:%Y-%m-%d}: {int(grid.at[lane, week]):,} events"
            f"<br>{described.get((lane, week), '')}"
            for week in weeks
        ]
        for lane in lanes
    ]
    figure.add_trace(
        go.Heatmap(
            x=weeks,
            y=lanes,
            z=grid.to_numpy(dtype=float),
            colorscale=DENSITY_COLOURS,
            zmin=0,
            xgap=0,
            ygap=6,
            text=hover,
            hoverinfo="text",
            colorbar={"title": {"text": "events<br>per week", "side": "top"}, "thickness": 12, "len": 0.8},
            name="events per week",
        )
    )
    return _layout(figure, lane_order, counts["week"], counts["week"] + pd.Timedelta(days=6))


def padded_range(start: pd.Series, end: pd.Series) -> list[pd.Timestamp] | None:
    """An x range around the dates with some room: a single day would otherwise span milliseconds."""
    if start.empty:
        return None
    low, high = start.min(), max(end.max(), start.max())
    pad = max((high - low) * 0.04, pd.Timedelta(days=10))
    return [low - pad, high + pad + pd.Timedelta(days=1)]


def _layout(figure: go.Figure, lane_order: list[str], start: pd.Series, end: pd.Series) -> go.Figure:
    """Lanes top to bottom in ``lane_order``; the x range covers ``start`` to ``end``."""
    figure.update_layout(
        barmode="overlay",
        height=max(300, 160 + 40 * len(lane_order)),
        margin={"l": 10, "r": 10, "t": 36, "b": 10},
        legend={"orientation": "h", "y": -0.32, "yanchor": "top", "x": 0, "title": None},
        hovermode="closest",
        clickmode="event+select",
        dragmode="zoom",
        xaxis={
            "type": "date",
            "range": padded_range(start, end),
            "rangeslider": {"visible": True, "thickness": 0.08},
            "rangeselector": {
                "buttons": [
                    {"count": 1, "label": "1m", "step": "month", "stepmode": "backward"},
                    {"count": 3, "label": "3m", "step": "month", "stepmode": "backward"},
                    {"count": 1, "label": "1y", "step": "year", "stepmode": "backward"},
                    {"step": "all", "label": "all"},
                ],
                "x": 0,  # left: the chart's mode bar sits at the top right and would cover them
                "xanchor": "left",
                "y": 1.01,
                "yanchor": "bottom",
            },
        },
        yaxis={
            "title": None,
            "automargin": True,  # whole lane labels, however long the actor's name
            "categoryorder": "array",
            "categoryarray": lane_order[::-1],
            "fixedrange": True,
        },
    )
    return figure


def counts_figure(selection: Selection, frequency: str = "month") -> go.Figure:
    """Stacked bars: number of events per week (or month) by type, counted at their start date."""
    registries = selection.registries
    title = FREQUENCIES[frequency]
    counts = selection.period_counts(frequency)
    periods = counts["period"]
    figure = go.Figure()
    for event_type in registries.event_types.index:
        of_type = counts[counts["type"] == event_type]
        if of_type.empty:
            continue
        figure.add_trace(
            go.Bar(
                x=of_type["period"],
                y=of_type["events"],
                name=registries.event_type_label(event_type),
                marker_color=registries.event_type_colour(event_type),
                width=(6 if frequency == "week" else 27) * DAY_MS,  # a bar covers its period
                offset=0,
                hovertemplate="%{x|%Y-%m-%d}: %{y} events<extra>%{fullData.name}</extra>",
            )
        )
    figure.update_layout(
        barmode="stack",
        title={"text": title, "x": 0, "font": {"size": 14}},
        height=260,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "y": -0.25, "title": None},
        xaxis={"type": "date", "range": padded_range(periods, periods + pd.Timedelta(days=27))},
        yaxis={"title": "events", "rangemode": "tozero", "dtick": 1 if selection.count < 50 else None},
    )
    return figure
