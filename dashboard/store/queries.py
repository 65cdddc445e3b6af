"""Every question a view asks of the events, as an Ibis expression run by the engine.

The same expressions run on DuckDB and on Spark; what comes back is small (counts, aggregated cells, a
page of rows). Weeks start on Monday and months on the 1st, as in the pandas charts.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import TypeVar

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from dashboard.loading.columns import COLUMNS, to_frame
from dashboard.model.registries import Registries
from dashboard.store.filters import Filters

CELL_DEGREES = 0.5
PARTITION = "year"  # the start year, as a dataset written by ingest is partitioned
SEARCHED_COLUMNS = ("title", "summary", "place", "notes", "claimed_by")
PERIODS = {"week": "W", "month": "M", "quarter": "Q"}
TREND_DIMENSIONS = ("actor", "type", "country")
T = TypeVar("T")


_LOCKS: dict[int, threading.RLock] = {}  # id of a live connection -> its lock (connections compare by database)
_LOCKS_GUARD = threading.Lock()


def connection_lock(table: ir.Table) -> threading.RLock:
    """The lock of the engine connection ``table`` is read on (one per connection, so one per store: a store
    never waits for another's queries)."""
    backend = table.get_backend()
    with _LOCKS_GUARD:
        lock = _LOCKS.get(id(backend))
        if lock is None:
            lock = _LOCKS[id(backend)] = threading.RLock()
            weakref.finalize(backend, _LOCKS.pop, id(backend), None)  # gone with the connection
        return lock


def engine_call(function: Callable[..., T]) -> Callable[..., T]:
    """Run ``function(table, ...)`` (which executes queries) alone on ``table``'s connection: a DuckDB connection
    must not run two queries at once, and every Streamlit session shares the loaded table. Each query still
    uses all of DuckDB's threads."""

    @functools.wraps(function)
    def serialised(table: ir.Table, *args, **kwargs) -> T:
        with connection_lock(table):
            return function(table, *args, **kwargs)

    return serialised


def _timestamp(day: date) -> ir.TimestampScalar:
    return ibis.literal(datetime(day.year, day.month, day.day), type="timestamp")


def _sayable(text: str) -> bool:
    """Whether the engine's query text can hold ``text``: DuckDB reads a NUL character as the end of the query
    (a filter holding one stopped every page). No id holds one, and a word holding one is searched for as
    matching nothing: text from an address, not from an analyst's keyboard."""
    return "\x00" not in text


def text_condition(table: ir.Table, word: str) -> ir.BooleanColumn:
    """Events whose title, summary, place, notes, claimant, tags or sources (publisher, title, quote) hold
    ``word`` in any case. Each field is searched on its own (a word holds no space, so it cannot span two)."""
    if not _sayable(word):
        return ibis.literal(False)
    word = word.lower()

    def holds(text: ir.StringValue) -> ir.BooleanValue:
        return text.lower().contains(word).fill_null(False)

    condition = ibis.literal(False)
    for name in SEARCHED_COLUMNS:
        condition |= holds(table[name])
    condition |= table.tags.map(holds).anys().fill_null(False)
    in_sources = table.sources.map(lambda item: holds(item["publisher"]) | holds(item["title"]) | holds(item["quote"]))
    return condition | in_sources.anys().fill_null(False)


def actor_condition(table: ir.Table, actors: tuple[str, ...]) -> ir.BooleanColumn:
    """Events where any of ``actors`` is initiator, counterpart or associated."""
    wanted = [actor for actor in actors if _sayable(actor)]
    condition = table.initiator.isin(wanted) | table.counterpart.isin(wanted)
    for actor in wanted:
        condition |= table.associated_actors.contains(actor)
    return condition.fill_null(False)


def filtered(table: ir.Table, filters: Filters, longest_span_days: int | None = None) -> ir.Table:
    """The events that pass every active filter. On a dataset partitioned by start year (with the longest
    event span known), date filters also name the years to read, so the engine skips the others."""
    conditions = []
    if PARTITION in table.columns and longest_span_days is not None:
        if filters.date_to:
            conditions.append(table[PARTITION] <= filters.date_to.year)
        if filters.date_from:
            conditions.append(table[PARTITION] >= (filters.date_from - timedelta(days=longest_span_days)).year)
    if filters.actors:
        conditions.append(actor_condition(table, filters.actors))
    if filters.event_types:
        conditions.append(table.event_type.isin(list(filters.event_types)))
    if filters.date_from:
        conditions.append(table.date_span_end >= _timestamp(filters.date_from))
    if filters.date_to:
        conditions.append(table.date_start <= _timestamp(filters.date_to))
    if filters.confidence:
        conditions.append(table.confidence.isin(list(filters.confidence)))
    if filters.location_precision:
        conditions.append(table.location_precision.isin(list(filters.location_precision)))
    if filters.countries:
        conditions.append(table.country.isin(list(filters.countries)))
    conditions += [text_condition(table, word) for word in filters.text.lower().split()]
    return table.filter(*conditions) if conditions else table


@engine_call
def _fetch(table: ir.Table, registries: Registries) -> pd.DataFrame:
    """Rows of the events table as the loader's typed DataFrame (without engine-only columns such as the
    dataset's partition)."""
    return to_frame(table.select(*[name for name in COLUMNS if name in table.columns]).to_pyarrow(), registries)


@engine_call
def count(table: ir.Table) -> int:
    return int(table.count().execute())


@engine_call
def date_bounds(table: ir.Table) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First start and last possible day of the events, or None when there are none."""
    row = table.aggregate(low=table.date_start.min(), high=table.date_span_end.max()).execute()
    low, high = row["low"].iloc[0], row["high"].iloc[0]
    return None if pd.isna(low) else (pd.Timestamp(low), pd.Timestamp(high))


@engine_call
def last_start(table: ir.Table) -> pd.Timestamp | None:
    """The latest start date, or None when there are no events."""
    value = table.date_start.max().execute()
    return None if pd.isna(value) else pd.Timestamp(value)


def _involvement_counts(table: ir.Table, fatalities: bool = False, **keys: ir.Value) -> ir.Table:
    """Events per actor (in any role, each actor once per event) and ``keys``: columns ``*keys``, ``actor``,
    ``events`` (and ``fatalities``, the sum of the events' best estimates, when asked). Events are first
    counted per distinct keys and actors, so the lists of associated actors are unnested once per combination
    rather than once per event (a few thousand combinations for a million events of a few dozen actors)."""
    names = list(keys)
    sums = {"n": ibis._.count(), **({"f": table.killed_best.sum()} if fatalities else {})}
    carried = list(sums)
    grouped = table.group_by(
        **keys, initiator=table.initiator, counterpart=table.counterpart, associated=table.associated_actors
    ).aggregate(**sums)
    initiators = grouped.filter(grouped.initiator.notnull()).select(*names, *carried, actor=grouped.initiator)
    counterparts = grouped.filter(
        grouped.counterpart.notnull(), (grouped.counterpart != grouped.initiator).fill_null(True)
    ).select(*names, *carried, actor=grouped.counterpart)
    associated = grouped.select(
        *names, "initiator", "counterpart", *carried, actor=grouped.associated.unique().unnest()
    )
    associated = associated.filter(
        associated.actor.notnull(),
        (associated.actor != associated.initiator).fill_null(True),
        (associated.actor != associated.counterpart).fill_null(True),
    ).select(*names, *carried, "actor")
    every = initiators.union(counterparts, distinct=False).union(associated, distinct=False)
    totals = {"events": every.n.sum(), **({"fatalities": every.f.sum()} if fatalities else {})}
    return every.group_by([*names, "actor"]).aggregate(**totals)


@engine_call
def actor_counts(table: ir.Table) -> pd.Series:
    """Number of events each actor takes part in (any role), largest first, ties by actor id."""
    counts = _involvement_counts(table)
    frame = counts.order_by([ibis.desc("events"), "actor"]).execute()
    return pd.Series(frame["events"].to_numpy(dtype="int64"), index=frame["actor"].astype(object), name="count")


TIE_ROLES = ("counterpart", "associated")


@engine_call
def actor_ties(table: ir.Table, split: date | None = None) -> pd.DataFrame:
    """The ties between actors the events make, per type: initiator → counterpart (role ``counterpart``) and
    initiator → each associated actor (role ``associated``: acts with), an actor never tied to itself and an
    associated actor that is also the counterpart counted once, as the counterpart. Columns ``source``,
    ``target``, ``role``, ``event_type``, ``events``, ``first`` and ``last`` (earliest and latest start date);
    with ``split``, also ``later`` (the events start on or after ``split``), each period counted apart.
    Events are first grouped per combination of actors and type, so the lists of associated actors are
    unnested once per combination rather than once per event."""
    keys = {} if split is None else {"later": table.date_start >= _timestamp(split)}
    names = [*keys, "event_type"]
    grouped = table.group_by(
        **keys,
        event_type=table.event_type,
        initiator=table.initiator,
        counterpart=table.counterpart,
        associated=table.associated_actors,
    ).aggregate(n=ibis._.count(), first=table.date_start.min(), last=table.date_start.max())
    counterparts = grouped.filter(
        grouped.initiator.notnull(), grouped.counterpart.notnull(), grouped.counterpart != grouped.initiator
    ).select(
        *names,
        source=grouped.initiator,
        target=grouped.counterpart,
        role=ibis.literal(TIE_ROLES[0]),
        n=grouped.n,
        first=grouped.first,
        last=grouped.last,
    )
    associated = grouped.select(
        *names, "initiator", "counterpart", "n", "first", "last", target=grouped.associated.unique().unnest()
    )
    associated = associated.filter(
        associated.initiator.notnull(),
        associated.target.notnull(),
        associated.target != associated.initiator,
        (associated.target != associated.counterpart).fill_null(True),
    ).select(
        *names,
        source=associated.initiator,
        target=associated.target,
        role=ibis.literal(TIE_ROLES[1]),
        n=associated.n,
        first=associated.first,
        last=associated.last,
    )
    every = counterparts.union(associated, distinct=False)
    ties = every.group_by([*keys, "source", "target", "role", "event_type"]).aggregate(
        events=every.n.sum(), first=every.first.min(), last=every.last.max()
    )
    frame = ties.order_by([*keys, "source", "target", "role", "event_type"]).execute()
    columns = [*keys, "source", "target", "role", "event_type", "events", "first", "last"]
    frame = frame[columns]
    for name in ("source", "target", "role", "event_type"):
        frame[name] = frame[name].astype(object)
    frame["events"] = frame["events"].astype("int64")
    for name in ("first", "last"):
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[us]")
    if split is not None:
        frame["later"] = frame["later"].astype(bool)
    return frame


def tie_condition(table: ir.Table, source: str, target: str, role: str) -> ir.BooleanColumn:
    """The events that make the tie ``source`` → ``target`` in ``role``, as `actor_ties` counts them."""
    if source == target:
        return ibis.literal(False)
    if role == TIE_ROLES[0]:
        return (table.initiator == source) & (table.counterpart == target)
    return (
        (table.initiator == source)
        & table.associated_actors.contains(target).fill_null(False)
        & (table.counterpart != target).fill_null(True)
    )


def tie_events(
    table: ir.Table,
    registries: Registries,
    source: str,
    target: str,
    role: str,
    limit: int,
    columns: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """The events of one tie (`tie_condition`), the latest ``limit`` by start date (ties by id), newest first;
    only ``columns`` when named (a table of them reads a fraction of each row: no sources, no figures)."""
    chosen = table.filter(tie_condition(table, source, target, role))
    latest = chosen.order_by([ibis.desc("date_start"), "id"]).limit(limit)
    return _fetch(latest.select(*columns) if columns else latest, registries)


@engine_call
def period_counts(table: ir.Table, per: str = "month") -> pd.DataFrame:
    """Events per period (by start date) and type: columns ``period``, ``type``, ``events``."""
    period = table.date_start.truncate(PERIODS[per])
    counts = table.group_by(period=period, type=table.event_type).aggregate(events=ibis._.count())
    frame = counts.order_by(["period", "type"]).execute()
    return _typed_counts(frame, "period")


@engine_call
def lane_counts(table: ir.Table, registries: Registries, lanes: str = "actor") -> pd.DataFrame:
    """Events per week (by start date), lane and type: columns ``week``, ``lane``, ``event_type``, ``events``.
    A lane is an actor (an event counts in the lane of every actor involved) or an event type."""
    week = table.date_start.truncate("W")
    if lanes == "type":
        counts = table.group_by(week=week, lane=table.event_type, event_type=table.event_type).aggregate(
            events=ibis._.count()
        )
    else:
        counts = _involvement_counts(table, week=week, event_type=table.event_type).rename(lane="actor")
    frame = _typed_counts(counts.order_by(["week", "lane", "event_type"]).execute(), "week")
    names = registries.type_labels if lanes == "type" else registries.actor_names
    frame["lane"] = frame["lane"].map(names).fillna(frame["lane"])
    return frame


@engine_call
def trend_counts(table: ir.Table, by: str, per: str, since: date | None = None) -> pd.DataFrame:
    """Events and fatalities (sum of best estimates) per period (by start date) and category of ``by``
    (actor in any role, event type or country), from ``since`` on: columns ``period``, ``category``,
    ``events``, ``fatalities``. Only periods with events have rows."""
    if since is not None:
        table = table.filter(table.date_start >= _timestamp(since))
    period = table.date_start.truncate(PERIODS[per])
    if by == "actor":
        counts = _involvement_counts(table, fatalities=True, period=period).rename(category="actor")
    else:
        category = {"type": table.event_type, "country": table.country}[by]
        counts = (
            table.filter(category.notnull())
            .group_by(period=period, category=category)
            .aggregate(events=ibis._.count(), fatalities=table.killed_best.sum())
        )
    frame = _typed_counts(counts.order_by(["period", "category"]).execute(), "period")
    frame["fatalities"] = pd.to_numeric(frame["fatalities"]).fillna(0.0).astype("float64")
    return frame[["period", "category", "events", "fatalities"]]


@engine_call
def frame_bins(table: ir.Table, start: date, step: str, cell_degrees: float) -> pd.DataFrame:
    """Located events by step of time from ``start`` (``step``: ``"day"``, ``"week"`` or ``"month"``, by start
    date), grid cell of ``cell_degrees`` and type, for playback: columns ``bin`` (the step's first day),
    ``latitude``, ``longitude`` (the cell's centre), ``type``, ``events``. The frames of any window are sums of
    these bins, so a million events make one aggregate, not one drawing per event."""
    rows = located(table).filter(table.date_start >= _timestamp(start))
    if step == "month":
        bin_key = rows.date_start.truncate("M")
    else:
        days = 7 if step == "week" else 1
        origin = int((datetime(start.year, start.month, start.day) - datetime(1970, 1, 1)).total_seconds())
        bin_key = ((rows.date_start.epoch_seconds() - origin) / (86_400 * days)).floor().cast("int64")
    binned = rows.select(
        bin=bin_key,
        cy=(rows.latitude / cell_degrees).floor(),
        cx=(rows.longitude / cell_degrees).floor(),
        type=rows.event_type,
    )
    frame = binned.group_by(["bin", "cy", "cx", "type"]).aggregate(events=ibis._.count()).execute()
    if step == "month":
        frame["bin"] = pd.to_datetime(frame["bin"]).astype("datetime64[us]")
    else:
        frame["bin"] = (pd.Timestamp(start) + pd.to_timedelta(frame["bin"].astype("int64") * days, unit="D")).astype(
            "datetime64[us]"
        )
    frame["latitude"] = (frame["cy"].astype(float) + 0.5) * cell_degrees
    frame["longitude"] = (frame["cx"].astype(float) + 0.5) * cell_degrees
    frame["events"] = frame["events"].astype("int64")
    return frame[["bin", "latitude", "longitude", "type", "events"]].sort_values(["bin", "type"], ignore_index=True)


def _typed_counts(frame: pd.DataFrame, time_column: str) -> pd.DataFrame:
    frame[time_column] = pd.to_datetime(frame[time_column]).astype("datetime64[us]")
    frame["events"] = frame["events"].astype("int64")
    return frame


def located(table: ir.Table) -> ir.Table:
    return table.filter(table.latitude.notnull(), table.longitude.notnull())


@engine_call
def grid_cells(table: ir.Table, cell_degrees: float = CELL_DEGREES) -> pd.DataFrame:
    """Located events binned into cells of ``cell_degrees``: columns ``cy``, ``cx`` (cell row and column),
    ``count`` and ``type`` (the most common type in the cell; ties go to the first type id)."""
    rows = located(table)
    binned = rows.select(
        cy=(rows.latitude / cell_degrees).floor(), cx=(rows.longitude / cell_degrees).floor(), type=rows.event_type
    )
    per_type = binned.group_by(["cy", "cx", "type"]).aggregate(events=ibis._.count())
    rank = ibis.row_number().over(group_by=["cy", "cx"], order_by=[ibis.desc("events"), "type"])
    top = per_type.mutate(rank=rank).filter(ibis._.rank == 0).select("cy", "cx", "type")
    totals = per_type.group_by(["cy", "cx"]).aggregate(count=per_type.events.sum())
    cells = totals.join(top, ["cy", "cx"]).order_by(["cy", "cx"]).execute()
    cells["count"] = cells["count"].astype("int64")
    return cells[["cy", "cx", "count", "type"]]


def rows(table: ir.Table, registries: Registries, limit: int | None = None) -> pd.DataFrame:
    """The events (the first ``limit`` by start date and id) as the loader's typed DataFrame."""
    ordered = table.order_by(["date_start", "id"])
    if limit is not None:
        ordered = ordered.limit(limit)
    return _fetch(ordered, registries)


def row_batches(table: ir.Table, registries: Registries, size: int) -> Iterator[pd.DataFrame]:
    """Every event by start date and id, ``size`` at a time, so that no more than one batch is held in memory.
    The first batch comes even when there are no events (it has the columns)."""
    ordered = table.select(*[name for name in COLUMNS if name in table.columns]).order_by(["date_start", "id"])
    backend = ordered._find_backend()
    if backend.name == "duckdb":
        yield from _streamed(backend, ordered, registries, size)
    else:
        yield from _paged(table, registries, size)


def _streamed(
    backend: ibis.BaseBackend, ordered: ir.Table, registries: Registries, size: int
) -> Iterator[pd.DataFrame]:
    """One DuckDB query read as it is produced, on a cursor of its own (a connection to the same database), so
    other queries run meanwhile: the engine lock is not held while the export is written."""
    with connection_lock(ordered):
        cursor = backend.con.cursor()
        reader = cursor.execute(str(backend.compile(ordered))).to_arrow_reader(size)
    try:
        first = True
        for batch in reader:
            if batch.num_rows or first:
                yield to_frame(pa.Table.from_batches([batch], reader.schema), registries)
                first = False
        if first:
            yield to_frame(reader.schema.empty_table(), registries)
    finally:
        cursor.close()


def _paged(table: ir.Table, registries: Registries, size: int) -> Iterator[pd.DataFrame]:
    """Batches as separate queries, each resuming after the last date and id (unique together): for engines
    that run each query as a job (Spark)."""
    after: tuple[pd.Timestamp, str] | None = None
    while True:
        rest = table
        if after is not None:
            day = ibis.literal(after[0].to_pydatetime(), type="timestamp")
            rest = table.filter((table.date_start > day) | ((table.date_start == day) & (table.id > after[1])))
        batch = _fetch(rest.order_by(["date_start", "id"]).limit(size), registries)
        if not batch.empty or after is None:
            yield batch
        if len(batch) < size:
            return
        after = (pd.Timestamp(batch["date_start"].iloc[-1]), str(batch["id"].iloc[-1]))


@engine_call
def most_sources(table: ir.Table) -> int:
    """The largest number of sources any event has (the CSV form numbers its source columns up to it)."""
    most = table.source_count.max().execute()
    return 0 if most is None or pd.isna(most) else int(most)


def page(table: ir.Table, registries: Registries, number: int, size: int) -> pd.DataFrame:
    """Page ``number`` (from 0) of ``size`` events, newest first (ties by id)."""
    ordered = table.order_by([ibis.desc("date_start"), "id"]).limit(size, offset=number * size)
    return _fetch(ordered, registries)


def event(table: ir.Table, registries: Registries, event_id: str) -> pd.Series | None:
    """The event with id ``event_id``, or None."""
    if not _sayable(event_id):
        return None
    found = _fetch(table.filter(table.id == event_id).limit(1), registries)
    return None if found.empty else found.iloc[0]


@engine_call
def first_ids(table: ir.Table, limit: int) -> list[str]:
    """Ids of the first ``limit`` events by start date (ties by id)."""
    ordered = table.order_by(["date_start", "id"]).select("id").limit(limit)
    return ordered.to_pyarrow().column("id").to_pylist()


@engine_call
def known_ids(table: ir.Table, ids: list[str]) -> set[str]:
    """Which of ``ids`` are events of the table."""
    ids = [item for item in ids if _sayable(item)]
    if not ids:
        return set()
    return set(table.filter(table.id.isin(ids)).select("id").to_pyarrow().column("id").to_pylist())


def newest(table: ir.Table, registries: Registries, limit: int) -> pd.DataFrame:
    """The ``limit`` latest events by start date (ties by id), oldest of them first."""
    latest = table.order_by([ibis.desc("date_start"), ibis.desc("id")]).limit(limit)
    return _fetch(latest.order_by(["date_start", "id"]), registries)


ARC_TYPES = ("arms_transfer", "troop_deployment")


def routed(table: ir.Table) -> ir.Table:
    """Events with an origin and a destination whose type is drawn as an arc."""
    return table.filter(
        table.event_type.isin(list(ARC_TYPES)),
        table.origin_latitude.notnull(),
        table.destination_latitude.notnull(),
    )


@engine_call
def distinct(table: ir.Table, column: str) -> list:
    values = table.select(column).distinct().to_pyarrow().column(column).to_pylist()
    return [value for value in values if value is not None]


@engine_call
def type_counts(table: ir.Table) -> pd.Series:
    """Events per type, the most frequent first (ties by type id)."""
    counts = table.group_by("event_type").aggregate(events=table.count()).to_pyarrow().to_pandas()
    counts = counts.sort_values(["events", "event_type"], ascending=[False, True], kind="stable")
    return pd.Series(counts["events"].to_numpy(dtype="int64"), index=counts["event_type"].astype(str).to_numpy())


@engine_call
def extent(table: ir.Table) -> tuple[float, float, float, float] | None:
    """West, east, south, north of the located events, or None when none is located."""
    row = (
        located(table)
        .aggregate(
            west=ibis._.longitude.min(),
            east=ibis._.longitude.max(),
            south=ibis._.latitude.min(),
            north=ibis._.latitude.max(),
        )
        .execute()
    )
    if row.empty or pd.isna(row["west"].iloc[0]):
        return None
    return tuple(float(row[name].iloc[0]) for name in ("west", "east", "south", "north"))  # type: ignore[return-value]


def _source_rows(table: ir.Table) -> ir.Table:
    """One row per distinct source (publisher, title, published, url) of the events. Grouped rather than
    ``distinct()``: Ibis cannot yet order a distinct unnested struct on Spark."""
    items = table.select(item=table.sources.unnest()).unpack("item")
    return items.group_by(["publisher", "title", "published", "url"]).aggregate(events=ibis._.count())


@engine_call
def sources(table: ir.Table, limit: int) -> pd.DataFrame:
    """Distinct sources of the events (publisher, title, published, url), the first ``limit`` by publisher
    and title."""
    rows = _source_rows(table).order_by(["publisher", "title", "published", "url"]).limit(limit)
    frame = rows.select("publisher", "title", "published", "url").to_pyarrow().to_pandas()
    return frame.astype(object).where(frame.notna(), None)


@engine_call
def source_total(table: ir.Table) -> int:
    """Number of distinct sources (publisher and title) of the events."""
    rows = _source_rows(table)
    return int(rows.select("publisher", "title").distinct().count().execute())


@engine_call
def latest_date(table: ir.Table) -> str | None:
    """The latest date the events' data speaks of: a source's publication date or an event's last day."""
    published = _source_rows(table).published.max().execute()
    last_day = table.date_span_end.max().execute()
    candidates = [str(published)] if published is not None and not pd.isna(published) else []
    if last_day is not None and not pd.isna(last_day):
        candidates.append(pd.Timestamp(last_day).strftime("%Y-%m-%d"))
    return max(candidates, default=None)


def events_by_id(table: ir.Table, registries: Registries, ids: list[str]) -> pd.DataFrame:
    """The events whose ids are in ``ids`` (an empty frame with an ``id`` column when none is asked for)."""
    ids = [item for item in ids if _sayable(item)]
    if not ids:
        return pd.DataFrame({"id": pd.Series(dtype=object)})
    return _fetch(table.filter(table.id.isin(ids)), registries)


@engine_call
def route_flows(table: ir.Table, cell_degrees: float = 1.0) -> pd.DataFrame:
    """Routed events (`routed`) grouped by origin cell, destination cell and type: columns ``origin_lon``,
    ``origin_lat``, ``destination_lon``, ``destination_lat`` (cell centres), ``type`` and ``count``."""
    rows = routed(table)

    def centre(column: ir.FloatingColumn) -> ir.FloatingColumn:
        return ((column / cell_degrees).floor() + 0.5) * cell_degrees

    flows = rows.group_by(
        origin_lon=centre(rows.origin_longitude),
        origin_lat=centre(rows.origin_latitude),
        destination_lon=centre(rows.destination_longitude),
        destination_lat=centre(rows.destination_latitude),
        type=rows.event_type,
    ).aggregate(count=ibis._.count())
    frame = flows.order_by([ibis.desc("count"), "type", "origin_lon", "origin_lat"]).execute()
    frame["count"] = frame["count"].astype("int64")
    return frame


# How far apart two reports of one event may be placed, by the vaguer of their location precisions.
DUPLICATE_DISTANCE_KM = {"exact": 2.0, "near": 10.0, "city": 25.0, "region": 100.0, "country": 500.0}
CURATED = "curated"  # the dataset name of curated records, when pairs are compared across datasets
EARTH_RADIUS_KM = 6371.0088


@engine_call
def possible_duplicates(table: ir.Table, limit: int = 10_000) -> pd.DataFrame:
    """Pairs of located events from different datasets (curated records counting as one) that may be one
    event: the same type, dates that overlap within their precision, and points closer than the vaguer
    location precision allows (`DUPLICATE_DISTANCE_KM`). Columns ``id``, ``other_id``, ``dataset``,
    ``other_dataset``, ``event_type``, ``distance_km``; nearest first, at most ``limit`` pairs."""
    if "dataset" not in table.columns:
        return pd.DataFrame(columns=["id", "other_id", "dataset", "other_dataset", "event_type", "distance_km"])
    located_events = located(table)
    tolerance = ibis.cases(
        *((located_events.location_precision == name, km) for name, km in DUPLICATE_DISTANCE_KM.items()),
        else_=max(DUPLICATE_DISTANCE_KM.values()),
    )
    side = located_events.select(
        "id",
        "event_type",
        "date_start",
        "date_span_end",
        lat=located_events.latitude.radians(),
        lon=located_events.longitude.radians(),
        dataset=located_events.dataset.fill_null(CURATED),
        tolerance=tolerance,
    )
    other = side.view()
    pairs = side.join(
        other,
        [
            side.event_type == other.event_type,
            side.dataset < other.dataset,  # each pair once, and never two of one dataset
            side.date_start <= other.date_span_end,
            other.date_start <= side.date_span_end,
        ],
    )
    half = ((pairs.lat_right - pairs.lat) / 2).sin() ** 2 + pairs.lat.cos() * pairs.lat_right.cos() * (
        (pairs.lon_right - pairs.lon) / 2
    ).sin() ** 2
    pairs = pairs.mutate(distance_km=2 * EARTH_RADIUS_KM * half.sqrt().asin())
    close = pairs.filter(pairs.distance_km <= ibis.greatest(pairs.tolerance, pairs.tolerance_right))
    found = close.select(
        "id",
        other_id=close.id_right,
        dataset=close.dataset,
        other_dataset=close.dataset_right,
        event_type=close.event_type,
        distance_km=close.distance_km.round(1),
    )
    return found.order_by(["distance_km", "id", "other_id"]).limit(limit).execute()
