"""Data exports open with real readers, say what they hold, neutralise formulas and load again."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from dashboard.exports import datafiles
from dashboard.loading.loader import load_events
from dashboard.store.filters import Filters
from tests_support import load_frame

CONTEXT = datafiles.ExportContext("All 20 events", "data/events", datetime(2026, 11, 25, 9, 40, tzinfo=UTC))


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_opens_with_no_options_and_its_description_says_what_it_holds(curated, registries) -> None:
    data = datafiles.data_export("csv", curated, registries, CONTEXT)
    assert data.startswith(b"\xef\xbb\xbfid,title,")  # the header on the first line, after the BOM
    frame = pd.read_csv(io.BytesIO(data))
    assert len(frame) == 20 and frame.columns[0] == "id" and frame["source1_publisher"].notna().all()
    about = json.loads(datafiles.csv_description(CONTEXT, 20, "events.csv"))
    assert about["caption"] == "All 20 events" and about["events"] == 20 and about["file"] == "events.csv"
    assert about["generated"] == "2026-11-25T09:40:00+00:00" and about["data_source"] == "data/events"


@pytest.mark.parametrize("payload", ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)"])
def test_csv_neutralises_spreadsheet_formulas(registries, tmp_path: Path, payload: str) -> None:
    frame = load_frame(tmp_path, registries, title=payload + " title", sources=[{"publisher": payload, "title": "t"}])
    row = csv_rows(datafiles.data_export("csv", frame, registries, CONTEXT))[0]
    for column in ("title", "source1_publisher"):
        assert row[column].startswith("'"), row[column]
        assert row[column][1:].lstrip().startswith(payload.strip()[:2])


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+2", "'=1+2"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), (-73.968, -73.968), (None, None)],
)
def test_neutralise_formula(value: object, expected: object) -> None:
    assert datafiles.neutralise_formula(value) == expected


def test_csv_keeps_negative_numbers_as_numbers(registries, tmp_path: Path) -> None:
    frame = load_frame(
        tmp_path, registries, location={"place": "UN HQ", "lat": 40.749, "lon": -73.968, "precision": "exact"}
    )
    assert csv_rows(datafiles.data_export("csv", frame, registries, CONTEXT))[0]["longitude"] == "-73.968"


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_csv_and_json_exports_load_again_unchanged(curated, registries, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"events.{fmt}"
    path.write_bytes(datafiles.data_export(fmt, curated, registries, CONTEXT))
    reloaded = load_events([path], registries)
    assert reloaded.problems == [] and reloaded.loaded == len(curated)
    left = curated.drop(columns=["record_file", "record_line"]).reset_index(drop=True).astype(str)
    right = reloaded.events.drop(columns=["record_file", "record_line"]).reset_index(drop=True).astype(str)
    assert left.equals(right)


def test_a_csv_export_of_an_earlier_version_with_comment_lines_still_loads(curated, registries, tmp_path: Path) -> None:
    data = datafiles.data_export("csv", curated, registries, CONTEXT).decode("utf-8-sig")
    earlier = "# Conflict Event Dashboard export: All 20 events\n# Generated 2026-11-25 09:40 UTC from data/events\n"
    path = tmp_path / "events.csv"
    path.write_text("\ufeff" + earlier + data, encoding="utf-8")
    reloaded = load_events([path], registries)
    assert reloaded.problems == [] and reloaded.loaded == len(curated)


def test_geojson_has_one_point_per_event_with_sources(curated, registries) -> None:
    collection = json.loads(datafiles.data_export("geojson", curated, registries, CONTEXT))
    assert collection["type"] == "FeatureCollection" and collection["caption"] == "All 20 events"
    assert collection["generated"].startswith("2026-11-25T09:40")
    points = [feature for feature in collection["features"] if feature["geometry"]["type"] == "Point"]
    assert len(points) == len(curated)
    karachev = next(
        feature for feature in collection["features"] if feature["id"] == "2024-10-09-karachev-depot-strike"
    )
    assert karachev["geometry"] == {"type": "Point", "coordinates": [34.9498, 53.1424]}
    assert len(karachev["properties"]["sources"]) == 4
    assert karachev["properties"]["claimed_distance_km"] == pytest.approx(112.65, abs=0.01)


def test_kml_opens_as_xml_with_one_placemark_per_event(curated, registries) -> None:
    root = ET.fromstring(datafiles.data_export("kml", curated, registries, CONTEXT))
    ns = {"k": datafiles.KML_NS}
    placemarks = root.findall(".//k:Placemark[k:Point]", ns)
    assert len(placemarks) == len(curated)
    assert root.find("k:Document/k:name", ns).text.endswith("All 20 events")
    karachev = root.find(".//k:Placemark[@id='2024-10-09-karachev-depot-strike']", ns)
    assert karachev.find("k:Point/k:coordinates", ns).text == "34.9498,53.1424,0"
    assert "Sources:" in karachev.find("k:description", ns).text
    assert karachev.find("k:TimeSpan/k:begin", ns).text == "2024-10-09"


def test_routes_leave_as_lines_from_origin_to_destination(curated, registries) -> None:
    routed = curated[curated["origin_latitude"].notna() & curated["destination_latitude"].notna()]
    assert len(routed) >= 5
    collection = json.loads(datafiles.data_export("geojson", curated, registries, CONTEXT))
    lines = {feature["properties"]["id"]: feature for feature in collection["features"] if "route" in feature["id"]}
    assert sorted(lines) == sorted(routed["id"])
    for event in routed.itertuples():
        line = lines[event.id]
        assert line["geometry"]["type"] == "LineString" and line["properties"]["feature"] == "route"
        first, *_, last = line["geometry"]["coordinates"]
        assert first == pytest.approx([event.origin_longitude, event.origin_latitude])  # the direction: from
        assert last == pytest.approx([event.destination_longitude, event.destination_latitude])  # ... to
    tehran = lines["2024-09-10-iran-fath-360-deliveries-confirmed"]
    assert (tehran["properties"]["from"], tehran["properties"]["to"]) == ("Tehran", "Moscow")
    assert len(tehran["geometry"]["coordinates"]) > 20  # along the geodesic, not a straight chord
    root = ET.fromstring(datafiles.data_export("kml", curated, registries, CONTEXT))
    ns = {"k": datafiles.KML_NS}
    kml_lines = root.findall(".//k:Placemark[k:LineString]", ns)
    assert len(kml_lines) == len(routed)
    line = root.find(".//k:Placemark[@id='2024-09-10-iran-fath-360-deliveries-confirmed-route']", ns)
    assert "Tehran → Moscow" in line.find("k:name", ns).text
    assert line.find("k:LineString/k:tessellate", ns).text == "1"
    assert line.find("k:LineString/k:coordinates", ns).text.startswith("51.4215,35.6944,0 ")


def test_a_route_across_the_antimeridian_is_split_there() -> None:
    geometry = datafiles._route_geometry([[170.0, 60.0], [179.0, 61.0], [-179.0, 61.5], [-170.0, 62.0]])
    assert geometry["type"] == "MultiLineString"
    (*_, end), (start, *_) = geometry["coordinates"]
    assert end == [180.0, 61.25] and start == [-180.0, 61.25]


def test_an_event_without_a_place_leaves_without_a_geometry(registries, tmp_path: Path) -> None:
    frame = load_frame(tmp_path, registries, location={"precision": "country", "country": "RUS"})
    text = datafiles.data_export("geojson", frame, registries, CONTEXT).decode()
    assert "NaN" not in text
    (feature,) = json.loads(text)["features"]
    assert feature["geometry"] is None
    root = ET.fromstring(datafiles.data_export("kml", frame, registries, CONTEXT))
    placemark = root.find(f".//{{{datafiles.KML_NS}}}Placemark")
    assert placemark is not None and placemark.find(f"{{{datafiles.KML_NS}}}Point") is None


def test_kml_escapes_markup_in_record_text(registries, tmp_path: Path) -> None:
    frame = load_frame(tmp_path, registries, title="<b>&bold</b>")
    root = ET.fromstring(datafiles.data_export("kml", frame, registries, CONTEXT))
    assert root.find(f".//{{{datafiles.KML_NS}}}Placemark/{{{datafiles.KML_NS}}}name").text == "<b>&bold</b>"


def test_json_says_what_it_holds(curated, registries) -> None:
    document = json.loads(datafiles.data_export("json", curated, registries, CONTEXT))
    assert (document["caption"], document["count"], len(document["events"])) == ("All 20 events", 20, 20)


@pytest.mark.parametrize(
    ("filters", "name"),
    [
        (Filters(date_from=date(2024, 6, 1), date_to=date(2024, 10, 31)), "timeline_2024-06-01_2024-10-31.png"),
        (Filters(), "timeline_2023-09-07_2024-10-13.png"),
    ],
)
def test_file_names_say_what_they_hold(curated, filters: Filters, name: str) -> None:
    bounds = (curated["date_start"].min(), curated["date_span_end"].max())
    assert datafiles.file_name("timeline", bounds, filters, "png") == name
    assert datafiles.file_name("timeline", None, Filters(), "png") == "timeline.png"


@pytest.mark.parametrize("fmt", list(datafiles.DATA_FORMATS))
@pytest.mark.parametrize("filters", [Filters(), Filters(actors=("iran",)), Filters(text="no-such-word")])
def test_an_export_read_a_batch_at_a_time_is_the_same_file(curated, registries, fmt: str, filters: Filters) -> None:
    """Exports of any size read the engine in batches; the file is byte for byte the one made in memory."""
    from dashboard.store.engine import store_from_frame
    from dashboard.store.selection import Selection

    selection = Selection.of(store_from_frame(curated, registries), filters)
    in_memory = datafiles.data_export(fmt, selection.rows(), registries, CONTEXT)
    batches = selection.batches(size=3)  # 20 events: 7 batches, the last one short
    pieces = datafiles.export_chunks(fmt, batches, selection.count, selection.most_sources, registries, CONTEXT)
    assert b"".join(pieces) == in_memory
    if fmt == "csv":
        assert len(csv_rows(in_memory)) == selection.count


def test_batches_hold_every_event_once_in_order(curated, registries) -> None:
    from dashboard.store import queries
    from dashboard.store.engine import store_from_frame
    from dashboard.store.selection import Selection

    selection = Selection.of(store_from_frame(curated, registries), Filters())
    expected = list(selection.rows()["id"])
    streamed = []
    for batch in selection.batches(size=4):  # DuckDB: one query read as it comes, on its own cursor
        streamed += list(batch["id"])
        assert queries.count(selection.table) == 20  # other queries still run meanwhile
    paged = [event_id for batch in queries._paged(selection.table, registries, 4) for event_id in batch["id"]]
    assert streamed == paged == expected  # the paged form, for Spark, gives the same rows in the same order
    assert len(expected) == len(set(expected)) == 20
