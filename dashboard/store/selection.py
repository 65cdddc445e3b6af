"""The events one view shows: a filtered table on the engine, and what each view asks of it.

Every answer is computed by the engine; only what is drawn comes back (rows when there are few, else counts
and cells). Answers are kept for the life of the selection, which is one page run.

>>> from dashboard.loading.loader import load_events
>>> from dashboard.store.engine import store_from_frame
>>> result = load_events()
>>> selection = Selection.of(store_from_frame(result.events, result.registries), Filters(actors=("iran",)))
>>> selection.count
4
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from typing import TypeVar

import ibis.expr.types as ir
import pandas as pd

from dashboard.model.registries import Registries
from dashboard.store import queries
from dashboard.store.engine import Answers, EventStore, store_from_frame
from dashboard.store.filters import Filters

T = TypeVar("T")


EXPORT_BATCH = 50_000  # events per query when an export streams the selection


@dataclass
class Selection:
    """The events matching ``filters`` in a store, or a part of them (located, routed)."""

    table: ir.Table  # the matching events
    registries: Registries
    count: int
    filters: Filters = field(default_factory=Filters)
    token: tuple = ()  # names this selection among its store's answers; empty: nothing is remembered
    answers: Answers | None = field(default=None, repr=False, compare=False)  # its store's

    @classmethod
    def of(cls, store: EventStore, filters: Filters) -> Selection:
        table = queries.filtered(store.table, filters, store.longest_span_days)
        token = (store.scope, filters, "all")
        count = store.answers.get((*token, "count"), lambda: queries.count(table))
        return cls(table, store.registries, count, filters, token, store.answers)

    @classmethod
    def of_frame(cls, events: pd.DataFrame, registries: Registries) -> Selection:
        """Every event of a typed DataFrame (tests and small exports)."""
        return cls.of(store_from_frame(events, registries), Filters())

    def remember(self, key: tuple, compute: Callable[[], T]) -> T:
        """``compute()`` once for this selection and ``key`` (any session's rerun with the same filters gets
        the same object back: callers must not modify it)."""
        if not self.token or self.answers is None:
            return compute()
        return self.answers.get((*self.token, *key), compute)

    @property
    def empty(self) -> bool:
        return self.count == 0

    def rows(self, limit: int | None = None) -> pd.DataFrame:
        """The matching events by start date (the first ``limit``, or all: ask for all only when few)."""
        return self.remember(("rows", limit), lambda: queries.rows(self.table, self.registries, limit))

    def batches(self, size: int = EXPORT_BATCH) -> Iterator[pd.DataFrame]:
        """Every matching event by start date, ``size`` at a time (for exports of any size; not remembered)."""
        return queries.row_batches(self.table, self.registries, size)

    @property
    def most_sources(self) -> int:
        return self.remember(("most sources",), lambda: queries.most_sources(self.table))

    def newest(self, limit: int) -> pd.DataFrame:
        """The ``limit`` latest events by start date, oldest of them first."""
        return self.remember(("newest", limit), lambda: queries.newest(self.table, self.registries, limit))

    def page(self, number: int, size: int) -> pd.DataFrame:
        return self.remember(("page", number, size), lambda: queries.page(self.table, self.registries, number, size))

    @cached_property
    def located(self) -> Selection:
        """The matching events that have coordinates."""
        return self._part("located", queries.located(self.table))

    @cached_property
    def routed(self) -> Selection:
        """Located events with an origin and a destination, of the types drawn as arcs."""
        return self._part("routed", queries.routed(queries.located(self.table)))

    def _part(self, name: str, table: ir.Table) -> Selection:
        part = Selection(
            table, self.registries, 0, self.filters, (*self.token[:-1], name) if self.token else (), self.answers
        )
        return replace(part, count=part.remember(("count",), lambda: queries.count(table)))

    def cells(self, cell_degrees: float = queries.CELL_DEGREES) -> pd.DataFrame:
        return self.remember(("cells", cell_degrees), lambda: queries.grid_cells(self.table, cell_degrees))

    def flows(self, cell_degrees: float = 1.0) -> pd.DataFrame:
        """Transfers and deployments grouped by origin cell, destination cell and type."""
        return self.remember(("flows", cell_degrees), lambda: queries.route_flows(self.table, cell_degrees))

    def period_counts(self, per: str = "month") -> pd.DataFrame:
        return self.remember(("periods", per), lambda: queries.period_counts(self.table, per))

    def lane_counts(self, lanes: str = "actor") -> pd.DataFrame:
        return self.remember(("lanes", lanes), lambda: queries.lane_counts(self.table, self.registries, lanes))

    @property
    def event_types(self) -> set[str]:
        """The event types among the matching events."""
        return self.remember(("types",), lambda: set(queries.distinct(self.table, "event_type")))

    @property
    def last_start(self) -> pd.Timestamp | None:
        """The latest start date of the matching events, or None."""
        return self.remember(("last start",), lambda: queries.last_start(self.table))

    def trend_counts(self, by: str, per: str, since: date | None = None) -> pd.DataFrame:
        """Events and fatalities per period and actor, type or country (`queries.trend_counts`)."""
        return self.remember(("trends", by, per, since), lambda: queries.trend_counts(self.table, by, per, since))

    def frame_bins(self, start: date, step: str, cell_degrees: float) -> pd.DataFrame:
        """Located events per step of time, grid cell and type, for playback (`queries.frame_bins`)."""
        key = ("frame bins", start, step, cell_degrees)
        return self.remember(key, lambda: queries.frame_bins(self.table, start, step, cell_degrees))

    @property
    def countries(self) -> list[str]:
        """The countries (ISO alpha-3 codes) where the matching events took place, in code order."""
        return self.remember(("countries",), lambda: sorted(queries.distinct(self.table, "country")))

    def type_counts(self) -> pd.Series:
        """Events per type, the most frequent first."""
        return self.remember(("type counts",), lambda: queries.type_counts(self.table))

    @property
    def date_bounds(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        return self.remember(("bounds",), lambda: queries.date_bounds(self.table))

    @property
    def extent(self) -> tuple[float, float, float, float] | None:
        """West, east, south, north of the located events, or None."""
        return self.remember(("extent",), lambda: queries.extent(self.table))

    def first_ids(self, limit: int) -> list[str]:
        """Ids of the first ``limit`` matching events by start date."""
        return self.remember(("first ids", limit), lambda: queries.first_ids(self.table, limit))

    def event(self, event_id: str) -> pd.Series | None:
        """The matching event with id ``event_id``, or None."""
        return self.remember(("event", event_id), lambda: queries.event(self.table, self.registries, event_id))

    def has(self, event_id: str) -> bool:
        """Whether ``event_id`` is among the matching events."""
        return self.remember(("has", event_id), lambda: bool(queries.known_ids(self.table, [event_id])))

    @property
    def possible_duplicates(self) -> pd.DataFrame:
        """Pairs of events from different datasets that may be one event (`queries.possible_duplicates`)."""
        return self.remember(("duplicates",), lambda: queries.possible_duplicates(self.table))

    def duplicates_of(self, event_id: str) -> list[tuple[str, str, float]]:
        """The events that may be the same as ``event_id``: (id, dataset, distance in km), nearest first."""
        pairs = self.possible_duplicates
        mine = pairs[(pairs["id"] == event_id) | (pairs["other_id"] == event_id)]
        first = mine["id"] == event_id
        others = mine["other_id"].where(first, mine["id"])
        datasets = mine["other_dataset"].where(first, mine["dataset"])
        return list(zip(others, datasets, mine["distance_km"].astype(float), strict=True))

    @property
    def dataset_actors(self) -> list[str]:
        """Actors of imported datasets that are not in the registry, most events first (their ids are their
        names)."""
        return [actor for actor in self.actor_counts.index if actor not in self.registries.actors.index]

    @property
    def actor_counts(self) -> pd.Series:
        """Events per actor (any role), largest first."""
        return self.remember(("actors",), lambda: queries.actor_counts(self.table))

    def actor_ties(self) -> pd.DataFrame:
        """Ties between actors, per event type (`queries.actor_ties`)."""
        return self.remember(("ties",), lambda: queries.actor_ties(self.table))

    def actor_ties_split(self, split: date) -> pd.DataFrame:
        """The ties before ``split`` and from it on (column ``later``), each period counted by the engine."""
        return self.remember(("ties", split), lambda: queries.actor_ties(self.table, split))

    def tie_events(
        self, source: str, target: str, role: str, limit: int, columns: tuple[str, ...] | None = None
    ) -> pd.DataFrame:
        """The latest ``limit`` events of one tie, newest first (`queries.tie_events`)."""
        return self.remember(
            ("tie events", source, target, role, limit, columns),
            lambda: queries.tie_events(self.table, self.registries, source, target, role, limit, columns),
        )
