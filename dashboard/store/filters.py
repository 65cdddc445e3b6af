"""Filters over the events (run by the engine: `dashboard.store.queries.filtered`), and the plain-English
caption that says which are active.

Each filter is plain values (ids, dates, text), so a view is readable and fits in a URL. An empty
selection means "no filter on this".

    >>> Filters(actors=("russia",)).is_active
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dashboard.model.registries import Registries


@dataclass(frozen=True)
class Filters:
    actors: tuple[str, ...] = ()  # actor ids: an event matches if any of its actors is selected
    event_types: tuple[str, ...] = ()
    date_from: date | None = None  # an event matches if its span [start, span end] overlaps the range
    date_to: date | None = None
    confidence: tuple[str, ...] = ()
    location_precision: tuple[str, ...] = ()
    text: str = ""  # case-insensitive; every word must appear in the title, summary, place, tags or sources
    countries: tuple[str, ...] = ()  # ISO alpha-3 codes of the country where the event took place

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
            or self.countries
        )


def caption(filters: Filters, shown: int, total: int, registries: Registries) -> str:
    """``"9 of 18 events · actors: Russia, North Korea · 2024-06-01 to 2024-10-31 · confidence: confirmed"``."""
    parts = [f"{shown:,} of {total:,} events" if filters.is_active else f"All {total:,} events"]
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
    if filters.countries:
        parts.append("countries: " + ", ".join(registries.country_name(code) for code in filters.countries))
    if filters.text.strip():
        parts.append(f'matching "{filters.text.strip()}"')
    return " · ".join(parts)
