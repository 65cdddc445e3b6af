"""Tables of events as analysts read them: labels instead of codes, dates with their precision."""

from __future__ import annotations

import pandas as pd

from dashboard.records.registries import Registries
from dashboard.store.queries import DUPLICATE_DISTANCE_KM

EVENTS_COLUMN_CONFIG = {
    "id": None,  # kept for selection, not shown
    "Date": {"width": "small"},
    "Sources": {"width": "small", "help": "Number of sources"},
}


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
    """Start date, with the end date or precision when the date is not a single known day."""
    start = events["date_start"].dt.strftime("%Y-%m-%d")
    end = events["date_end"].dt.strftime("%Y-%m-%d")
    precision = events["date_precision"].astype(str)
    text = start.where(precision.eq("day"), start + " (" + precision + ")")
    return text.where(events["date_end"].isna() | events["date_end"].eq(events["date_start"]), start + " to " + end)


PAGE_SIZE = 500  # rows per page of the events table


def page_count(total: int) -> int:
    """Pages of `PAGE_SIZE` rows needed for ``total`` events (at least one)."""
    return max(1, -(-total // PAGE_SIZE))


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
            "Location precision": events["location_precision"].astype(str),
            "Confidence": events["confidence"].astype(str),
            "Sources": events["source_count"],
            "_start": events["date_start"],
        }
    )
    return table.sort_values("_start", ascending=False, kind="stable").drop(columns="_start").reset_index(drop=True)


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
