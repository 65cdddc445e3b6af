"""Tables of events as analysts read them: labels instead of codes, dates with their precision."""

from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler

from dashboard.model.registries import Registries
from dashboard.store.queries import DUPLICATE_DISTANCE_KM

# Widths in pixels, chosen so the table fits without sideways scrolling at 1,440 pixels: all columns when the
# page has the whole width, the first four beside the detail card (the card shows the rest).
EVENTS_COLUMN_CONFIG = {
    "id": None,  # kept for selection, not shown
    "Date": {"width": 190},
    "Title": {"width": 250},
    "Type": {"width": 115},
    "Actors": {"width": 140},
    "Place": {"width": 120},
    "Confidence": {"width": 85},
}
BESIDE_CARD_COLUMNS = ("Date", "Title", "Type", "Confidence")
BESIDE_CARD_WIDTHS = {"Date": {"width": 180}, "Title": {"width": 195}, "Type": {"width": 105}}


def column_config(beside_card: bool) -> dict:
    """The events table's columns: all of them, or the first four beside the detail card."""
    if not beside_card:
        return EVENTS_COLUMN_CONFIG
    hidden = {name: None for name in EVENTS_COLUMN_CONFIG if name not in (*BESIDE_CARD_COLUMNS, "id")}
    return EVENTS_COLUMN_CONFIG | hidden | BESIDE_CARD_WIDTHS


def actors_text(events: pd.DataFrame, registries: Registries) -> pd.Series:
    """``"Ukraine → Russia (+ North Korea)"`` per event."""
    names = registries.actor_names
    initiator = events["initiator"].astype(object).map(names)
    counterpart = events["counterpart"].astype(object).map(names)
    text = initiator.where(counterpart.isna(), initiator + " → " + counterpart)
    associated = events["associated_actors"].map(
        {ids: ", ".join(names.get(actor, actor) for actor in ids) for ids in set(events["associated_actors"])}
    )
    return text.where(associated.eq(""), text + " (+ " + associated + ")")


def date_text(events: pd.DataFrame) -> pd.Series:
    """The date as a span when it is not one known day: ``2024-09-01 – 09-30 (month)`` for a date known to the
    month, ``2024-06-01 – 08-31`` for an event lasting that long (the end's year only when it differs)."""
    start, last = events["date_start"], events["date_span_end"]
    same_year = start.dt.year.eq(last.dt.year)
    end = last.dt.strftime("%m-%d").where(same_year, last.dt.strftime("%Y-%m-%d"))
    text = start.dt.strftime("%Y-%m-%d")
    text = text.where(last.isna() | last.le(start), text + " – " + end)
    precision = events["date_precision"].astype(str)
    return text.where(precision.eq("day"), text + " (" + precision + ")")


PAGE_SIZE = 500  # rows per page of the events table


def page_count(total: int) -> int:
    """Pages of `PAGE_SIZE` rows needed for ``total`` events (at least one)."""
    return max(1, -(-total // PAGE_SIZE))


def page_notes(wanted: str | None, pages: int) -> list[str]:
    """What the address's ``page`` (a whole number from 1, as the address is checked) asks for that the table
    does not have: the table opens at its first page."""
    if not wanted or not wanted.isdecimal() or int(wanted) <= pages:  # not a number: the sidebar named it
        return []
    return [f"page: {wanted} is beyond the table's {pages:,} page{'s' * (pages != 1)}: the first is shown"]


def page_caption(number: int, rows: int, total: int) -> str:
    """``"Events 501–1,000 of 12,345, newest first."`` for page ``number`` (from 1) holding ``rows`` rows."""
    first = (number - 1) * PAGE_SIZE
    return f"Events {first + 1:,}–{first + rows:,} of {total:,}, newest first."


def events_table(events: pd.DataFrame, registries: Registries) -> pd.DataFrame:
    """One row per event, newest first, with readable columns."""
    table = pd.DataFrame(
        {
            "id": events["id"],
            "Date": date_text(events),
            "Title": events["title"],
            "Type": events["event_type"].astype(object).map(registries.type_labels),
            "Actors": actors_text(events, registries),
            "Place": events["place"].fillna(""),
            "Confidence": events["confidence"].astype(str),
            "_start": events["date_start"],
        }
    )
    return table.sort_values("_start", ascending=False, kind="stable").drop(columns="_start").reset_index(drop=True)


SELECTED_ROW_STYLE = "background-color: rgba(255, 193, 7, 0.35); font-weight: 600"  # light and dark themes


def with_selected_row(table: pd.DataFrame, event_id: str | None) -> pd.DataFrame | Styler:
    """The table with the selected event's row highlighted (the table itself when it is not on this page)."""
    if event_id is None or not table["id"].eq(event_id).any():
        return table
    chosen = table["id"].eq(event_id).to_numpy()
    return table.style.apply(lambda row: [SELECTED_ROW_STYLE if chosen[row.name] else ""] * len(row), axis=1)


def dataset_actors(counts: pd.Series, registries: Registries) -> pd.DataFrame:
    """Actors of imported datasets that no registry actor matched (``counts``: events per actor id, any role),
    most events first: each is listed once, so a missing mapping is easy to spot and add."""
    kept = counts[~counts.index.isin(registries.actors.index)]
    return pd.DataFrame({"Dataset actor": kept.index.astype(str), "Events": kept.to_numpy()})


DUPLICATES_RULE = (
    "Events from different datasets (curated records count as one) of the same type, on overlapping dates"
    " within their precision, placed closer than their location precision allows ("
    + ", ".join(f"{km:g} km {precision}" for precision, km in DUPLICATE_DISTANCE_KM.items())
    + ")."
)


def duplicates_table(pairs: pd.DataFrame, registries: Registries) -> pd.DataFrame:
    """The possible duplicates as the Data quality page lists them."""
    return pd.DataFrame(
        {
            "Event": pairs["id"],
            "Dataset": pairs["dataset"],
            "Possibly the same as": pairs["other_id"],
            "Its dataset": pairs["other_dataset"],
            "Type": pairs["event_type"].map(registries.event_type_label),
            "Distance (km)": pairs["distance_km"],
        }
    )
