"""Filters over the events, and the plain-English caption that says which are active.

Each filter is plain values (ids, dates, text), so a view is readable and fits in a URL. An empty
selection means "no filter on this".

    >>> Filters(actors=("russia",)).is_active
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from dashboard.records.registries import Registries


@dataclass(frozen=True)
class Filters:
    actors: tuple[str, ...] = ()  # actor ids: an event matches if any of its actors is selected
    event_types: tuple[str, ...] = ()
    date_from: date | None = None  # an event matches if its span [start, span end] overlaps the range
    date_to: date | None = None
    confidence: tuple[str, ...] = ()
    location_precision: tuple[str, ...] = ()
    text: str = ""  # case-insensitive; every word must appear in the title, summary, place, tags or sources

    @property
    def is_active(self) -> bool:
        return bool(
            self.actors
            or self.event_types
            or self.date_from
            or self.date_to
            or self.confidence
            or self.location_precision
            or self.text.strip()
        )


def search_index(events: pd.DataFrame) -> pd.Series:
    """Lower-case text searched by the free-text filter: title, summary, place, tags, notes and sources."""
    sources = events["sources"].map(
        lambda items: " ".join(f"{item.publisher} {item.title} {item.quote or ''}" for item in items)
    )
    parts = [events[name].fillna("").astype(str) for name in ("title", "summary", "place", "notes", "claimed_by")]
    tags = events["tags"].map(" ".join)
    text = parts[0]
    for part in [*parts[1:], tags, sources]:
        text = text + " " + part
    return text.str.casefold()


def actor_mask(events: pd.DataFrame, actors: tuple[str, ...]) -> pd.Series:
    """True for events where any selected actor is initiator, counterpart or associated."""
    wanted = set(actors)
    mask = events["initiator"].isin(wanted) | events["counterpart"].isin(wanted)
    associated = events["associated_actors"].map(lambda names: not wanted.isdisjoint(names))
    return mask | associated.astype(bool)


def apply_filters(events: pd.DataFrame, filters: Filters, index: pd.Series | None = None) -> pd.DataFrame:
    """The events that pass every active filter (the input order is kept)."""
    mask = pd.Series(True, index=events.index)
    if filters.actors:
        mask &= actor_mask(events, filters.actors)
    if filters.event_types:
        mask &= events["event_type"].isin(filters.event_types)
    if filters.date_from:
        mask &= events["date_span_end"] >= pd.Timestamp(filters.date_from)
    if filters.date_to:
        mask &= events["date_start"] <= pd.Timestamp(filters.date_to)
    if filters.confidence:
        mask &= events["confidence"].isin(filters.confidence)
    if filters.location_precision:
        mask &= events["location_precision"].isin(filters.location_precision)
    words = filters.text.casefold().split()
    if words:
        haystack = index if index is not None else search_index(events)
        for word in words:
            mask &= haystack.str.contains(word, regex=False)
    return events[mask.to_numpy()]


def actor_counts(events: pd.DataFrame) -> pd.Series:
    """Number of events each actor takes part in (any role), largest first."""
    pairs = pd.concat(
        [
            pd.DataFrame({"event": events.index, "actor": events["initiator"].astype(object)}),
            pd.DataFrame({"event": events.index, "actor": events["counterpart"].astype(object)}),
            events["associated_actors"].explode().rename("actor").rename_axis("event").reset_index(),
        ]
    )
    return pairs.dropna().drop_duplicates()["actor"].value_counts()


def caption(filters: Filters, shown: int, total: int, registries: Registries) -> str:
    """``"9 of 18 events · actors: Russia, North Korea · 2024-06-01 to 2024-10-31 · confidence: confirmed"``."""
    parts = [f"{shown} of {total} events" if filters.is_active else f"All {total} events"]
    if filters.actors:
        parts.append("actors: " + ", ".join(registries.actor_name(actor) for actor in filters.actors))
    if filters.event_types:
        parts.append("types: " + ", ".join(registries.event_type_label(kind) for kind in filters.event_types))
    if filters.date_from and filters.date_to:
        parts.append(f"{filters.date_from:%Y-%m-%d} to {filters.date_to:%Y-%m-%d}")
    elif filters.date_from:
        parts.append(f"from {filters.date_from:%Y-%m-%d}")
    elif filters.date_to:
        parts.append(f"until {filters.date_to:%Y-%m-%d}")
    if filters.confidence:
        parts.append("confidence: " + ", ".join(filters.confidence))
    if filters.location_precision:
        parts.append("location precision: " + ", ".join(filters.location_precision))
    if filters.text.strip():
        parts.append(f'matching "{filters.text.strip()}"')
    return " · ".join(parts)
