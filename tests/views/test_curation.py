"""The Curate page's form model: every schema field on the form, records through the form and back unchanged,
and the placing map's grid."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from dashboard.model.schema import FIELDS
from dashboard.views import curation

REPO = Path(__file__).resolve().parents[2]
RECORDS = [
    record for path in sorted((REPO / "data" / "events").glob("*.yaml")) for record in yaml.safe_load(path.read_text())
]


def _plain(node: object) -> object:
    if isinstance(node, dict):
        return {key: _plain(value) for key, value in node.items() if value not in (None, "", [])}
    if isinstance(node, list):
        return [_plain(value) for value in node]
    return node.isoformat() if isinstance(node, date) else node


def test_every_field_a_curator_writes_is_on_the_form_once() -> None:
    shown = [field.name for section in curation.form_sections() for field in section.fields]
    assert sorted(shown) == sorted(field.name for field in FIELDS if field.name not in curation.DATASET_FIELDS)
    assert [section.title for section in curation.form_sections()][:4] == ["Event", "Date", "Actors", "Place"]


@pytest.mark.parametrize("record", RECORDS, ids=[record["id"] for record in RECORDS])
def test_a_curated_record_goes_through_the_form_unchanged(record: dict) -> None:
    values = curation.form_values(record)
    assert _plain(curation.record_from_values(values)) == _plain(record)
    assert curation.unknown_keys(record) == []


def test_empty_values_are_left_out_and_text_is_trimmed() -> None:
    values = {
        "id": " x-1 ",
        "title": "T",
        "summary": "",
        "associated_actors": ["iran", "", None],
        "latitude": None,
        "sources": [{"publisher": " AP ", "title": "A", "url": None}, {"publisher": None, "title": "  "}],
        "tags": [],
    }
    assert curation.record_from_values(values) == {
        "id": "x-1",
        "title": "T",
        "actors": {"associated": ["iran"]},
        "sources": [{"publisher": "AP", "title": "A"}],
    }


def test_keys_the_schema_does_not_know_are_named() -> None:
    record = {"id": "x", "date": {"start": "2024-01-01", "when": "dawn"}, "colour": "red"}
    assert curation.unknown_keys(record) == ["date.when", "colour"]


def test_a_new_record_starts_today_with_one_empty_source() -> None:
    values = curation.new_record_values(date(2025, 3, 4))
    assert values["date_start"] == "2025-03-04" and values["date_precision"] == "day"
    assert len(values["sources"]) == 1 and curation.record_from_values(values)["date"]["start"] == "2025-03-04"


def test_messages_go_to_their_field_or_to_the_record() -> None:
    grouped = curation.messages_by_field(
        [("date_start", "error", "not a date"), ("dataset", "error", "x"), ("", "warning", "whole")]
    )
    assert grouped == {"date_start": [("error", "not a date")], "": [("error", "x"), ("warning", "whole")]}


@pytest.mark.parametrize(("latitude", "longitude"), [(53.14, 34.95), (0.0, 179.99), (-89.9, 0.0), (70.0, -179.9)])
def test_the_placing_grid_surrounds_the_point_with_clickable_cells(latitude: float, longitude: float) -> None:
    grid = curation.placing_grid(latitude, longitude, 50.0)
    assert 0 < len(grid) <= curation.PLACING_CELLS**2
    assert all(-90 <= cell["lat"] <= 90 and -180 <= cell["lon"] <= 180 for cell in grid)
    nearest = min(
        grid, key=lambda cell: abs(cell["lat"] - latitude) + abs(((cell["lon"] - longitude + 180) % 360) - 180)
    )
    assert abs(nearest["lat"] - latitude) < 50.0 / 111.32 / curation.PLACING_CELLS
    assert all(cell["tooltip"].startswith("Put the point here: ") for cell in grid)


def test_the_placing_map_is_offline() -> None:
    deck = curation.placing_deck(53.14, 34.95, 10.0)
    spec = deck.to_json()
    assert "carto" not in spec.lower() and "mapbox" not in spec.lower()
    assert curation.PLACING_LAYER in spec


def test_an_edit_link_names_what_it_cannot_open_and_opens_nothing_else() -> None:
    files = {"cases/a.yaml": ["one", "two"], "cases/b.yaml": ["three"]}
    read = lambda edit, file, chosen="cases/a.yaml": curation.read_edit_link(  # noqa: E731
        edit, file, list(files), chosen, files.get
    )
    assert read(["three"], ["cases/b.yaml"]) == curation.EditLink("cases/b.yaml", "three")
    assert read(["two"], []) == curation.EditLink("cases/a.yaml", "two")  # no file: the one chosen on the page
    repeated = read(["one", "three"], ["cases/a.yaml", "cases/b.yaml"])
    assert (repeated.file, repeated.record_id) == ("cases/b.yaml", "three")
    assert repeated.notes == (
        "edit: given 2 times, only the last counts ('one' ignored)",
        "file: given 2 times, only the last counts ('cases/a.yaml' ignored)",
    )
    outside = read(["one"], ["/etc/x.yaml"])
    assert (outside.file, outside.record_id) == (None, None) and "'/etc/x.yaml'" in outside.notes[0]
    unknown = read(["four"], ["cases/b.yaml"])
    assert (unknown.file, unknown.record_id) == ("cases/b.yaml", None) and "'four'" in unknown.notes[0]
    no_file = read(["one"], [], chosen=None)
    assert (no_file.file, no_file.record_id) == (None, None) and "names no record file" in no_file.notes[0]


def test_changes_on_disk_are_compared_field_by_field_and_merged_with_the_form() -> None:
    opened = RECORDS[0]
    on_disk = {**opened, "title": "Changed elsewhere", "location": {**opened["location"], "precision": "near"}}
    yours = {**opened, "title": "Changed here", "summary": "Mine"}
    changes = curation.changes_on_disk(opened, on_disk, yours)
    assert [(change.label, change.on_disk, change.yours) for change in changes] == [
        ("Title", "Changed elsewhere", "Changed here"),
        ("Location precision", "near", opened["location"]["precision"]),
    ]
    merged = curation.record_from_values(curation.merge_changes(opened, on_disk, yours))
    assert (merged["title"], merged["summary"], merged["location"]["precision"]) == ("Changed here", "Mine", "near")
    assert curation.records_changed([opened, RECORDS[1]], [on_disk, RECORDS[2]]) == {
        "added": [RECORDS[2]["id"]],
        "removed": [RECORDS[1]["id"]],
        "changed": [opened["id"]],
    }
