"""Defects found with hostile input, each pinned by the behaviour an analyst would notice."""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from dashboard.cli import main
from dashboard.geo.overlays import OverlayError, build_ring
from dashboard.loading.loader import load_events
from dashboard.model.registries import Registries
from dashboard.sources.datapaths import DataPathError, find_record_files
from dashboard.views import params, text
from tests_support import FIXTURES, VALID_RECORD, as_shown, only_errors, record, write_yaml

REPO = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(r"^\d+ read, \d+ loaded, \d+ rejected$")


def record_yaml(**changes: object) -> str:
    return yaml.safe_dump([record(**changes)], sort_keys=False, allow_unicode=True)


# --- dates ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["2999-01-01", "9999-12-31", "0001-01-01", "1600-01-01"])
@pytest.mark.parametrize("quoted", [True, False])
def test_a_date_outside_the_supported_range_rejects_only_its_record(tmp_path: Path, load, day: str, quoted) -> None:
    good = record_yaml(id="good")
    bad = record_yaml(id="far").replace("start: '2024-10-09'", f"start: {day!r}" if quoted else f"start: {day}")
    path = tmp_path / "events.yaml"
    path.write_text(good + bad, encoding="utf-8")
    result = load(path)
    [error] = only_errors(result)
    assert (error.record_id, error.field) == ("far", "date_start")
    assert "outside 1900-01-01 to 2100-12-31" in error.message
    assert result.loaded == 1 and list(result.events["id"]) == ["good"]


def test_an_impossible_unquoted_yaml_date_costs_only_its_record_at_its_line(tmp_path: Path, load) -> None:
    records = [record(id=f"r{number}") for number in range(600)]  # more than one parsing group
    text_ = yaml.safe_dump(records, sort_keys=False).replace("start: '2024-10-09'", "start: 2024-10-09")
    lines = text_.splitlines(keepends=True)
    starts = [index for index, line in enumerate(lines) if line.startswith("- ")]
    bad_item = starts[550]
    for index in range(bad_item, starts[551]):
        lines[index] = lines[index].replace("start: 2024-10-09", "start: 2024-02-30")
    path = tmp_path / "events.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    result = load(path)
    assert (result.read, result.loaded, result.rejected) == (600, 599, 1)
    [error] = only_errors(result)
    assert error.record_id == "r550" and error.field == "date_start" and error.line == bad_item + 1


def test_a_csv_date_outside_the_range_is_a_field_problem(tmp_path: Path, capsys) -> None:
    path = tmp_path / "events.csv"
    assert main(["export", "--format", "csv", "--out", str(path)]) == 0
    text_ = path.read_text(encoding="utf-8-sig").replace(",2024-10-09,", ",9999-12-31,", 1)
    path.write_text(text_, encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert ": date outside 1900-01-01 to 2100-12-31" in out and "Traceback" not in out


# --- numbers -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN"])
def test_non_finite_yaml_latitudes_are_named_as_such(tmp_path: Path, load, value: str) -> None:
    path = tmp_path / "events.yaml"
    path.write_text(record_yaml().replace("lat: 53.1424", f"lat: {value}"), encoding="utf-8")
    [error] = only_errors(load(path))
    assert error.field == "latitude" and "must be a finite number" in error.message


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_json_latitudes_are_named_as_such(tmp_path: Path, load, value: str) -> None:
    path = tmp_path / "events.json"
    path.write_text(json.dumps([record()]).replace("53.1424", value), encoding="utf-8")
    [error] = only_errors(load(path))
    assert error.field == "latitude" and "must be a finite number" in error.message


HUGE = "7" * 100_000  # a number Python will not turn into digits and back (its limit is 4,300)


def _item_lines(text: str, marker: str) -> list[int]:
    """The line each record starts on: where ``marker`` starts a line."""
    return [number for number, line in enumerate(text.splitlines(), 1) if line.startswith(marker)]


def _with_huge_latitude(source: Path, changed: Path) -> int:
    """``source`` (YAML or JSON records) copied with the second record's latitude made huge; that record's line."""
    text_ = source.read_text(encoding="utf-8")
    written = str(record(location__lat=54.1)["location"]["lat"])
    if source.suffix == ".json":
        changed.write_text(text_.replace(f'"lat": {written}', f'"lat": {HUGE}', 1), encoding="utf-8")
        return _item_lines(text_, " {")[1]
    changed.write_text(text_.replace(f"lat: {written}", f"lat: {HUGE}", 1), encoding="utf-8")
    return _item_lines(text_, "- ")[1]


def _with_huge_cell(source: Path, changed: Path, column: str, row: int) -> int:
    """``source`` (CSV) copied with a huge number in ``column`` of data row ``row``; that row's line."""
    rows = list(csv.reader(source.read_text(encoding="utf-8-sig").splitlines()))
    rows[row + 1][rows[0].index(column)] = HUGE
    with changed.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows(rows)
    return row + 2


def _huge_number_file(folder: Path, kind: str) -> tuple[Path, Path, int, str]:
    """A file of ``kind`` as it is and with one record holding a 100,000-digit number: both paths, the line
    of that record and the field."""
    datasets = FIXTURES / "datasets"
    changed = folder / "changed"
    changed.mkdir()
    if kind in ("json", "yaml"):
        source = folder / f"events.{kind}"
        records = [record(id=f"r{number}", location__lat=53.1 + number) for number in range(3)]
        written = json.dumps(records, indent=1) if kind == "json" else yaml.safe_dump(records, sort_keys=False)
        source.write_text(written, encoding="utf-8")
        return source, changed / source.name, _with_huge_latitude(source, changed / source.name), "latitude"
    if kind == "gdelt":
        from dashboard.sources.datasets import gdelt

        source = datasets / "gdelt_v2.export.CSV"
        lines = source.read_text(encoding="utf-8").splitlines()
        cells = lines[1].split("\t")
        cells[gdelt.layout(lines[0]).index("ActionGeo_Lat")] = HUGE
        lines[1] = "\t".join(cells)
        (changed / source.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        return source, changed / source.name, 2, "latitude"
    if kind == "timemap":
        source = datasets / "timemap_download.json"
        events = json.loads(source.read_text(encoding="utf-8"))
        events[1]["latitude"] = "__huge__"
        text_ = json.dumps(events, indent=1)
        (changed / source.name).write_text(text_.replace('"__huge__"', HUGE), encoding="utf-8")
        return source, changed / source.name, _item_lines(text_, " {")[1], "latitude"
    if kind == "csv":
        source = folder / "export.csv"
        assert main(["export", "--format", "csv", "--out", str(source)]) == 0
    else:
        source = datasets / {"acled": "acled_current.csv", "ucdp": "ucdp_ged.csv"}[kind]
    column = {"csv": "killed_best", "acled": "fatalities", "ucdp": "best"}[kind]
    return source, changed / source.name, _with_huge_cell(source, changed / source.name, column, 0), "killed_best"


@pytest.mark.parametrize("kind", ["json", "yaml", "csv", "acled", "ucdp", "gdelt", "timemap"])
def test_a_number_of_a_hundred_thousand_digits_is_named_at_its_line_and_field(
    tmp_path: Path, kind: str, capsys
) -> None:
    from dashboard.loading.fastload import load_table

    source, path, line, field = _huge_number_file(tmp_path, kind)
    capsys.readouterr()
    assert main(["validate", "--quiet", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:{line}:" in out and f" {field}: number too large (100,000 digits)" in out, out[-2000:]
    assert "int_max_str_digits" not in out and "Exceeds the limit" not in out
    as_it_was = load_events([source]).report
    for report in (load_events([path]).report, load_table([path])[1]):  # the general and the Arrow loader alike
        [huge] = [problem for problem in report.problems if "number too large" in problem.message]
        assert (huge.file, huge.line, huge.field) == (str(path), line, field)
        assert report.read == as_it_was.read and report.loaded == as_it_was.loaded - 1  # the rest still loads


# --- YAML structure ------------------------------------------------------------------------------------------


def test_an_alias_is_reported_at_the_line_where_it_is_written(tmp_path: Path, load) -> None:
    first = record_yaml(id="anchored").replace("title: Drone", "title: &t Drone", 1)
    second = record_yaml(id="aliased").replace("title: Drone strike on an arsenal near Karachev", "title: *t")
    path = tmp_path / "events.yaml"
    path.write_text(first + second, encoding="utf-8")
    result = load(path)
    [error] = only_errors(result)
    alias_line = next(i for i, line in enumerate(path.read_text().splitlines(), 1) if "*t" in line)
    assert "aliases" in error.message and error.line == alias_line
    assert list(result.events["id"]) == ["anchored"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("flow.yaml", "- " + "[" * 100_000 + "]" * 100_000 + "\n"),
        ("compact.yaml", "- " + "- " * 100_000 + "x\n"),
        ("document.yaml", "[" * 100_000 + "]" * 100_000),
        ("deep.json", "[" * 100_000 + "]" * 100_000),
        ("deep-item.json", "[" + json.dumps(VALID_RECORD) + "," + "[" * 100_000 + "]" * 100_000 + "]"),
        ("moderate.yaml", "- title: " + "[" * 60 + "]" * 60 + "\n"),
    ],
)
def test_deep_nesting_is_refused_with_a_line_not_a_crash(
    tmp_path: Path, load, yaml_parser: str, name: str, content: str
) -> None:
    path = tmp_path / name
    path.write_text(content + "\n", encoding="utf-8")
    result = load(path)
    assert any("nested more than 32 levels deep" in problem.message for problem in result.problems)
    assert all(problem.line == 1 for problem in only_errors(result) if "nested" in problem.message)


@pytest.mark.parametrize(
    ("content", "line"),
    [
        # past the depth check (more than 1,000 collection marks), broken within the depth limit; the parser
        # notices where the next item starts
        ("- title: x\n" * 600 + "- title: [unclosed\n" + "- title: y\n" * 10, 602),
        ("- title: x\n" * 600 + "- " + "[" * 20 + "\n", 602),
    ],
)
def test_a_broken_file_past_the_depth_check_keeps_the_parsers_words_and_line(
    tmp_path: Path, load, yaml_parser: str, content: str, line: int
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(content, encoding="utf-8")
    result = load(path)
    [broken] = [problem for problem in only_errors(result) if problem.field is None or "YAML" in problem.message]
    assert broken.line == line and "invalid YAML" in broken.message and "nested" not in broken.message


# --- CSV that is not records ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (",".join(f"c{number}" for number in range(100_000)) + "\n1,2\n", "more than 1,000 columns"),
        ("x" * 300_000, "longer than 100,000 characters"),
        ("alpha,beta\n1,2\n", "no column of the header"),
        ('id,title\n"unterminated' + "y" * 200_000, None),
    ],
)
def test_a_csv_that_is_not_records_is_answered_at_once(tmp_path: Path, load, content: str, message) -> None:
    path = tmp_path / "garbage.csv"
    path.write_text(content, encoding="utf-8")
    result = load(path)
    assert result.loaded == 0 and result.problems
    if message:
        assert message in result.problems[0].message and result.problems[0].line == 1


# --- encodings and special files -----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-16", "utf-32"])
def test_utf16_and_utf32_files_load(tmp_path: Path, load, encoding: str) -> None:
    path = tmp_path / "events.yaml"
    path.write_bytes(record_yaml().encode(encoding))
    result = load(path)
    assert result.loaded == 1
    if encoding in ("utf-16-le", "utf-16-be"):  # no byte-order mark: read, and said so at line 1
        [warning] = result.problems
        assert warning.line == 1 and "no byte-order mark" in warning.message


def test_special_files_inside_a_folder_are_skipped_with_a_warning(tmp_path: Path, load) -> None:
    write_yaml(tmp_path / "good.yaml", [record()])
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    (tmp_path / "broken.csv").symlink_to(tmp_path / "missing.csv")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path)  # a folder link back up the tree
    result = load(tmp_path)
    assert result.loaded == 1
    warnings = {Path(problem.file).name: problem.message for problem in result.problems}
    assert "FIFO" in warnings["pipe.yaml"] and "loops" in warnings["loop.yaml"]
    assert "broken link" in warnings["broken.csv"] and "not followed again" in warnings["up"]


@pytest.mark.parametrize(("path", "message"), [("/dev/zero", "character device"), ("pipe", "FIFO")])
def test_naming_a_special_file_is_bad_usage_that_says_what_it_is(tmp_path: Path, capsys, path, message) -> None:
    if path == "pipe":
        path = str(tmp_path / "pipe.yaml")
        os.mkfifo(path)
    assert main(["validate", path]) == 2
    assert message in capsys.readouterr().err
    with pytest.raises(DataPathError, match=message):
        find_record_files([Path(path)])


# --- the command line ----------------------------------------------------------------------------------------


def test_control_characters_in_records_cannot_forge_output(tmp_path: Path, capsys) -> None:
    forged = "x\n99 read, 99 loaded, 0 rejected\x1b[2K\u202e"
    path = write_yaml(tmp_path / "forged.yaml", [record(id=forged, type=forged)])
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    assert [line for line in out.splitlines() if SUMMARY.match(line)] == ["1 read, 0 loaded, 1 rejected"]
    assert "\\n99 read, 99 loaded, 0 rejected\\x1b[2K\\u202e" in out


def test_an_internal_error_exits_3_with_a_message_not_a_traceback(monkeypatch, capsys) -> None:
    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr("dashboard.loading.loader.load_events", broken)
    monkeypatch.setattr("dashboard.loading.fastload.load_table", broken)
    assert main(["validate"]) == 3
    err = capsys.readouterr().err
    assert "internal error: KeyError" in err and "Traceback" not in err


@pytest.mark.parametrize("width", ["-1", "0", "nan", "inf", "1e9", "wide"])
def test_a_bad_band_width_is_bad_usage(tmp_path: Path, capsys, width: str) -> None:
    assert main(["export", "--format", "csv", "--out", str(tmp_path / "x.csv"), "--band-width", width]) == 2
    assert "band_width" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_the_search_option_says_which_fields_it_searches(capsys) -> None:
    assert main(["export", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    for field in ("title", "summary", "place", "notes", "tags", "sources"):
        assert field in help_text


def test_did_you_mean_names_each_actor_once(tmp_path: Path, load) -> None:
    result = load(write_yaml(tmp_path / "events.yaml", [record(actors__initiator="rusia")]))
    [error] = only_errors(result)
    suggestions = re.search(r"did you mean (.*)\?", error.message).group(1).split(", ")
    assert len(suggestions) == len(set(suggestions)) and "russia" in suggestions


@pytest.mark.parametrize("spec", ["99999km@50,30", "20001km@50,30", "12500mi@50,30"])
def test_a_ring_larger_than_half_the_earth_is_refused(spec: str, registries: Registries) -> None:
    with pytest.raises(OverlayError, match="rings reach at most 20,000 km"):
        build_ring(spec, load_events().events, registries)


# --- addresses -----------------------------------------------------------------------------------------------


def test_every_ignored_address_parameter_is_named(registries: Registries) -> None:
    opened = {
        "actor": ["Iran", "Nobody"],
        "confidence": ["bogus"],
        "dates": ["2024-13-45"],
        "band_width": ["-1"],
        "tiles": ["true"],
        "lanes": ["sideways"],
        "utm_source": ["mail"],
        "event": ["no-such-event"],
    }
    view, notes = params.read_view(opened, registries, ["RUS-UKR"], {"a"})
    assert view.filters.actors == ("iran",) and view.selected is None
    for name in ("Nobody", "bogus", "2024-13-45", "band_width", "tiles", "sideways", "utm_source", "no-such-event"):
        assert any(name in note for note in notes), name


def test_markdown_in_text_is_neutralised() -> None:
    shown = text.escape_markdown("![x](http://evil.example/t.png) :material/warning: :smile: www.evil.example a@b.c")
    assert "\u2060" in shown
    for pattern in ("](", "://", ":material/", ":smile:", "www.", "a@b"):
        assert pattern not in shown
    assert as_shown(shown) == "![x](http://evil.example/t.png) :material/warning: :smile: www.evil.example a@b.c"
    assert text.escape_markdown("types: Depot hit") == "types\\: Depot hit"  # no joiner where none is needed


@pytest.fixture
def app() -> AppTest:
    return AppTest.from_file(str(REPO / "app.py"), default_timeout=60)


def test_a_link_cannot_turn_online_tiles_on_and_is_told_so(app: AppTest) -> None:
    app.query_params["tiles"] = "true"
    app.run()
    app.switch_page("pages/map.py").run()
    deck = json.loads(app.get("deck_gl_json_chart")[0].proto.json)
    assert "mapProvider" not in deck and deck.get("mapStyle") in (None, "__MAP_STYLE__")
    assert any("tiles" in as_shown(warning.value) for warning in app.sidebar.warning)
    assert not app.exception


def test_markdown_in_a_link_is_shown_as_text(app: AppTest) -> None:
    app.query_params["q"] = "![x](http://evil.example/t.png) :material/warning:"
    app.query_params["ring"] = "[click](http://evil.example)@place:Kharkiv"
    app.run()
    app.switch_page("pages/map.py").run()
    for element in [*app.main.caption, *app.main.warning]:
        assert "](" not in element.value and "://" not in element.value and ":material/" not in element.value
    assert as_shown(app.main.caption[0].value).endswith('matching "![x](http://evil.example/t.png) :material/warning:"')
    assert not app.exception
