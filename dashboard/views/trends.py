"""Change against a baseline: each actor's, event type's or country's events (or fatalities) in the latest period
against the average of the periods before it, with ACLED Trendfinder's change levels as the default rule.

Trendfinder compares the latest week with the average of the previous 4 (or 52) weeks: above +25% is a large
increase, +10% to +25% a moderate increase, -25% to +10% limited change, below -25% a large decrease; and a
category averaging two events or fewer in the baseline with five or fewer in the latest period is "limited
change", so 1 → 3 events is not "+200%". The same rule applies here to any period length and baseline,
counting the baseline's empty periods as zeros.

>>> level_of(3, 1.0)
('Limited change', True)
>>> level_of(12, 8.0)
('Large increase', False)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from dashboard.model.registries import Registries
from dashboard.store.queries import TREND_DIMENSIONS
from dashboard.store.selection import Selection
from dashboard.views.text import escape_plotly

PERIOD_NAMES = {"week": "week", "month": "month", "quarter": "quarter"}
MEASURES = ("events", "fatalities")
MAX_BASELINE = 104  # periods: two years of weeks
DIMENSION_NAMES = {"actor": "Actor", "type": "Event type", "country": "Country"}
assert tuple(DIMENSION_NAMES) == TREND_DIMENSIONS, "every dimension the engine counts has a name"

# The change levels and their thresholds in percent (ACLED Trendfinder's), and the low-baseline rule.
LARGE_INCREASE, MODERATE_INCREASE, LIMITED, LARGE_DECREASE = (
    "Large increase",
    "Moderate increase",
    "Limited change",
    "Large decrease",
)
LEVELS = (LARGE_INCREASE, MODERATE_INCREASE, LIMITED, LARGE_DECREASE)
LARGE_INCREASE_ABOVE, MODERATE_INCREASE_ABOVE, LARGE_DECREASE_BELOW = 25.0, 10.0, -25.0
LOW_BASELINE_AVERAGE, LOW_LATEST = 2.0, 5.0
# Colour-blind-safe (Okabe–Ito): Trendfinder's red, orange and grey; blue for decreases (its yellow cannot be read
# on white).
LEVEL_COLOURS = {
    LARGE_INCREASE: "#d55e00",
    MODERATE_INCREASE: "#e69f00",
    LIMITED: "#999999",
    LARGE_DECREASE: "#0072b2",
}
RULE_TEXT = (
    f"Change levels (ACLED Trendfinder's thresholds): above +{LARGE_INCREASE_ABOVE:g}% a large increase; "
    f"+{MODERATE_INCREASE_ABOVE:g}% to +{LARGE_INCREASE_ABOVE:g}% moderate; {LARGE_DECREASE_BELOW:g}% to "
    f"+{MODERATE_INCREASE_ABOVE:g}% limited change; below {LARGE_DECREASE_BELOW:g}% a large decrease. "
    f"Low baseline: an average of {LOW_BASELINE_AVERAGE:g} or fewer in the baseline and {LOW_LATEST:g} or fewer in "
    "the latest period is limited change, whatever the percentage. The baseline average counts its empty "
    "periods as zero."
)


@dataclass(frozen=True)
class TrendOptions:
    by: str = "actor"  # actor, type or country (see TREND_DIMENSIONS)
    per: str = "month"  # week, month or quarter
    baseline: int = 12  # periods before the latest one
    measure: str = "events"  # events or fatalities (sum of best estimates)
    latest: date | None = None  # a day in the latest period; None: the period of the last event


@dataclass
class Trends:
    """The change of every category, the biggest first, and what it compares."""

    table: pd.DataFrame  # category, name, latest, baseline_average, change, change_percent, level, low_baseline
    series: pd.DataFrame  # period, category, value: the baseline and latest periods, zeros filled in
    options: TrendOptions
    latest_start: pd.Timestamp | None = None
    baseline_start: pd.Timestamp | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.table.empty

    def period_label(self, start: pd.Timestamp) -> str:
        return period_label(start, self.options.per)

    @property
    def compared(self) -> str:
        """``"2024-10 against the average of 2023-10 to 2024-09 (12 months)"``."""
        if self.latest_start is None or self.baseline_start is None:
            return "no events to compare"
        last_baseline = shift(self.latest_start, self.options.per, -1)
        count = self.options.baseline
        return (
            f"{self.period_label(self.latest_start)} against the average of "
            f"{self.period_label(self.baseline_start)} to {self.period_label(last_baseline)} "
            f"({count} {PERIOD_NAMES[self.options.per]}{'s' if count != 1 else ''})"
        )


def period_start(day: date | pd.Timestamp, per: str) -> pd.Timestamp:
    """The first day of the week (Monday), month or quarter holding ``day``, as the engine truncates."""
    stamp = pd.Timestamp(day).normalize()
    if per == "week":
        return stamp - pd.Timedelta(days=stamp.weekday())
    if per == "month":
        return stamp.replace(day=1)
    return stamp.replace(day=1, month=(stamp.month - 1) // 3 * 3 + 1)


def shift(start: pd.Timestamp, per: str, periods: int) -> pd.Timestamp:
    """The start of the period ``periods`` away from the one starting at ``start``."""
    if per == "week":
        return start + pd.Timedelta(weeks=periods)
    return start + pd.DateOffset(months=periods * (1 if per == "month" else 3))


def period_label(start: pd.Timestamp, per: str) -> str:
    if per == "week":
        return f"week of {start:%Y-%m-%d}"
    if per == "month":
        return f"{start:%Y-%m}"
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def level_of(latest: float, baseline_average: float) -> tuple[str, bool]:
    """The change level of ``latest`` against ``baseline_average``, and whether the low-baseline rule set it."""
    if baseline_average <= LOW_BASELINE_AVERAGE and latest <= LOW_LATEST:
        return LIMITED, True
    if baseline_average == 0:
        return LARGE_INCREASE, False
    percent = (latest - baseline_average) / baseline_average * 100
    if percent > LARGE_INCREASE_ABOVE:
        return LARGE_INCREASE, False
    if percent > MODERATE_INCREASE_ABOVE:
        return MODERATE_INCREASE, False
    if percent >= LARGE_DECREASE_BELOW:
        return LIMITED, False
    return LARGE_DECREASE, False


def category_name(category: str, by: str, registries: Registries) -> str:
    if by == "actor":
        return registries.actor_name(category)
    if by == "type":
        return registries.event_type_label(category)
    return registries.country_name(category)


def compute_trends(
    counts: pd.DataFrame,
    options: TrendOptions,
    registries: Registries,
    first_day: pd.Timestamp | None,
    last_day: pd.Timestamp | None,
) -> Trends:
    """The trends of ``counts`` (columns ``period``, ``category``, ``events``, ``fatalities`` as
    `dashboard.store.queries.trend_counts` gives, periods of ``options.per``). ``first_day`` and ``last_day``
    are the first event's start date and the data's last (whatever the filters); the last sets the latest
    period unless ``options.latest`` does."""
    columns = ["category", "name", "latest", "baseline_average", "change", "change_percent", "level", "low_baseline"]
    empty = Trends(pd.DataFrame(columns=columns), pd.DataFrame(columns=["period", "category", "value"]), options)
    if counts.empty or first_day is None or last_day is None:
        return empty
    latest_start = period_start(options.latest or last_day, options.per)
    baseline_start = shift(latest_start, options.per, -options.baseline)
    periods = [shift(baseline_start, options.per, step) for step in range(options.baseline + 1)]
    window = counts[(counts["period"] >= baseline_start) & (counts["period"] <= latest_start)]
    values = window.pivot_table(index="period", columns="category", values=options.measure, aggfunc="sum")
    values = values.reindex(pd.DatetimeIndex(periods, name="period"), fill_value=0).fillna(0.0)
    notes = _notes(options, latest_start, baseline_start, first_day, last_day)
    if values.columns.empty:
        return Trends(empty.table, empty.series, options, latest_start, baseline_start, notes)
    latest = values.iloc[-1]
    average = values.iloc[:-1].mean()
    rows = pd.DataFrame(
        {"category": values.columns.astype(str), "latest": latest.to_numpy(), "baseline_average": average.to_numpy()}
    )
    rows["name"] = [category_name(category, options.by, registries) for category in rows["category"]]
    rows["change"] = rows["latest"] - rows["baseline_average"]
    rows["change_percent"] = (
        rows["change"] / rows["baseline_average"].where(rows["baseline_average"] > 0) * 100
    ).round(1)
    levels = [
        level_of(float(now), float(before))
        for now, before in zip(rows["latest"], rows["baseline_average"], strict=True)
    ]
    rows["level"] = [level for level, _ in levels]
    rows["low_baseline"] = [low for _, low in levels]
    rows = rows.sort_values(["change", "category"], key=_by_size, ascending=[False, True], kind="stable")
    series = values.stack().rename("value").reset_index()
    series.columns = ["period", "category", "value"]
    return Trends(rows[columns].reset_index(drop=True), series, options, latest_start, baseline_start, notes)


def _by_size(column: pd.Series) -> pd.Series:
    return column.abs() if column.name == "change" else column


def _notes(
    options: TrendOptions,
    latest_start: pd.Timestamp,
    baseline_start: pd.Timestamp,
    first_day: pd.Timestamp,
    last_day: pd.Timestamp,
) -> list[str]:
    """What the analyst should know before reading the numbers: a baseline reaching back before the first
    event, a latest period that runs past the last event."""
    notes = []
    first = period_start(first_day, options.per)
    if first > baseline_start:
        notes.append(
            f"The baseline starts in {period_label(baseline_start, options.per)}, before the first event of these "
            f"filters ({period_label(first, options.per)}): its empty periods count as zero."
        )
    latest_end = shift(latest_start, options.per, 1) - pd.Timedelta(days=1)
    if options.latest is None and pd.Timestamp(last_day) < latest_end:
        notes.append(
            f"The latest period, {period_label(latest_start, options.per)}, runs to {latest_end:%Y-%m-%d}; the "
            f"data's last event is on {pd.Timestamp(last_day):%Y-%m-%d}. If collection stopped there, the period "
            "is not complete and its count is low."
        )
    return notes


def trends_of(selection: Selection, options: TrendOptions, data_until: pd.Timestamp | None) -> Trends:
    """The trends of the events of ``selection`` (one engine aggregate, remembered per options).
    ``data_until`` is the last start date of all the loaded events, whatever the filters: unless
    ``options.latest`` says otherwise, its period is the latest, so an actor that went quiet shows a decrease
    rather than its last active period."""
    bounds = selection.date_bounds
    if bounds is None or data_until is None:
        return compute_trends(pd.DataFrame(), options, selection.registries, None, None)
    latest_start = period_start(options.latest or data_until, options.per)
    since = shift(latest_start, options.per, -options.baseline).date()
    counts = selection.trend_counts(options.by, options.per, since)
    counts = counts[counts["period"] <= latest_start]
    return compute_trends(counts, options, selection.registries, bounds[0], data_until)


def table_for_display(trends: Trends) -> pd.DataFrame:
    """The table as the page and the exports show it: plain columns named for people."""
    unit = trends.options.measure
    table = trends.table
    return pd.DataFrame(
        {
            DIMENSION_NAMES[trends.options.by]: table["name"],
            f"{unit} latest": table["latest"].astype(float).round(1),
            f"{unit} baseline average": table["baseline_average"].astype(float).round(2),
            "change": table["change"].astype(float).round(2),
            "change %": table["change_percent"],
            "level": table["level"] + table["low_baseline"].map({True: " (low baseline)", False: ""}),
        }
    )


def _shown_series(trends: Trends, category: str | None) -> pd.Series:
    """The values per period of ``category``, or of every category summed when it is None or not compared."""
    series = trends.series
    if category is not None and category in set(trends.table["category"]):
        return series[series["category"] == category].set_index("period")["value"]
    return series.groupby("period")["value"].sum()


def trend_title(trends: Trends, category: str | None) -> str:
    """``"Russia: events, 2024-10 against the average of 2023-10 to 2024-09 (12 months)"`` (plain text)."""
    options = trends.options
    names = dict(zip(trends.table["category"], trends.table["name"], strict=True))
    if category in names:
        name = str(names[category])
    elif options.by == "actor":
        name = "All actors (an event counts once for each actor)"
    else:
        name = "All event types" if options.by == "type" else "All countries"
    return f"{name}: {options.measure}, {trends.compared}"


def trend_figure(trends: Trends, category: str | None) -> go.Figure:
    """The series of one category (or of all of them, summed) over the baseline and the latest period: the
    baseline average as a line, the limited-change band around it, the latest period coloured by its level."""
    options = trends.options
    figure = go.Figure()
    if trends.empty or trends.latest_start is None:
        figure.update_layout(height=320, annotations=[{"text": "No events to compare", "showarrow": False}])
        return figure
    shown = _shown_series(trends, category)
    level, _ = level_of(float(shown.iloc[-1]), float(shown.iloc[:-1].mean()))
    baseline = shown.iloc[:-1]
    average = float(baseline.mean())
    half = pd.Timedelta(days=3 if options.per == "week" else 14 if options.per == "month" else 45)
    low, high = baseline.index.min() - half, baseline.index.max() + half
    figure.add_shape(
        type="rect", x0=low, x1=high, y0=0, y1=1, yref="paper", fillcolor="rgba(127,127,127,0.12)", line_width=0
    )
    band_low = average * (1 + LARGE_DECREASE_BELOW / 100)
    band_high = average * (1 + MODERATE_INCREASE_ABOVE / 100)
    end = shown.index.max() + half
    figure.add_trace(
        go.Scatter(
            x=[low, end, end, low, low],
            y=[band_low, band_low, band_high, band_high, band_low],
            mode="lines",
            fill="toself",
            fillcolor="rgba(153,153,153,0.25)",
            line={"width": 0},
            hoverinfo="skip",
            name=f"limited change ({LARGE_DECREASE_BELOW:g}% to +{MODERATE_INCREASE_ABOVE:g}%)",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[low, end],
            y=[average, average],
            mode="lines",
            line={"color": "#888888", "dash": "dash", "width": 2},  # grey: legible on light and dark
            name=f"baseline average {average:,.2f}",
            hoverinfo="skip",
        )
    )
    figure.add_trace(
        go.Bar(
            x=baseline.index,
            y=baseline.to_numpy(),
            marker_color="#9ab",
            name=f"{options.measure} per {PERIOD_NAMES[options.per]} (baseline)",
            hovertemplate="%{x|%Y-%m-%d}: %{y:,.0f}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Bar(
            x=[shown.index[-1]],
            y=[float(shown.iloc[-1])],
            marker_color=LEVEL_COLOURS[level],
            name=f"latest: {level.lower()}",
            hovertemplate="%{x|%Y-%m-%d}: %{y:,.0f}<extra>latest</extra>",
        )
    )
    figure.update_layout(
        title={"text": escape_plotly(trend_title(trends, category)), "x": 0},
        height=360,
        bargap=0.25,
        margin={"l": 10, "r": 10, "t": 48, "b": 10},
        legend={"orientation": "h", "y": -0.18, "yanchor": "top", "x": 0, "title": None},
        xaxis={"type": "date", "range": [low - half, end + half]},
        yaxis={"title": options.measure, "rangemode": "tozero", "automargin": True},
    )
    return figure
