"""The Trends page's controls, table and downloads (every option is in the address)."""

from __future__ import annotations

import streamlit as st

from dashboard.app import sidebar
from dashboard.app.sidebar import View
from dashboard.app.ui import MIME, chart_downloads_row, export_context
from dashboard.exports.datafiles import file_name
from dashboard.model.problems import shorten
from dashboard.model.schema import EARLIEST_DATE, LATEST_DATE
from dashboard.views import trends

# Address parameters (the widget keys).
BY, PER, BASELINE, MEASURE, LATEST, CATEGORY = "trend_by", "trend_per", "baseline", "measure", "latest", "trend"
TABLE = "trend_table"
FILTER_OF = {"actor": sidebar.ACTOR, "type": sidebar.TYPE, "country": sidebar.COUNTRY}


def trend_options() -> trends.TrendOptions:
    """The comparison the analyst chose: by what, per which period, how long a baseline, which measure."""
    default = trends.TrendOptions()
    row = st.container(horizontal=True)
    with row:
        by = st.segmented_control(
            "Compare by",
            list(trends.DIMENSION_NAMES),
            default=default.by,
            key=BY,
            bind="query-params",
        )
        per = st.segmented_control(
            "Period", list(trends.PERIOD_NAMES), default=default.per, key=PER, bind="query-params"
        )
        measure = st.segmented_control(
            "Measure",
            list(trends.MEASURES),
            default=default.measure,
            key=MEASURE,
            bind="query-params",
            help="Fatalities: the sum of the events' best estimates (events without a figure count as 0).",
        )
        baseline = st.number_input(
            "Baseline (periods)",
            min_value=1,
            max_value=trends.MAX_BASELINE,
            value=default.baseline,
            step=1,
            key=BASELINE,
            bind="query-params",
            help="How many periods before the latest one make the baseline (Trendfinder: 4 or 52 weeks).",
        )
        latest = st.date_input(
            "Latest period holds",
            value=None,
            min_value=EARLIEST_DATE,  # as the address is read (else Streamlit's ten years either side of today)
            max_value=LATEST_DATE,
            key=LATEST,
            bind="query-params",
            format="YYYY-MM-DD",
            help="A day in the period to compare; empty: the period of the last event.",
        )
    return trends.TrendOptions(
        by=by or default.by,
        per=per or default.per,
        baseline=int(baseline or default.baseline),
        measure=measure or default.measure,
        latest=latest,
    )


def trend_category(view: View, result: trends.Trends) -> str | None:
    """The category whose series the chart draws: the one chosen, else the biggest change."""
    names = dict(zip(result.table["category"], result.table["name"], strict=True))
    choices = list(names)
    wanted = sidebar.address_value(CATEGORY)  # the address names a series by the name the chooser shows
    if wanted and wanted not in names.values():
        sidebar.name_ignored(
            view, [f"trend: no series {shorten(wanted)} in this comparison: the biggest change is drawn"]
        )
    if st.session_state.get(CATEGORY) not in (None, *choices):
        st.session_state[CATEGORY] = None  # from another comparison: fall back to the biggest change
    chosen = st.selectbox(
        "Series",
        choices,
        index=None,
        format_func=lambda category: str(names.get(category, category)),
        key=CATEGORY,
        bind="query-params",
        placeholder=f"Biggest change: {names[choices[0]]}",
    )
    return chosen or choices[0]


def _filter_to_row(result: trends.Trends):  # returns a widget callback
    def callback() -> None:
        rows = st.session_state[TABLE]["selection"]["rows"]
        if not rows:
            return
        category = str(result.table["category"].iloc[rows[0]])
        st.session_state[FILTER_OF[result.options.by]] = [category]
        st.session_state[CATEGORY] = category

    return callback


def trend_table(result: trends.Trends) -> None:
    """The categories, the biggest change first (sortable); a click on a row filters the dashboard to it."""
    st.dataframe(
        trends.table_for_display(result),
        hide_index=True,
        key=TABLE,
        on_select=_filter_to_row(result),
        selection_mode="single-row",
        column_config={
            trends.DIMENSION_NAMES[result.options.by]: st.column_config.TextColumn(width="medium"),
            "change %": st.column_config.NumberColumn(format="%+.1f%%"),
            "level": st.column_config.TextColumn(width="medium"),
        },
    )
    st.caption(
        f"Click a row to filter the dashboard to that {trends.DIMENSION_NAMES[result.options.by].lower()}. "
        "Change %: none where the baseline is empty."
    )


def trend_downloads(view: View, result: trends.Trends, category: str | None) -> None:
    from dashboard.exports import images, trendfiles

    context = export_context(view)
    bounds = view.selection.date_bounds
    figure = trends.trend_figure(result, category)
    title = trends.trend_title(result, category)
    chart_downloads_row(
        "trends",
        lambda fmt: images.figure_file(figure, fmt, context, title),
        lambda fmt: file_name("trends", bounds, view.filters, fmt),
    )
    row = st.container(horizontal=True)
    for fmt, data in (
        ("csv", lambda: trendfiles.trends_csv(result)),
        ("json", lambda: trendfiles.trends_json(result, context)),
    ):
        row.download_button(
            f"Table {fmt.upper()}",
            data=data,
            file_name=file_name("trends", bounds, view.filters, fmt),
            mime=MIME[fmt],
            key=f"download_trends_{fmt}",
            on_click="ignore",
        )
