"""The loader: every bad record is reported with file, line, record and field; good records still load."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dashboard.loading.loader import load_events
from dashboard.model.problems import Severity
from tests_support import FIXTURES, VALID_RECORD, only_errors, record, write_yaml

GOOD = record(id="good-record")


def one_problem(result, field: str | None = None):
    errors = only_errors(result)
    assert len(errors) == 1, [str(problem) for problem in result.problems]
    if field is not None:
        assert errors[0].field == field, str(errors[0])
    return errors[0]


# --- one bad record among good ones, in the curated (YAML) form --------------------------------------------

BAD_RECORDS = [
    pytest.param(record(title=None), "title", "required field is missing", id="missing-required"),
    pytest.param(record(sources=None), "sources", "at least one source", id="missing-sources"),
    pytest.param(record(location__lat="north"), "latitude", "not a number", id="latitude-not-a-number"),
    pytest.param(record(title=["a", "list"]), "title", "expected text", id="title-is-a-list"),
    pytest.param(record(sources="AP, 9 Oct"), "sources", "expected a list of sources", id="sources-is-text"),
    pytest.param(record(date="2024-10-09"), "date", "expected a mapping", id="date-not-a-mapping"),
    pytest.param(record(date__start="soon"), "date_start", "not a date", id="bad-date"),
    pytest.param(record(location__lat=95.0), "latitude", "out of range", id="latitude-out-of-range"),
    pytest.param(record(location__lon=-181.5), "longitude", "out of range", id="longitude-out-of-range"),
    pytest.param(
        record(location__lat=125.7543, location__lon=39.0339), "latitude", "look swapped", id="swapped-coordinates"
    ),
    pytest.param(record(location__lat=0.0, location__lon=0.0), "latitude/longitude", "(0, 0)", id="null-island"),
    pytest.param(
        record(location__lat=None, location__lon=None, location__place="Atlantis"),
        "latitude/longitude",
        "not in data/registries/gazetteer.csv",
        id="no-coordinates-unknown-place",
    ),
    pytest.param(
        record(location__lat=float("nan"), location__lon=None, location__place=None),
        "latitude",
        "must be a finite number",
        id="nan-latitude",
    ),
    pytest.param(record(location__lat=float("inf")), "latitude", "must be a finite number", id="infinite-latitude"),
    pytest.param(record(location__lat="-Infinity"), "latitude", "must be a finite number", id="infinity-as-text"),
    pytest.param(record(date__start="2999-01-01"), "date_start", "outside 1900-01-01 to 2100-12-31", id="far-future"),
    pytest.param(record(date__start="0001-01-01"), "date_start", "outside 1900-01-01 to 2100-12-31", id="year-one"),
    pytest.param(record(date__end="9999-12-31"), "date_end", "outside 1900-01-01 to 2100-12-31", id="end-year-9999"),
    pytest.param(record(location__lon=None), "latitude/longitude", "both latitude and longitude", id="only-latitude"),
    pytest.param(record(date__end="2024-10-01"), "date_end", "before the start", id="end-before-start"),
    pytest.param(record(type="airstrike"), "event_type", "unknown event type", id="unknown-event-type"),
    pytest.param(record(actors__initiator="Narnia"), "initiator", "unknown actor", id="unknown-actor"),
    pytest.param(
        record(actors__associated=["north_korea", "Wakanda"]), "associated_actors", "unknown actor", id="unknown-ally"
    ),
    pytest.param(record(weapon="Fath-999"), "weapon", "unknown weapon", id="unknown-weapon"),
    pytest.param(record(confidence__level="certain"), "confidence", "must be one of", id="bad-confidence"),
    pytest.param(record(location__country="XYZ"), "country", "unknown country", id="unknown-country"),
    pytest.param(
        record(figures={"killed": {"low": 9, "best": 6}}), "killed_low", "greater than killed_best", id="low-above-best"
    ),
    pytest.param(record(figures={"personnel": -5}), "personnel", "must not be negative", id="negative-count"),
    pytest.param(
        record(figures={"claimed_distance": {"value": 70}}), "claimed_distance_unit", "unit", id="distance-no-unit"
    ),
    pytest.param(
        record(sources=[{"publisher": "AP", "title": "t", "url": "javascript:alert(1)"}]),
        "sources[1].url",
        "http",
        id="script-url",
    ),
    pytest.param(
        record(sources=[{"title": "no publisher"}]), "sources[1].publisher", "required", id="source-no-publisher"
    ),
    pytest.param(record(id="bad id!"), "id", "letters, digits", id="bad-id"),
]


@pytest.mark.parametrize(("bad", "field", "message"), BAD_RECORDS)
def test_bad_record_is_reported_and_the_good_one_loads(tmp_path: Path, load, bad, field, message) -> None:
    bad.setdefault("id", "bad-record")
    path = write_yaml(tmp_path / "events.yaml", [GOOD, bad])
    result = load(path)
    problem = one_problem(result, field)
    assert message in problem.message
    assert problem.file.endswith("events.yaml")
    assert problem.line is not None and problem.line > 1
    assert problem.record_id == bad["id"] or bad["id"] == "bad id!"
    assert result.events["id"].tolist() == ["good-record"]
    assert (result.read, result.loaded, result.rejected) == (2, 1, 1)


def test_every_bad_record_is_reported_not_only_the_first(tmp_path: Path, load) -> None:
    bad = [record(id=f"bad-{n}", type="nonsense") for n in range(5)]
    result = load(write_yaml(tmp_path / "events.yaml", [GOOD, *bad]))
    assert [problem.record_id for problem in only_errors(result)] == [f"bad-{n}" for n in range(5)]
    assert (result.loaded, result.rejected) == (1, 5)


def test_one_record_with_several_faults_gets_a_problem_for_each(tmp_path: Path, load) -> None:
    bad = record(id="many", type="nonsense", date__precision="daily", location__lat=91.0)
    result = load(write_yaml(tmp_path / "events.yaml", [bad]))
    assert {problem.field for problem in only_errors(result)} == {"event_type", "date_precision", "latitude"}
    assert result.rejected == 1


def test_problem_lines_point_at_each_record(tmp_path: Path, load) -> None:
    path = write_yaml(tmp_path / "events.yaml", [GOOD, record(id="second", type="x"), record(id="third", type="y")])
    lines = path.read_text().splitlines()
    for problem in only_errors(load(path)):
        assert lines[problem.line - 1].startswith("- "), problem
        assert problem.record_id in "\n".join(lines[problem.line - 1 : problem.line + 3])


def test_unknown_field_is_a_warning_and_the_record_loads(tmp_path: Path, load) -> None:
    result = load(write_yaml(tmp_path / "events.yaml", [record(colour="red")]))
    assert result.loaded == 1
    [warning] = result.problems
    assert warning.severity is Severity.WARNING and warning.field == "colour"


def test_actor_names_and_aliases_resolve_to_registry_ids(tmp_path: Path, load) -> None:
    rec = record(actors={"initiator": "Armed Forces of Ukraine", "counterpart": "RUSSIA", "associated": ["DPRK"]})
    events = load(write_yaml(tmp_path / "events.yaml", [rec])).events
    assert events.loc[0, ["initiator", "counterpart"]].tolist() == ["ukraine", "russia"]
    assert events.loc[0, "associated_actors"] == ("north_korea",)


def test_unknown_actor_suggests_the_closest_known_one(tmp_path: Path, load) -> None:
    result = load(write_yaml(tmp_path / "events.yaml", [record(actors__initiator="Rusia")]))
    assert "did you mean russia" in one_problem(result, "initiator").message


def test_place_without_coordinates_is_located_from_the_gazetteer(tmp_path: Path, load, registries) -> None:
    rec = record(location={"place": "Kharkiv", "precision": "city"})
    event = load(write_yaml(tmp_path / "events.yaml", [rec])).events.iloc[0]
    place = registries.gazetteer.set_index("name").loc["Kharkiv"]
    assert (event.latitude, event.longitude) == (place.latitude, place.longitude)
    assert event.located_by == "gazetteer"
    assert event.country == "UKR"


def test_duplicate_id_across_files_names_the_first_one(tmp_path: Path, load) -> None:
    write_yaml(tmp_path / "a.yaml", [GOOD])
    write_yaml(tmp_path / "b.yaml", [GOOD])
    result = load(tmp_path)
    problem = one_problem(result, "id")
    assert problem.file.endswith("b.yaml")
    assert "a.yaml:1" in problem.message
    assert (result.loaded, result.rejected) == (1, 1)


def test_loaded_frame_has_real_dtypes(load) -> None:
    events = load(FIXTURES / "records" / "mixed.csv").events
    assert pd.api.types.is_datetime64_any_dtype(events["date_start"])
    assert isinstance(events["event_type"].dtype, pd.CategoricalDtype)
    assert events["confidence"].cat.ordered
    assert events["latitude"].dtype == "float64"
    assert events["killed_best"].dtype == "float64"


def test_week_and_month_precision_spans_the_whole_period(tmp_path: Path, load) -> None:
    records = [
        record(id="w", date={"start": "2024-10-07", "precision": "week"}),
        record(id="m", date={"start": "2024-08-01", "precision": "month"}),
        record(id="d", date={"start": "2024-10-09", "precision": "day"}),
        record(id="r", date={"start": "2024-06-18", "end": "2024-06-19", "precision": "day"}),
    ]
    events = load(write_yaml(tmp_path / "events.yaml", records)).events.set_index("id")
    assert events["date_span_end"].dt.strftime("%Y-%m-%d").to_dict() == {
        "w": "2024-10-13",
        "m": "2024-08-31",
        "d": "2024-10-09",
        "r": "2024-06-19",
    }


def test_dates_in_day_month_year_form_are_read(tmp_path: Path, load) -> None:
    events = load(write_yaml(tmp_path / "e.yaml", [record(date__start="16 May 2025")])).events
    assert events.loc[0, "date_start"] == pd.Timestamp("2025-05-16")


def test_claimed_distance_is_converted_to_km(tmp_path: Path, load) -> None:
    events = load(write_yaml(tmp_path / "events.yaml", [GOOD])).events
    assert events.loc[0, "claimed_distance_km"] == pytest.approx(112.654, abs=0.001)


# --- file-level faults ---------------------------------------------------------------------------------------


def test_malformed_yaml_costs_only_the_broken_record(tmp_path: Path, load) -> None:
    path = tmp_path / "events.yaml"
    good = write_yaml(tmp_path / "tmp.yaml", [GOOD]).read_text()
    path.write_text(good + "- id: broken\n  title: [unclosed\n" + good.replace("good-record", "good-2"))
    result = load(path)
    problem = one_problem(result)
    assert "invalid YAML" in problem.message and problem.line is not None
    assert result.events["id"].tolist() == ["good-record", "good-2"]
    assert (result.read, result.rejected) == (3, 1)


def test_yaml_that_is_not_a_list_is_reported(tmp_path: Path, load) -> None:
    path = tmp_path / "events.yaml"
    path.write_text("id: lonely\ntitle: a mapping, not a list\n")
    problem = one_problem(load(path))
    assert "not a list of records" in problem.message and problem.file.endswith("events.yaml")


def test_list_item_that_is_not_a_mapping_is_reported(tmp_path: Path, load) -> None:
    path = write_yaml(tmp_path / "events.yaml", [GOOD, "just a string"])
    result = load(path)
    assert "not a mapping" in one_problem(result).message
    assert (result.read, result.loaded, result.rejected) == (2, 1, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- !!python/object/apply:os.system ['echo owned']\n", "could not determine a constructor"),
        ("- &a [1, 2]\n- *a\n", "aliases"),
        ('- a: &a ["x","x","x","x"]\n  b: &b [*a,*a,*a,*a]\n  c: [*b,*b,*b,*b]\n', "aliases"),
    ],
    ids=["python-tag", "alias", "alias-bomb"],
)
def test_yaml_is_parsed_safely(tmp_path: Path, load, text: str, message: str) -> None:
    path = tmp_path / "events.yaml"
    path.write_text(text)
    result = load(path)
    assert result.loaded == 0
    assert any(message in problem.message for problem in only_errors(result))


def test_file_of_only_comments_is_a_warning_with_no_records(tmp_path: Path, load) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("\n# nothing yet\n")
    result = load(path)
    assert (result.read, result.loaded) == (0, 0)
    [problem] = result.problems
    assert problem.severity is Severity.WARNING and "no records" in problem.message


def test_empty_file_of_zero_bytes_is_reported(tmp_path: Path, load) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    [problem] = load(path).problems
    assert problem.severity is Severity.WARNING and "empty" in problem.message


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path, load) -> None:
    csv_text = (FIXTURES / "records" / "mixed.csv").read_text(encoding="utf-8")
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + csv_text.encode())
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + yaml_text([record(id="bom-yaml")]).encode())
    result = load(tmp_path)
    assert "bom-yaml" in set(result.events["id"])
    assert not [problem for problem in result.problems if "unknown column" in problem.message]


def yaml_text(records: list) -> str:
    import yaml

    return yaml.safe_dump(records, sort_keys=False, allow_unicode=True)


def test_bytes_that_are_not_utf8_reject_only_their_record(tmp_path: Path, load) -> None:
    text = yaml_text([GOOD, record(id="latin1", title="Caf\u00e9 strike")])
    path = tmp_path / "events.yaml"
    path.write_bytes(text.encode("utf-8").replace("Caf\u00e9".encode(), "Caf\u00e9".encode("latin-1")))
    result = load(path)
    assert result.events["id"].tolist() == ["good-record"]
    messages = [str(problem) for problem in only_errors(result)]
    assert any("not UTF-8" in message and ":" in message for message in messages)
    assert any("[latin1] title" in message for message in messages)


def test_json_records_carry_their_lines(tmp_path: Path, load) -> None:
    path = tmp_path / "events.json"
    path.write_text(json.dumps([GOOD, record(id="bad-json", type="nope")], indent=2))
    problem = one_problem(load(path), "event_type")
    assert path.read_text().splitlines()[problem.line - 1].strip() == "{"
    assert problem.record_id == "bad-json"


@pytest.mark.parametrize(
    ("text", "message"),
    [('{"id": "x"}', "not a list"), ('[{"id": "x"},', "invalid JSON"), ("[1, 2", "invalid JSON")],
    ids=["object", "truncated", "unclosed"],
)
def test_malformed_json_is_reported(tmp_path: Path, load, text: str, message: str) -> None:
    path = tmp_path / "events.json"
    path.write_text(text)
    result = load(path)
    assert any(message in problem.message for problem in only_errors(result)), result.problems


# --- the flat (CSV) form -------------------------------------------------------------------------------------


def test_csv_fixture_loads_its_good_rows_and_reports_its_bad_ones(load) -> None:
    result = load(FIXTURES / "records" / "mixed.csv")
    assert result.events["id"].tolist() == ["csv-good-1", "csv-good-2"]
    problems = {(problem.line, problem.record_id, problem.field) for problem in only_errors(result)}
    assert problems == {
        (4, "csv-bad-latitude", "latitude"),
        (5, "csv-bad-type", "event_type"),
        (6, None, None),  # too many fields: the row cannot be read
    }
    assert (result.read, result.loaded, result.rejected) == (5, 2, 3)


def test_csv_lists_and_numbered_sources(load) -> None:
    event = load(FIXTURES / "records" / "mixed.csv").events.set_index("id").loc["csv-good-2"]
    assert event.associated_actors == ("north_korea", "iran")
    assert event.tags == ("csv", "multi-source")
    assert [source.publisher for source in event.sources] == ["Korea JoongAng Daily", "Kyiv Post"]


def test_csv_line_numbers_allow_for_line_breaks_in_quoted_fields(tmp_path: Path, load) -> None:
    text = (FIXTURES / "records" / "mixed.csv").read_text()
    header, first, *rest = text.splitlines(keepends=True)
    first = first.replace("CSV good one", '"CSV good\nover two lines"')
    path = tmp_path / "multiline.csv"
    path.write_text(header + first + "".join(rest))
    lines = {problem.record_id: problem.line for problem in only_errors(load(path)) if problem.record_id}
    assert lines == {"csv-bad-latitude": 5, "csv-bad-type": 6}


def test_csv_with_an_unclosed_quote_is_reported(tmp_path: Path, load) -> None:
    path = tmp_path / "broken.csv"
    path.write_text('id,title\n"x,unclosed\n')
    problem = one_problem(load(path))
    assert "malformed CSV" in problem.message and problem.file.endswith("broken.csv")


def test_unknown_csv_column_is_a_warning(tmp_path: Path, load) -> None:
    text = (FIXTURES / "records" / "mixed.csv").read_text().replace("notes", "remarks", 1)
    path = tmp_path / "renamed.csv"
    path.write_text(text)
    warnings = [problem for problem in load(path).problems if problem.severity is Severity.WARNING]
    assert any("remarks" in problem.message for problem in warnings)


# --- paths -----------------------------------------------------------------------------------------------------


def test_a_folder_stands_for_every_record_file_below_it(tmp_path: Path, load) -> None:
    write_yaml(tmp_path / "a.yaml", [record(id="one")])
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.json").write_text(json.dumps([record(id="two")]))
    (tmp_path / "notes.txt").write_text("not records")
    assert sorted(load(tmp_path).events["id"]) == ["one", "two"]


def test_data_env_variable_names_the_records(tmp_path: Path, monkeypatch, registries) -> None:
    write_yaml(tmp_path / "mine.yaml", [record(id="from-env")])
    monkeypatch.setenv("DASHBOARD_DATA", str(tmp_path))
    assert load_events(registries=registries).events["id"].tolist() == ["from-env"]


def test_loading_never_modifies_the_files(tmp_path: Path, load) -> None:
    path = write_yaml(tmp_path / "events.yaml", [GOOD, record(id="x", type="bad")])
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    load(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_valid_record_constant_is_valid(tmp_path: Path, load) -> None:
    result = load(write_yaml(tmp_path / "events.yaml", [VALID_RECORD]))
    assert result.problems == [] and result.loaded == 1


def test_a_record_without_a_place_loads_with_a_warning(tmp_path: Path) -> None:
    """It is on the timeline and in the table; the map counts it among the events it cannot place."""
    path = write_yaml(
        tmp_path / "events.yaml",
        [GOOD, record(id="nowhere", location__lat=None, location__lon=None, location__place=None)],
    )
    result = load_events([path])
    assert result.loaded == 2 and not only_errors(result)
    [warning] = [problem for problem in result.problems if problem.severity is Severity.WARNING]
    assert warning.record_id == "nowhere" and "not on the map" in warning.message
    nowhere = result.events.set_index("id").loc["nowhere"]
    assert pd.isna(nowhere["latitude"]) and nowhere["located_by"] == "none"
