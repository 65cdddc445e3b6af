"""ACLED exports as downloaded: the current 31 columns, the 2019-2023 and 2018 layouts and the old upper-case
Africa files, in any column order and with extra columns.

Each row becomes one record in the flat form; validation then maps the categories and actor names through
``data/registries/dataset_event_types.yaml`` and ``dataset_actors.yaml``. What the record keeps:

- ``id`` ``acled-<event_id_cnty>``; ``dataset`` ``acled`` and ``dataset_id`` the ACLED id, to find it upstream;
- the type from ``sub_event_type`` (else ``event_type``), both also kept as tags;
- ``actor1`` as initiator and ``actor2`` as counterpart (ACLED's actor 1 is not always the aggressor), the
  associated actors of both sides as associated actors;
- the date: ``time_precision`` 1 the day; 2 a week (ACLED records the middle of it: the record's week starts
  three days before); 3 the month (ACLED records the middle: the record's month starts on the 1st);
- the place: ``geo_precision`` 1 a town (``city``), 2 near a town or part of a region (``near``), 3 a larger
  region (``region``);
- ``fatalities`` as the best estimate of the number killed;
- each name in ``source`` as a source titled with the ACLED id, the ``notes`` quoted on the first.
"""

from __future__ import annotations

import pandas as pd

from dashboard.model.rawfile import RawFile, RowIssue
from dashboard.sources.datasets import common
from dashboard.sources.datasets.dates import (
    DAY_FIRST,
    MONTH_FIRST,
    month_start,
    notes_dates,
    parse_dates,
    shift_days,
    unix_days,
)

NAME = "acled"
# Columns that identify an ACLED export, whatever its era (names compared in lower case, spaces as "_").
SIGNATURE = frozenset({"event_id_cnty", "event_date", "event_type", "actor1", "latitude", "longitude"})
RENAMED = {"ally_actor_1": "assoc_actor_1", "ally_actor_2": "assoc_actor_2", "iso3": "iso_a3"}
TIME_PRECISIONS = {"1": "day", "2": "week", "3": "month"}
GEO_PRECISIONS = {"1": "city", "2": "near", "3": "region"}


def matches(columns: list[str]) -> bool:
    return {common.column_key(column) for column in columns} >= SIGNATURE


def read(frame: pd.DataFrame, name: str, order: str | None = None) -> RawFile:
    """The rows of an ACLED export (text columns as read, plus ``record_line``) as flat records."""
    frame = common.keyed_columns(frame, RENAMED)
    issues: list[RowIssue] = []
    column = common.column_getter(frame)
    acled_id = column("event_id_cnty").str.strip()
    notes = column("notes")
    known = [  # evidence for slashed dates, worked out only when they are ambiguous
        ("equal", lambda: notes_dates(notes), "date written in the notes"),
        ("not-before", lambda: unix_days(column("timestamp")), "upload time (timestamp)"),
    ]
    dates = parse_dates(column("event_date"), order if order in (DAY_FIRST, MONTH_FIRST) else None, known)
    issues += common.date_issues(dates, column("event_date"), "ACLED event_date")
    precision_code = column("time_precision").str.strip()
    precision = precision_code.map(TIME_PRECISIONS)
    issues += common.code_issues(precision_code, precision, "date", "ACLED time_precision", TIME_PRECISIONS)
    week, month = precision.eq("week"), precision.eq("month")
    start = dates.iso.mask(week, shift_days(dates.iso[week], -3)).mask(month, month_start(dates.iso[month]))
    geo_code = column("geo_precision").str.strip()
    location_precision = geo_code.map(GEO_PRECISIONS)
    issues += common.code_issues(geo_code, location_precision, "location", "ACLED geo_precision", GEO_PRECISIONS)
    event_type, sub_type = column("event_type").str.strip(), column("sub_event_type").str.strip()
    category = event_type.where(sub_type.isna(), event_type.fillna("") + common.CATEGORY_STEP + sub_type)
    actor1, actor2 = column("actor1").str.strip(), column("actor2").str.strip()
    place = column("location").str.strip()
    what = sub_type.fillna(event_type).fillna("Event")
    title = what + ": " + actor1.fillna("unknown actor") + (" vs " + actor2).fillna("") + (", " + place).fillna("")
    records = pd.DataFrame(
        {
            "id": "acled-" + acled_id,
            "title": title,
            "summary": notes.where(notes.str.strip().ne("").fillna(False), title),
            "event_type": category,
            "date_start": start,
            "date_precision": precision,
            "date_phrase": ("ACLED date " + column("event_date").str.strip()).where(~precision.eq("day")),
            "initiator": actor1.fillna(common.UNATTRIBUTED),
            "counterpart": actor2,
            "associated_actors": common.joined_lists(column("assoc_actor_1"), column("assoc_actor_2")),
            "place": place,
            "country": common.country_codes(column("iso_a3"), column("country")),
            "latitude": column("latitude"),
            "longitude": column("longitude"),
            "location_precision": location_precision,
            "killed_best": column("fatalities"),
            "confidence": "reported",
            "tags": common.joined_lists(
                column("tags"),
                column("disorder_type"),
                event_type,
                sub_type,
                column("civilian_targeting"),
            ),
            "notes": common.labelled(
                {
                    "ACLED": acled_id,
                    "interaction": column("interaction"),
                    "source scale": column("source_scale"),
                    "admin1": column("admin1"),
                    "admin2": column("admin2"),
                },
            ),
            "dataset": NAME,
            "dataset_id": acled_id,
            "record_line": frame["record_line"],
        },
        index=frame.index,
    )
    sources = common.named_sources(column("source"), "ACLED event " + acled_id.fillna("?"), notes, start)
    raw = RawFile(name, records, sources, issues=issues)
    raw.problems += common.order_note(name, dates, "event_date")
    return raw
