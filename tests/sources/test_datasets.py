"""Datasets analysts already have load as downloaded: ACLED exports of every era and their re-saved quirks.

The fixture files are written from the ACLED codebook with invented rows (ACLED's terms forbid redistributing
its data).
"""

from __future__ import annotations

import bz2
import shutil
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pandas as pd
import pytest

from dashboard.exports import datafiles
from dashboard.loading.loader import load_events
from dashboard.model.problems import Severity
from dashboard.model.registries import load_registries
from dashboard.sources.datapaths import data_paths, read_as
from dashboard.sources.datasets.common import joined_lists, labelled
from dashboard.sources.datasets.dates import month_start, parse_dates, shift_days, year_start
from tests_support import FIXTURES

DATASETS = FIXTURES / "datasets"
CONTEXT = datafiles.ExportContext("All", "datasets")


def loaded(*names: str, registries=None):
    return load_events([DATASETS / name for name in names], registries)


def errors(result) -> list[str]:
    return [str(problem) for problem in result.problems if problem.severity is Severity.ERROR]


def test_a_current_acled_export_loads_as_downloaded(registries) -> None:
    result = loaded("acled_current.csv", registries=registries)
    assert (result.read, result.loaded, result.rejected) == (7, 7, 0)
    assert not errors(result) and not [p for p in result.problems if "unknown column" in p.message]
    events = result.events.set_index("dataset_id")
    strike = events.loc["UKR90001"]
    assert strike["id"] == "acled-UKR90001" and strike["dataset"] == "acled"
    assert strike["event_type"] == "shelling" and strike["initiator"] == "russia"
    assert strike["counterpart"] == "Civilians (Ukraine)"  # kept under its own name: a dataset actor
    assert strike["killed_best"] == 2 and strike["country"] == "UKR" and strike["location_precision"] == "city"
    assert [source.publisher for source in strike["sources"]] == ["Ukrainska Pravda", "Suspilne"]
    assert strike["sources"][0].title == "ACLED event UKR90001" and "shelled" in strike["sources"][0].quote
    assert "Shelling/artillery/missile attack" in strike["tags"]
    # the categories and actor names go through the editable mapping files
    assert events.loc["UKR90002", "event_type"] == "air_drone_strike"
    assert events.loc["UKR90002", "initiator"] == "russia"  # "Military Forces of Russia (2000-) Air Force"
    assert events.loc["UKR90003", "associated_actors"] == ("north_korea",)
    assert events.loc["UKR90006", "event_type"] == "diplomatic"


def test_acled_precision_codes_become_date_spans_and_place_precision(registries) -> None:
    events = loaded("acled_current.csv", registries=registries).events.set_index("dataset_id")
    week, month = events.loc["UKR90002"], events.loc["UKR90003"]
    # time_precision 2: ACLED records the middle of the week; 3: the middle of the month
    assert (week["date_precision"], f"{week['date_start']:%Y-%m-%d}", f"{week['date_span_end']:%Y-%m-%d}") == (
        "week",
        "2024-05-15",
        "2024-05-21",
    )
    assert (month["date_precision"], f"{month['date_start']:%Y-%m-%d}", f"{month['date_span_end']:%Y-%m-%d}") == (
        "month",
        "2024-05-01",
        "2024-05-31",
    )
    assert (week["location_precision"], month["location_precision"]) == ("near", "region")


@pytest.mark.parametrize("name", ["acled_2019_layout.csv", "acled_2018_layout.csv"])
def test_older_acled_layouts_and_event_types_load(registries, name: str) -> None:
    result = loaded(name, registries=registries)
    assert result.rejected == 0 and not errors(result)
    assert set(result.events["event_type"]) <= {"shelling", "protest", "battle"}


def test_old_acled_event_types_map_to_types(registries) -> None:
    events = loaded("acled_2018_layout.csv", registries=registries).events.set_index("dataset_id")
    assert events["event_type"].to_dict() == {"UKR70001": "shelling", "UKR70002": "protest", "UKR70003": "battle"}
    assert f"{events.loc['UKR70001', 'date_start']:%Y-%m-%d}" == "2018-02-16"  # written 16-Feb-18


def test_reordered_columns_extras_and_bad_rows_cost_only_those_rows(registries) -> None:
    result = loaded("acled_reordered_extra_bad.csv", registries=registries)
    assert result.read == result.loaded + result.rejected == 8
    assert result.loaded == 4
    messages = {problem.line: (problem.field, problem.message) for problem in result.problems if problem.line}
    assert messages[6] == ("latitude", "not a number")
    assert messages[7] == ("date", "ACLED event_date is empty")
    assert messages[8][0] == "id" and "duplicate id" in messages[8][1]
    assert "time_precision must be one of" in messages[9][1]
    assert messages[10] == ("country", "not a country of data/registries/countries.csv: left empty")  # at sea
    at_sea = result.events.set_index("dataset_id").loc["UKR90013"]
    assert pd.isna(at_sea["country"]) and at_sea["latitude"] == 44.5


def test_a_windows_1252_re_save_with_day_first_dates_loads(registries) -> None:
    result = loaded("acled_windows1252_dayfirst.csv", registries=registries)
    assert result.rejected == 0
    warnings = [problem.message for problem in result.problems]
    assert any("read as Windows-1252" in message for message in warnings)
    assert any("read day-first" in message for message in warnings)
    first = result.events.set_index("dataset_id").loc["UKR90001"]
    assert first["place"] == "Kharkiv – Saltivka" and "Saltivka’s" in first["summary"]
    assert f"{first['date_start']:%Y-%m-%d}" == "2024-05-16"


def test_month_first_dates_with_am_pm_load(registries) -> None:
    events = loaded("acled_us_dates.csv", registries=registries).events.set_index("dataset_id")
    assert f"{events.loc['UKR90001', 'date_start']:%Y-%m-%d}" == "2024-05-16"


def test_ambiguous_dates_are_settled_by_the_notes(registries) -> None:
    result = loaded("acled_ambiguous_settled_by_notes.csv", registries=registries)
    assert result.rejected == 0
    dates = result.events.set_index("dataset_id")["date_start"].dt.strftime("%Y-%m-%d").to_dict()
    assert dates == {"UKR90001": "2024-06-05", "UKR90002": "2024-06-04"}  # the second known to the week
    assert any("date written in the notes" in problem.message for problem in result.problems)


def test_ambiguous_dates_nothing_settles_are_refused_naming_the_option(registries, tmp_path: Path) -> None:
    result = loaded("acled_ambiguous_unsettled.csv", registries=registries)
    assert result.loaded == 0 and result.rejected == 2
    assert all("dmy:PATH or mdy:PATH" in message for message in errors(result))
    copy = shutil.copy(DATASETS / "acled_ambiguous_unsettled.csv", tmp_path / "unsettled.csv")
    [path] = data_paths([f"acled:mdy:{copy}"])
    assert path == Path(copy) and str(read_as(path)) == "acled:mdy"
    named = load_events([path], registries)
    assert named.rejected == 0
    assert named.events["date_start"].dt.strftime("%Y-%m-%d").tolist() == ["2024-05-06", "2024-07-03"]


def test_an_upload_time_settles_dates_the_event_cannot_follow() -> None:
    dates = parse_dates(
        pd.Series(["05/06/2024", "07/08/2024"]),
        known=[("not-before", pd.Series(["2024-05-10", "2024-07-10"]), "upload time")],
    )
    assert dates.iso.tolist() == ["2024-05-06", "2024-07-08"] and dates.order == "mdy"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024-05-16", "2024-05-16"),
        ("16 May 2024", "2024-05-16"),
        ("16/05/2024 00:00:00", "2024-05-16"),
        ("5/16/2024 12:00:00 AM", "2024-05-16"),
        ("05/16/2024 00:00", "2024-05-16"),
        ("16-Feb-19", "2019-02-16"),
        ("2024-05-16 00:00:00.000", "2024-05-16"),
        ("20240516", "2024-05-16"),
    ],
)
def test_dates_written_many_ways(text: str, iso: str) -> None:
    assert parse_dates(pd.Series([text])).iso.tolist() == [iso]


def test_a_dataset_actor_is_kept_but_an_unknown_curated_actor_is_still_an_error(registries, tmp_path: Path) -> None:
    path = tmp_path / "curated.csv"
    frame = datafiles.flat_frame(loaded("acled_current.csv", registries=registries).events.head(1))
    frame["dataset"] = None  # the same row as a curated record: "Civilians (Ukraine)" is not in the registry
    path.write_text(frame.to_csv(index=False), encoding="utf-8")
    result = load_events([path], registries)
    assert result.rejected == 1 and any("unknown actor" in message for message in errors(result))


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_imported_event_exported_loads_back_unchanged(registries, tmp_path: Path, fmt: str) -> None:
    events = loaded("acled_current.csv", "acled_2018_layout.csv", registries=registries).events
    path = tmp_path / f"events.{fmt}"
    path.write_bytes(datafiles.data_export(fmt, events, registries, CONTEXT))
    again = load_events([path], registries)
    assert again.rejected == 0, errors(again)
    compared = [column for column in events.columns if column not in ("record_file", "record_line")]
    pd.testing.assert_frame_equal(
        again.events[compared].reset_index(drop=True), events[compared].reset_index(drop=True), check_categorical=False
    )


def test_a_ucdp_ged_file_loads_with_its_precision_deaths_and_sources(registries) -> None:
    result = loaded("ucdp_ged.csv", registries=registries)
    assert result.read == result.loaded + result.rejected == 5
    [unmapped] = errors(result)  # type_of_violence 9 is not in the codebook
    assert ":6:" in unmapped and "UCDP category '9' not mapped" in unmapped
    events = result.events.set_index("dataset_id")
    clash = events.loc["900001"]
    assert (clash["event_type"], clash["initiator"], clash["counterpart"]) == ("battle", "russia", "ukraine")
    assert (clash["killed_low"], clash["killed_best"], clash["killed_high"]) == (2, 2, 3)
    assert clash["location_precision"] == "exact" and clash["confidence"] == "reported"
    assert clash["sources"][0].publisher == "Reuters" and clash["sources"][0].published == "2024-05-17"
    review = events.loc["900002"]  # a Candidate event under review, known to the month, placed in a province
    assert (review["date_precision"], review["location_precision"], review["confidence"]) == (
        "month",
        "region",
        "unverified",
    )
    assert f"{review['date_start']:%Y-%m-%d}" == "2024-05-01"
    span = events.loc["900003"]  # date_prec 2: two to six days, from date_start to date_end
    assert f"{span['date_start']:%Y-%m-%d} {span['date_span_end']:%Y-%m-%d}" == "2024-05-20 2024-05-23"
    assert span["event_type"] == "violence_against_civilians" and span["counterpart"] == "Civilians"
    assert events.loc["900004", "location_precision"] == "region"  # where_prec 7: at sea


def test_gdelt_2_event_file_loads_and_a_short_row_costs_only_itself(registries) -> None:
    result = loaded("gdelt_v2.export.CSV", registries=registries)
    assert (result.read, result.loaded, result.rejected) == (4, 3, 1)
    [problem] = [problem for problem in result.problems if problem.severity is Severity.ERROR]
    assert problem.line == 4 and "3 fields instead of 61" in problem.message
    events = result.events.set_index("dataset_id")
    fight = events.loc["1190000001"]
    assert (fight["event_type"], fight["initiator"], fight["counterpart"]) == ("battle", "russia", "ukraine")
    assert fight["confidence"] == "unverified" and fight["location_precision"] == "city"
    assert fight["sources"][0].url == "https://www.example.org/news/kharkiv-shelling"
    assert fight["sources"][0].published == "2024-05-16"
    unplaced = events.loc["1190000003"]  # GDELT found no place: the event loads, off the map
    assert pd.isna(unplaced["latitude"]) and unplaced["event_type"] == "protest"
    assert events.loc["1190000002", "event_type"] == "diplomatic"  # CAMEO 04, consult


def test_a_zipped_gdelt_1_daily_file_loads_as_downloaded(registries) -> None:
    result = loaded("20240516.export.CSV.zip", registries=registries)
    assert (result.read, result.loaded, result.rejected) == (3, 3, 0)
    assert set(result.events["dataset"]) == {"gdelt"}


def test_a_zip_that_unpacks_past_the_limit_is_refused_before_unpacking(tmp_path: Path, monkeypatch) -> None:
    import zipfile

    from dashboard.sources import readers

    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.CSV", b"\t" * 2_000_000)  # 2 MB of tabs zips to a few kilobytes
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 1_000_000)
    result = load_events([path])
    assert result.loaded == 0 and "over the limit" in errors(result)[0]
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("a.CSV", "x")
        archive.writestr("b.CSV", "y")
    assert "zip holds 2 files" in errors(load_events([two]))[0]


def deflated_zeros(mebibytes: int) -> bytes:
    """Raw Deflate data of ``mebibytes`` MiB of zeros, made in milliseconds: each MiB packed after a full flush
    packs to the same bytes, so one is repeated."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    middle = packer.compress(bytes(1 << 20)) + packer.flush(zlib.Z_FULL_FLUSH)
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return middle * (mebibytes - 1) + packer.compress(bytes(1 << 20)) + packer.flush()


def zip_declaring(name: str, method: int, packed: bytes, size: int, checksum: int) -> bytes:
    """A zip of one file whose local header and central directory both declare ``size`` and ``checksum``,
    whatever ``packed`` unpacks to."""
    encoded = name.encode()
    sizes = (checksum, len(packed), size, len(encoded))
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, method, 0, 0, *sizes, 0) + encoded
    central = struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, method, 0, 0, *sizes, 0, 0, 0, 0, 0, 0)
    directory = central + encoded
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 1, 1, len(directory), len(local) + len(packed), 0)
    return local + packed + directory + end


def test_a_zip_whose_headers_understate_its_size_is_refused_without_unpacking_it(tmp_path: Path, monkeypatch) -> None:
    from dashboard.sources import readers

    limit = 2 << 20
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", limit)
    # 256 MiB of zeros declared as 1,000 bytes (with the checksum of 1,000 zeros): packed with Deflate as GDELT
    # packs its files, and with bzip2, whose few hundred bytes can unpack to gigabytes in one step
    lying = tmp_path / "20240517.export.CSV.zip"
    lying.write_bytes(
        zip_declaring(lying.name[:-4], zipfile.ZIP_DEFLATED, deflated_zeros(256), 1000, zlib.crc32(bytes(1000)))
    )
    lying_bzip2 = tmp_path / "20240518.export.CSV.zip"
    packed = bz2.compress(bytes(16 << 20))
    lying_bzip2.write_bytes(
        zip_declaring("20240518.export.CSV", zipfile.ZIP_BZIP2, packed, 1000, zlib.crc32(bytes(1000)))
    )
    honest = tmp_path / "20240519.export.CSV.zip"  # says truly that it unpacks past the limit
    honest.write_bytes(zip_declaring("20240519.export.CSV", zipfile.ZIP_DEFLATED, deflated_zeros(64), 64 << 20, 0))
    shutil.copy(DATASETS / "20240516.export.CSV.zip", tmp_path)
    tracemalloc.start()
    try:
        result = load_events([tmp_path])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * limit  # nothing near the 256 MiB, nor even the limit, was unpacked
    by_file = {
        Path(problem.file).name: problem.message for problem in result.problems if problem.severity is Severity.ERROR
    }
    declared = "unpacks to more than the 1,000 bytes the zip's header declares"
    assert declared in by_file[lying.name] and declared in by_file[lying_bzip2.name]
    assert "20240519.export.CSV" in by_file[honest.name] and "over the limit of 2 MB" in by_file[honest.name]
    assert len(by_file) == 3
    assert (result.read, result.loaded, result.rejected) == (3, 3, 0)  # the other GDELT file loads


def test_a_timemap_download_loads_with_string_coordinates_and_events_without_place_or_sources(registries) -> None:
    result = loaded("timemap_download.json", registries=registries)
    assert (result.read, result.loaded, result.rejected) == (4, 3, 1)
    [bad] = errors(result)
    assert "timemap-CIV9004" in bad and "latitude" in bad
    assert any("read month-first" in problem.message for problem in result.problems)
    events = result.events.set_index("dataset_id")
    hit = events.loc["CIV9001"]
    assert (hit["latitude"], hit["event_type"], f"{hit['date_start']:%Y-%m-%d}") == (49.9935, "strike", "2024-05-16")
    assert hit["sources"][0].url == "https://www.example.org/post/1" and hit["sources"][1].url is None  # HIDDEN
    assert "Weapon System: Ballistic missile" in hit["tags"] and hit["initiator"] == "Unattributed"
    assert events.loc["CIV9002", "longitude"] == 30.5234  # written with a decimal comma
    assert events.loc["CIV9002", "event_type"] == "air_drone_strike"
    nowhere = events.loc["CIV9003"]  # no place, no sources: still loads, off the map
    assert pd.isna(nowhere["latitude"]) and nowhere["sources"][0].publisher == "TimeMap"


def test_timemap_raw_events_with_source_and_association_ids_load(registries) -> None:
    [event] = loaded("timemap_deeprows.json", registries=registries).events.to_dict("records")
    assert event["id"] == "timemap-CIV9101" and event["date_phrase"] == "at 14:30"
    assert {"association asc1", "graphic"} <= set(event["tags"])


def test_export_command_filters_by_a_dataset_actor(tmp_path: Path) -> None:
    from dashboard.cli import main

    out = tmp_path / "civilians.csv"
    data = str(DATASETS / "acled_current.csv")
    assert main(["export", "--format", "csv", "--data", data, "--actor", "Civilians (Ukraine)", "--out", str(out)]) == 0
    again = load_events([out])
    assert sorted(again.events["dataset_id"]) == ["UKR90001", "UKR90007"] and again.rejected == 0


def test_possible_duplicates_across_datasets_follow_type_dates_and_location_precision(registries) -> None:
    from dashboard.store.engine import store_from_frame
    from dashboard.store.filters import Filters
    from dashboard.store.selection import Selection

    files = ["acled_current.csv", "ucdp_ged.csv", "20240516.export.CSV.zip", "timemap_download.json"]
    events = loaded(*files, registries=registries).events
    everything = Selection.of(store_from_frame(events, registries), Filters())
    pairs = everything.possible_duplicates
    found = {(row.id, row.other_id) for row in pairs.itertuples()}
    # GDELT's fight in Kharkiv (a city point) and UCDP's exact clash 2 km away, on the same day
    assert ("gdelt-1190000001", "ucdp-900001") in found
    # ACLED's clash known to the month in a region, and UCDP's month in the province 56 km away
    assert ("acled-UKR90003", "ucdp-900002") in found
    # ACLED's shelling and UCDP's battle in Kharkiv on one day are different types: not paired
    assert not {pair for pair in found if "acled-UKR90001" in pair}
    assert all(row.dataset != row.other_dataset for row in pairs.itertuples())
    assert everything.duplicates_of("ucdp-900001") == [("gdelt-1190000001", "gdelt", 2.1)]


DATASET_FILES = [
    "acled_current.csv",
    "ucdp_ged.csv",
    "gdelt_v2.export.CSV",
    "timemap_download.json",
]
DEEP = b"[" * 5000 + b"]" * 5000
DAMAGE = {
    "cut in the middle": lambda data: data[: len(data) // 2],
    "NUL bytes": lambda data: data.replace(b",", b",\x00", 3),
    "bytes that are not text": lambda data: data[:200] + b"\xff\xfe\xfa\x80" + data[200:],
    "control characters and markup": lambda data: data.replace(b"Kharkiv", b"<script>\x1b[31m=HYPERLINK()\x07", 2),
    "a huge field": lambda data: data.replace(b"Kyiv", b"K" * 300_000, 1),
    "only the first line": lambda data: data.split(b"\n", 1)[0],
    "deep nesting": lambda data: data.replace(b'"description"', b'"x": ' + DEEP + b', "description"', 1),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("name", DATASET_FILES)
def test_a_damaged_dataset_file_is_reported_never_a_crash(registries, tmp_path: Path, name: str, damage: str) -> None:
    path = tmp_path / name
    path.write_bytes(DAMAGE[damage]((DATASETS / name).read_bytes()))
    result = load_events([path], registries)
    assert result.read == result.loaded + result.rejected
    for problem in result.problems:
        assert problem.file.endswith(name) and problem.message
    events = result.events
    if not events.empty:
        assert events["dataset"].notna().all() and events["id"].str.fullmatch(r"[A-Za-z0-9._-]+").all()


def test_list_and_note_columns_keep_every_row_whatever_is_missing() -> None:
    # Arrow's own null-skipping join returns fewer rows than it is given; these must not.
    chunked = pd.Series(pd.array(["a", None, " b ", None, ""], dtype="str"))
    nothing = pd.Series([None] * 5, dtype=object)
    assert joined_lists(chunked, nothing).tolist() == ["a", "", "b", "", ""]
    assert joined_lists(nothing, nothing).tolist() == [""] * 5
    assert joined_lists(chunked, chunked).tolist() == ["a; a", "", "b; b", "", ""]
    notes = labelled({"ACLED": chunked, "admin1": pd.Series(["K", None, None, "L", None])})
    assert notes.fillna("-").tolist() == ["ACLED: a; admin1: K", "-", "ACLED: b", "admin1: L", "-"]


def test_dataset_dates_move_to_the_start_of_their_week_month_and_year() -> None:
    iso = pd.Series(["2024-05-16", None, "2024-03-02", "2024-02-29"], index=[4, 5, 6, 7])
    assert shift_days(iso, -3).fillna("-").tolist() == ["2024-05-13", "-", "2024-02-28", "2024-02-26"]
    assert month_start(iso).fillna("-").tolist() == ["2024-05-01", "-", "2024-03-01", "2024-02-01"]
    assert year_start(iso).fillna("-").tolist() == ["2024-01-01", "-", "2024-01-01", "2024-01-01"]
    assert list(shift_days(iso, 1).index) == [4, 5, 6, 7]


def test_plain_iso_dates_outside_the_calendar_are_not_read() -> None:
    values = pd.Series(["2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "2024-02-29"])
    assert parse_dates(values).iso.fillna("-").tolist() == ["-", "-", "-", "-", "2024-02-29"]


def test_a_later_ucdp_candidate_release_replaces_the_earlier_rows_of_the_same_ids() -> None:
    folder = FIXTURES / "datasets" / "ucdp_candidate"  # v24_0_10 revises event 900002 of v24_0_3
    result = load_events([folder])
    by_id = result.events.set_index("id")
    assert sorted(by_id.index) == ["ucdp-900001", "ucdp-900002", "ucdp-900003", "ucdp-900004"]
    assert by_id.loc["ucdp-900002", "killed_best"] == 35  # the revised figure, not the first release's 40
    assert by_id.loc["ucdp-900002", "record_file"].endswith("GEDEvent_v24_0_10.csv")  # release 10 is after 3
    counts = {Path(count.file).name: count for count in result.files}
    earlier = counts["GEDEvent_v24_0_3.csv"]
    assert (earlier.read, earlier.loaded, earlier.rejected, earlier.replaced) == (3, 2, 0, 1)
    assert result.read == result.loaded + result.rejected + result.replaced
    assert result.report.summary() == "5 read, 4 loaded, 0 rejected, 1 replaced by later releases"
    (note,) = [problem for problem in result.problems if "later release" in problem.message]
    assert note.severity is Severity.WARNING and note.file.endswith("GEDEvent_v24_0_3.csv")
    assert "900002" in note.message and "GEDEvent_v24_0_10.csv (1)" in note.message
    assert not result.errors


def test_the_same_id_twice_in_one_ucdp_file_is_still_an_error(tmp_path: Path) -> None:
    source = (FIXTURES / "datasets" / "ucdp_candidate" / "GEDEvent_v24_0_3.csv").read_text(encoding="utf-8")
    path = tmp_path / "GEDEvent_v24_0_4.csv"
    path.write_text(source + source.splitlines()[1] + "\n", encoding="utf-8")
    result = load_events([path])
    assert result.rejected == 1 and result.replaced == 0
    assert any("ucdp-900001" in str(problem.message) or problem.record_id == "ucdp-900001" for problem in result.errors)


def test_gdelt_places_get_their_country_from_the_fips_code() -> None:
    result = load_events([FIXTURES / "datasets" / "gdelt_v2.export.CSV"])
    countries = dict(zip(result.events["place"].astype(str), result.events["country"].astype(str), strict=True))
    assert countries["Kharkiv, Kharkivs'ka Oblast', Ukraine"] == "UKR"  # FIPS UP
    assert countries["Russia"] == "RUS"  # FIPS RS, not ISO RS (Serbia)
    registries = load_registries()
    assert registries.country_code("FIPS KN") == "PRK" and registries.country_code("FIPS KS") == "KOR"
    assert registries.country_code("FIPS IR") == "IRN" and registries.country_code("FIPS ZZ") is None
    assert not registries.problems


def test_a_candidate_file_without_a_header_line_loads_when_named_ucdp(tmp_path: Path) -> None:
    source = FIXTURES / "datasets" / "ucdp_headerless" / "GEDEvent_v24_0_1.csv"
    named = shutil.copy(source, tmp_path / "named.csv")
    result = load_events([f"ucdp:{named}"])
    assert result.report.summary() == "3 read, 3 loaded, 0 rejected"
    assert result.events["record_line"].tolist() == [1, 2, 3]  # the file's own lines: no header above them
    assert result.events["id"].tolist() == ["ucdp-900001", "ucdp-900002", "ucdp-900003"]
    (note,) = result.problems
    assert note.severity is Severity.WARNING and "no header line" in note.message and "ucdp:" in note.message
    unnamed = shutil.copy(source, tmp_path / "unnamed.csv")
    assert load_events([unnamed]).loaded == 0  # not guessed: its first row is taken for a header
