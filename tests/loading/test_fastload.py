"""The Arrow path for CSV files (`dashboard.loading.fastload`) gives exactly what the general loader gives.

Every test loads the same files both ways and compares the whole events table and the whole report (every
problem, every count), for clean synthetic files, for files with a wrong value in any cell, and for files
whose layout (blank lines, quoted line breaks, spaces before quotes, byte-order marks, CRLF, comments) the
Arrow reader must either read as the general reader does or leave to it.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dashboard.loading import fastload
from dashboard.loading.columns import EVENT_SCHEMA, to_arrow
from dashboard.loading.loader import load_events
from dashboard.model.registries import load_registries
from dashboard.model.synthetic import synthetic_frame, write_csv
from dashboard.sources.datapaths import BUNDLED_EVENTS_DIR
from tests_support import FIXTURES

REGISTRIES = load_registries()
BASE_ROWS = 12

# Values that test each rule's edge: blanks and white space of every kind, numbers the Arrow rules do not
# take (but the checks may), dates in other forms or impossible, names in other spellings, bad addresses.
TRICKY_VALUES = [
    "",
    " ",
    "   padded   ",
    "\u00a0nbsp\u00a0",
    "\x1cfile-separator",
    "tab\tinside",
    "\ufffd",
    "0",
    "-0",
    "1e3",
    "12.50",
    "-3",
    "91",
    "-181.5",
    "nan",
    "inf",
    "1_000",
    "0x10",
    "2024-02-30",
    "2024-1-5",
    "16 May 2024",
    "16/05/2024",
    "1899-12-31",
    "2101-01-01",
    "9999-12-31",
    "North  Korea",
    "NORTH_KOREA",
    "russia;north_korea",
    "russia;;iran;",
    "unknown actor",
    "Kharkiv",
    "ukr",
    "DAY",
    "Confirmed",
    "mi",
    "https://example.org/a b",
    "HTTPS://EXAMPLE.ORG/X",
    "javascript:alert(1)",
    "=cmd|' /C calc'!A0",
    "syn-000001",
    "bad id!",
]


def _rows(count: int = BASE_ROWS) -> tuple[list[str], list[list[str]]]:
    buffer = io.StringIO()
    synthetic_frame(count, seed=3).to_csv(buffer, index=False)
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    return rows[0], rows[1:]


def _text(header: list[str], rows: list[list[str]], line_end: str = "\n") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=line_end).writerows([header, *rows])
    return buffer.getvalue()


def assert_same_both_ways(*paths: Path) -> None:
    """Both loaders give the same table, row for row, and the same report."""
    general = load_events(list(paths), REGISTRIES)
    expected = to_arrow(general.events)
    table, report = fastload.load_table(list(paths), REGISTRIES)
    assert table.schema.equals(EVENT_SCHEMA)
    for name in EVENT_SCHEMA.names:
        assert table[name].equals(expected[name]), (
            name,
            table[name].to_pylist()[:5],
            expected[name].to_pylist()[:5],
        )
    assert report.problems == general.report.problems
    assert report.files == general.report.files


def test_the_white_space_stripped_is_what_str_strip_strips() -> None:
    assert "".join(chr(code) for code in range(0x110000) if chr(code).isspace()) == fastload.WHITESPACE


def test_a_clean_file_is_typed_on_arrow_row_for_row_as_the_general_loader_types_it(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    write_csv(synthetic_frame(3_000, seed=1), path)
    part = fastload._fast_csv(path, REGISTRIES)
    assert part is not None and part.clean.all()  # every row took the Arrow path
    assert_same_both_ways(path)


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=st.lists(
        st.tuples(
            st.integers(0, BASE_ROWS - 1),
            st.integers(0, 40),
            st.one_of(st.sampled_from(TRICKY_VALUES), st.text(max_size=12)),
        ),
        min_size=1,
        max_size=8,
    ),
    line_end=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
)
@example(changes=[(0, 24, "-0")], line_end="\n", bom=False)  # -0 alone as a latitude: shown as 0.0 both ways
def test_any_value_in_any_cell_gives_the_same_table_and_report(changes, line_end: str, bom: bool) -> None:
    header, rows = _rows()
    for row, column, value in changes:
        rows[row][column % len(header)] = value
    text = _text(header, rows, line_end)
    with _folder() as folder:
        path = folder / "events.csv"
        path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8", "surrogatepass"))
        assert_same_both_ways(path)


LAYOUTS = {
    "blank lines": lambda text: text.replace("\n", "\n\n", 3),
    "a row of empty fields": lambda text: text + "," * text.split("\n", 1)[0].count(",") + "\n",
    "a quoted line break": lambda text: text.replace(",Synthetic place,", ',"Synthetic\nplace",', 1),
    "a quoted field after a space": lambda text: text.replace(",Synthetic place,", ', "Synthetic place",', 1),
    "a quoted field after spaces, no comma": lambda text: text.replace(",UKR,", ',  "UKR",', 1),
    "leading spaces": lambda text: text.replace(",UKR,", ",   UKR,").replace(",day,", ",  day,"),
    "a value of spaces": lambda text: text.replace(",Synthetic place,", ",   ,", 2),
    "a comment line": lambda text: "# exported for a test\n" + text,
    "an unknown column": lambda text: "".join(
        line + (",extra\n" if number == 0 else ",x\n") for number, line in enumerate(text.splitlines())
    ),
    "a short row": lambda text: text + "only-an-id\n",
    "a long row": lambda text: text + "a," * 60 + "\n",
    "no line break at the end": lambda text: text.rstrip("\n"),
    "a lone carriage return": lambda text: text.replace("Synthetic place", "Synthetic\rplace", 1),
    "not UTF-8": lambda text: text.replace("Synthetic place", "Synth\udce9tic place", 1),
    "U+FFFD": lambda text: text.replace("Synthetic place", "Synthetic \ufffd place", 1),
    "a duplicated column": lambda text: text.replace("summary", "title", 1),
    "an empty column name": lambda text: text.replace(",summary,", ",,", 1),
    "no id column": lambda text: text.replace("id,", "identifier,", 1),
    "header only": lambda text: text.split("\n", 1)[0] + "\n",
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_each_layout_is_read_as_the_general_reader_reads_it(tmp_path: Path, layout: str) -> None:
    header, rows = _rows()
    path = tmp_path / "events.csv"
    path.write_bytes(LAYOUTS[layout](_text(header, rows)).encode("utf-8", "surrogateescape"))
    assert_same_both_ways(path)


def test_second_sources_are_listed_after_the_first_and_checked_alike(tmp_path: Path) -> None:
    header, rows = _rows()
    header += ["source2_publisher", "source2_title", "source2_url", "source2_published"]
    second = [
        ["", "", "", ""],
        ["AP", "A second report", "https://example.org/2", "2024-05-01"],
        ["AP", "", "", ""],  # no title: the record is rejected
        ["", "", "http://example.org/only-a-link", ""],
        ["Reuters", "Report", "", "1 May 2024"],
    ]
    rows = [row + second[number % len(second)] for number, row in enumerate(rows)]
    path = tmp_path / "events.csv"
    path.write_text(_text(header, rows))
    part = fastload._fast_csv(path, REGISTRIES)
    assert part is not None and 0 < part.clean.sum() < len(part.clean)
    assert_same_both_ways(path)


def test_an_id_used_twice_is_reported_with_where_it_was_first_used(tmp_path: Path) -> None:
    header, rows = _rows()
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(_text(header, rows))
    rows[5][0] = rows[2][0]  # used again in the same file and in the other file
    second.write_text(_text(header, rows))
    assert_same_both_ways(first, second)
    _, report = fastload.load_table([first, second], REGISTRIES)
    assert any("duplicate id: first used at" in problem.message for problem in report.problems)


def test_csv_rows_next_to_yaml_records_keep_the_files_order(tmp_path: Path) -> None:
    header, rows = _rows()
    (tmp_path / "a.csv").write_text(_text(header, rows[:6]))
    (tmp_path / "b.yaml").write_text((BUNDLED_EVENTS_DIR / "depot_strikes.yaml").read_text())
    (tmp_path / "c.csv").write_text(_text(header, rows[6:]))
    assert_same_both_ways(tmp_path)
    table, _ = fastload.load_table([tmp_path], REGISTRIES)
    assert [name.rsplit("/", 1)[-1] for name in pa.compute.unique(table["record_file"]).to_pylist()] == [
        "a.csv",
        "b.yaml",
        "c.csv",
    ]


def _folder():
    import tempfile

    class _Folder:
        def __enter__(self) -> Path:
            self.handle = tempfile.TemporaryDirectory()
            return Path(self.handle.name)

        def __exit__(self, *exc: object) -> None:
            self.handle.cleanup()

    return _Folder()


GENERAL_READER_CSVS = {"acled_current.csv", "acled_reordered_extra_bad.csv", "acled_us_dates.csv"}
DATASET_CSVS = [
    "acled_current.csv",
    "acled_reordered_extra_bad.csv",
    "acled_us_dates.csv",
    "acled_ambiguous_settled_by_notes.csv",
    "acled_ambiguous_unsettled.csv",
    "acled_2019_layout.csv",
    "acled_2018_layout.csv",
    "ucdp_ged.csv",
]


@pytest.mark.parametrize("name", DATASET_CSVS)
def test_a_dataset_export_is_checked_on_arrow_as_the_general_loader_checks_it(name: str) -> None:
    """A dataset's rows, mapped by its reader, are typed on Arrow; rows with a problem (and their messages) go
    through the general checks: the table and the report are the general loader's, row for row."""
    path = FIXTURES / "datasets" / name
    # read by pyarrow, unless a quoted field holds a line break or a column has no name (the general reader)
    assert (fastload._fast_csv(path, REGISTRIES) is not None) == (name not in GENERAL_READER_CSVS)
    assert_same_both_ways(path)


def test_a_headerless_ucdp_file_named_so_loads_the_same_way_in_both_loaders(tmp_path: Path) -> None:
    path = shutil.copy(FIXTURES / "datasets" / "ucdp_headerless" / "GEDEvent_v24_0_1.csv", tmp_path / "ged.csv")
    assert_same_both_ways(f"ucdp:{path}")


def test_later_dataset_releases_replace_rows_the_same_way_in_both_loaders(tmp_path: Path) -> None:
    releases = FIXTURES / "datasets" / "ucdp_candidate"
    assert_same_both_ways(releases)
    # a JSON file the general reader reads, with an id a CSV release revises: replaced the same way
    shutil.copytree(releases, tmp_path / "releases")
    earlier = tmp_path / "releases" / "GEDEvent_v24_0_1.json"
    record = {
        "id": "old-900001",
        "title": "First report",
        "event_type": "battle",
        "date_start": "2024-05-16",
        "initiator": "Russia",
        "dataset": "ucdp",
        "dataset_id": "900001",
        "place": "Kupiansk",
        "latitude": 49.7,
        "longitude": 37.6,
        "sources": [{"publisher": "UCDP GED"}],
    }
    earlier.write_text(json.dumps([record]), encoding="utf-8")
    assert_same_both_ways(tmp_path / "releases")
    assert load_events([tmp_path / "releases"], REGISTRIES).replaced == 2


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cell=st.sampled_from(["", " ", "=1+1", "Military Forces of Iran", "0", "95", "x;y", "16/05/2024", "4"]),
    column=st.integers(0, 30),
    row=st.integers(0, 6),
)
def test_any_value_in_any_acled_cell_gives_the_same_table_and_report(tmp_path: Path, cell, column, row) -> None:
    rows = list(csv.reader(io.StringIO((FIXTURES / "datasets" / "acled_current.csv").read_text(encoding="utf-8"))))
    rows[3][27] = rows[3][27].replace("\n", " ")  # no line break in a field: the file takes the Arrow path
    rows[1 + row][column] = cell
    path = tmp_path / "acled.csv"
    path.write_text(_text(rows[0], rows[1:]), encoding="utf-8")
    assert fastload._fast_csv(path, REGISTRIES) is not None
    assert_same_both_ways(path)
