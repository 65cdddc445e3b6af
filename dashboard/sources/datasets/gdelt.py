"""GDELT event files as downloaded: 1.0 (57 columns in the historical backfile, 58 with ``SOURCEURL`` in the
daily files) and 2.0 (61 columns), tab-separated without a header, plain or zipped (``20240516.export.CSV.zip``).

GDELT codes events by machine from news reports, so every record is ``unverified``. What the record keeps:

- ``id`` ``gdelt-<GLOBALEVENTID>``; ``dataset`` ``gdelt`` and ``dataset_id`` the GDELT id;
- the type from the CAMEO root code (``EventRootCode``) through ``dataset_event_types.yaml``; the CAMEO code,
  quad class, Goldstein score, tone and article count in the summary and notes;
- ``Actor1Name`` as initiator and ``Actor2Name`` as counterpart (``RUSSIA`` is the registry's Russia; other
  names are kept as dataset actors);
- ``SQLDATE`` as the day;
- ``ActionGeo_CountryCode`` (FIPS 10-4) as the country, written ``FIPS UP`` for validation to map to ISO;
- the action's place (``ActionGeo_*``): ``ActionGeo_Type`` 1 ``country``, 2 and 5 ``region`` (a US state, a
  first-order division elsewhere), 3 and 4 ``city``; no place when GDELT found none;
- ``SOURCEURL`` as the source, published on the day the event was added.
"""

from __future__ import annotations

import pandas as pd

from dashboard.model.rawfile import SOURCE_COLUMNS, RawFile
from dashboard.model.registries import FIPS_PREFIX
from dashboard.sources.datasets import common
from dashboard.sources.datasets.dates import parse_dates

NAME = "gdelt"
_ACTOR = (
    "Code",
    "Name",
    "CountryCode",
    "KnownGroupCode",
    "EthnicCode",
    "Religion1Code",
    "Religion2Code",
    "Type1Code",
    "Type2Code",
    "Type3Code",
)
_EVENT = (
    "IsRootEvent",
    "EventCode",
    "EventBaseCode",
    "EventRootCode",
    "QuadClass",
    "GoldsteinScale",
    "NumMentions",
    "NumSources",
    "NumArticles",
    "AvgTone",
)


def _geo(prefix: str, adm2: bool) -> list[str]:
    names = ["Type", "FullName", "CountryCode", "ADM1Code", *(["ADM2Code"] if adm2 else []), "Lat", "Long", "FeatureID"]
    return [f"{prefix}Geo_{name}" for name in names]


def _columns(adm2: bool) -> list[str]:
    return [
        "GLOBALEVENTID",
        "SQLDATE",
        "MonthYear",
        "Year",
        "FractionDate",
        *(f"Actor1{name}" for name in _ACTOR),
        *(f"Actor2{name}" for name in _ACTOR),
        *_EVENT,
        *_geo("Actor1", adm2),
        *_geo("Actor2", adm2),
        *_geo("Action", adm2),
        "DATEADDED",
    ]


VERSION_1 = _columns(adm2=False)  # 57 columns; the daily files add SOURCEURL
LAYOUTS = {57: VERSION_1, 58: [*VERSION_1, "SOURCEURL"], 61: [*_columns(adm2=True), "SOURCEURL"]}
GEO_PRECISIONS = {"1": "country", "2": "region", "3": "city", "4": "city", "5": "region"}
QUAD_CLASSES = {
    "1": "Verbal cooperation",
    "2": "Material cooperation",
    "3": "Verbal conflict",
    "4": "Material conflict",
}
ROOT_LABELS = {
    "01": "Make public statement",
    "02": "Appeal",
    "03": "Express intent to cooperate",
    "04": "Consult",
    "05": "Engage in diplomatic cooperation",
    "06": "Engage in material cooperation",
    "07": "Provide aid",
    "08": "Yield",
    "09": "Investigate",
    "10": "Demand",
    "11": "Disapprove",
    "12": "Reject",
    "13": "Threaten",
    "14": "Protest",
    "15": "Exhibit force posture",
    "16": "Reduce relations",
    "17": "Coerce",
    "18": "Assault",
    "19": "Fight",
    "20": "Use unconventional mass violence",
}


def layout(first_line: str) -> list[str] | None:
    """The column names of a GDELT event file whose first line this is, or None when it is not one."""
    fields = first_line.rstrip("\r\n").split("\t")
    names = LAYOUTS.get(len(fields))
    if names is None or not fields[0].strip().isdigit() or not fields[1].strip().isdigit():
        return None
    return names if len(fields[1].strip()) == 8 else None  # SQLDATE: YYYYMMDD


def read(frame: pd.DataFrame, name: str, order: str | None = None) -> RawFile:
    """The rows of a GDELT event file (named columns of text, plus ``record_line``) as flat records."""
    column = common.column_getter(frame)
    gdelt_id = column("GLOBALEVENTID")
    day = parse_dates(column("SQLDATE"))
    issues = common.date_issues(day, column("SQLDATE"), "GDELT SQLDATE")
    root = column("EventRootCode").str.zfill(2)
    what = root.map(ROOT_LABELS).fillna("Event")
    actor1, actor2 = column("Actor1Name"), column("Actor2Name")
    geo_type = column("ActionGeo_Type")
    located = geo_type.isin(list(GEO_PRECISIONS))
    place = column("ActionGeo_FullName").where(located)
    title = what + ": " + actor1.fillna("unnamed actor") + (" and " + actor2).fillna("") + (", " + place).fillna("")
    summary = (
        title
        + " (CAMEO "
        + column("EventCode").fillna("?")
        + "; Goldstein "
        + column("GoldsteinScale").fillna("?")
        + "; "
        + column("NumArticles").fillna("?")
        + " articles, average tone "
        + column("AvgTone").fillna("?")
        + ")"
    )
    added = parse_dates(column("DATEADDED").str.slice(0, 8)).iso
    records = pd.DataFrame(
        {
            "id": "gdelt-" + gdelt_id,
            "title": title,
            "summary": summary,
            "event_type": root,
            "date_start": day.iso,
            "date_precision": "day",
            "initiator": actor1.fillna(common.UNATTRIBUTED),
            "counterpart": actor2,
            "place": place,
            "country": (FIPS_PREFIX + column("ActionGeo_CountryCode")),  # validation maps FIPS 10-4 to ISO
            "latitude": column("ActionGeo_Lat").where(located),
            "longitude": column("ActionGeo_Long").where(located),
            "location_precision": geo_type.map(GEO_PRECISIONS).fillna("country"),
            "confidence": "unverified",
            "tags": common.joined_lists(
                column("QuadClass").map(QUAD_CLASSES).fillna(""), ("CAMEO " + column("EventCode")).fillna("")
            ),
            "notes": common.labelled(
                {
                    "GDELT": gdelt_id,
                    "CAMEO": column("EventCode"),
                    "root event": column("IsRootEvent"),
                    "mentions": column("NumMentions"),
                    "sources": column("NumSources"),
                    "actor 1 code": column("Actor1Code"),
                    "actor 2 code": column("Actor2Code"),
                    "place (FIPS)": column("ActionGeo_CountryCode"),
                }
            ),
            "dataset": NAME,
            "dataset_id": gdelt_id,
            "record_line": frame["record_line"],
        },
        index=frame.index,
    )
    url = column("SOURCEURL")
    has_url = url.notna()
    sources = pd.DataFrame(
        {
            "row": frame.index[has_url],
            "number": 1,
            "publisher": url[has_url].str.extract(r"^[a-z]+://(?:www\.)?([^/:?#]+)", expand=False).fillna("GDELT"),
            "title": ("GDELT event " + gdelt_id[has_url].fillna("?")).to_numpy(),
            "url": url[has_url].to_numpy(),
            "published": added[has_url].to_numpy(),
            "quote": None,
        }
    )[["row", "number", *SOURCE_COLUMNS]]
    if (~has_url).any():  # the historical backfile has no SOURCEURL: GDELT itself is the source
        backfile = pd.DataFrame(
            {
                "row": frame.index[~has_url],
                "number": 1,
                "publisher": "GDELT",
                "title": ("GDELT event " + gdelt_id[~has_url].fillna("?")).to_numpy(),
                "url": None,
                "published": added[~has_url].to_numpy(),
                "quote": None,
            }
        )[["row", "number", *SOURCE_COLUMNS]]
        sources = pd.concat([sources, backfile], ignore_index=True)
    return RawFile(name, common.as_read(records), common.as_read_sources(sources), issues=issues)
