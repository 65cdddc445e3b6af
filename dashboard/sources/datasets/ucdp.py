"""UCDP Georeferenced Event Dataset files (GED, and the monthly GED Candidate files) as downloaded: the
49-column layout, in any column order.

Each row becomes one record; validation maps ``type_of_violence`` and the side names through the registry's
mapping files. What the record keeps:

- ``id`` ``ucdp-<id>``; ``dataset`` ``ucdp`` and ``dataset_id`` the GED id (``relid`` in the notes);
- ``side_a`` as initiator and ``side_b`` as counterpart;
- ``date_prec`` 1 the day; 2 a span of two to six days (from ``date_start`` to ``date_end``); 3 the week;
  4 the month; 5 the year;
- ``where_prec`` 1 ``exact``, 2 ``near`` (within about 25 km), 3 ``city`` (the second-order division),
  4 and 5 ``region``, 6 ``country``, 7 ``region`` (a sea or airspace);
- ``low``, ``best`` and ``high`` as the numbers killed;
- the source (``source_office`` or ``source_original``, ``source_headline``, ``source_date``), with the
  article references quoted;
- ``code_status`` other than ``Clear`` (Candidate events under review) or ``event_clarity`` 2 as confidence
  ``unverified``, else ``reported``.
"""

from __future__ import annotations

import pandas as pd

from dashboard.model.rawfile import SOURCE_COLUMNS, RawFile
from dashboard.sources.datasets import common
from dashboard.sources.datasets.dates import month_start, parse_dates, year_start

NAME = "ucdp"
SIGNATURE = frozenset({"id", "relid", "type_of_violence", "side_a", "side_b", "where_prec", "date_prec", "best"})
# The 49 columns of GED (and Candidate) files, in order: for a Candidate file without a header line, named
# ucdp:PATH (third parties report such files; the header is then taken to be this one).
GED_COLUMNS = (
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_dset_id",
    "conflict_new_id",
    "conflict_name",
    "dyad_dset_id",
    "dyad_new_id",
    "dyad_name",
    "side_a_dset_id",
    "side_a_new_id",
    "side_a",
    "side_b_dset_id",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
    "gwnoa",
    "gwnob",
)

DATE_PRECISIONS = {"1": "day", "2": "day", "3": "week", "4": "month", "5": "year"}
DATE_MEANINGS = {"1": "exact day", "2": "2 to 6 days", "3": "week", "4": "month", "5": "year"}
WHERE_PRECISIONS = {"1": "exact", "2": "near", "3": "city", "4": "region", "5": "region", "6": "country", "7": "region"}
WHERE_MEANINGS = {
    "1": "exact",
    "2": "within about 25 km",
    "3": "second-order division",
    "4": "first-order division",
    "5": "larger part of a country",
    "6": "country",
    "7": "sea or airspace",
}
VIOLENCE = {"1": "State-based conflict", "2": "Non-state conflict", "3": "One-sided violence"}


def matches(columns: list[str]) -> bool:
    return {common.column_key(column) for column in columns} >= SIGNATURE


HEADERLESS_LABEL = "UCDP GED"  # a Candidate file may come without its header line: GED's columns are assumed


def is_headerless(first_line: list[str]) -> bool:
    """Whether a file's first line is a row of GED's 49 columns rather than their names."""
    return len(first_line) == len(GED_COLUMNS) and not matches(first_line)


HEADERLESS_COLUMNS = GED_COLUMNS


def read(frame: pd.DataFrame, name: str, order: str | None = None) -> RawFile:
    """The rows of a GED or GED Candidate file (text columns as read, plus ``record_line``) as flat records."""
    frame = common.keyed_columns(frame, {})
    column = common.column_getter(frame)
    ged_id = column("id")
    start = parse_dates(column("date_start"), order)
    end = parse_dates(column("date_end"), order)
    issues = common.date_issues(start, column("date_start"), "UCDP date_start")
    precision_code = column("date_prec")
    precision = precision_code.map(DATE_PRECISIONS)
    issues += common.code_issues(precision_code, precision, "date", "UCDP date_prec", DATE_MEANINGS)
    first = start.iso.copy()
    first[precision.eq("month")] = month_start(start.iso[precision.eq("month")])
    first[precision.eq("year")] = year_start(start.iso[precision.eq("year")])
    last = end.iso.where(precision.eq("day") & end.iso.ne(start.iso), None)
    where_code = column("where_prec")
    location_precision = where_code.map(WHERE_PRECISIONS)
    issues += common.code_issues(where_code, location_precision, "location", "UCDP where_prec", WHERE_MEANINGS)
    violence = column("type_of_violence").map(VIOLENCE)
    side_a, side_b = column("side_a"), column("side_b")
    place = column("where_coordinates")
    title = violence.fillna("Event") + ": " + side_a.fillna("unknown side") + (" vs " + side_b).fillna("")
    title = title + (", " + place).fillna("")
    deaths = ("; " + column("best") + " killed (" + column("low") + " to " + column("high") + ")").fillna("")
    summary = column("dyad_name").fillna(title) + deaths + (". " + column("where_description")).fillna("")
    status = column("code_status").fillna("Clear")
    clear = status.str.lower().eq("clear") & column("event_clarity").fillna("1").eq("1")
    records = pd.DataFrame(
        {
            "id": "ucdp-" + ged_id,
            "title": title,
            "summary": summary,
            "event_type": column("type_of_violence"),
            "date_start": first,
            "date_end": last,
            "date_precision": precision,
            "initiator": side_a.fillna(common.UNATTRIBUTED),
            "counterpart": side_b,
            "place": place,
            "country": column("country").str.replace(r"\s*\(.*\)\s*$", "", regex=True),  # "Russia (Soviet Union)"
            "latitude": column("latitude"),
            "longitude": column("longitude"),
            "location_precision": location_precision,
            "killed_low": column("low"),
            "killed_best": column("best"),
            "killed_high": column("high"),
            "confidence": clear.map({True: "reported", False: "unverified"}),
            "tags": common.joined_lists(violence.fillna(""), column("conflict_name"), status.where(~clear, "")),
            "notes": common.labelled(
                {
                    "UCDP GED": ged_id,
                    "relid": column("relid"),
                    "code status": status,
                    "dyad": column("dyad_name"),
                    "deaths side a": column("deaths_a"),
                    "deaths side b": column("deaths_b"),
                    "civilian deaths": column("deaths_civilians"),
                    "sources": column("number_of_sources"),
                }
            ),
            "dataset": NAME,
            "dataset_id": ged_id,
            "record_line": frame["record_line"],
        },
        index=frame.index,
    )
    published = parse_dates(column("source_date").str.split(";").str[0]).iso
    sources = pd.DataFrame(
        {
            "row": frame.index,
            "number": 1,
            "publisher": column("source_office").fillna(column("source_original")).fillna("UCDP GED").to_numpy(),
            "title": column("source_headline").fillna("UCDP GED event " + ged_id.fillna("?")).to_numpy(),
            "url": None,
            "published": published.to_numpy(),
            "quote": column("source_article").to_numpy(),
        }
    )[["row", "number", *SOURCE_COLUMNS]]
    return RawFile(name, records, sources, issues=issues)
