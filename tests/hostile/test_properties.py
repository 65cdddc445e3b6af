"""Property tests: any bytes, any nested data, any value in any field of a valid record, read from YAML, JSON
and CSV files. The loader never fails and every load keeps the invariants of
`hostile_corpus.invariant_violations`; a broken record costs only itself; `validate` prints only safe text.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from dashboard.cli import main
from dashboard.model.schema import FIELDS, SOURCE_FIELDS, Kind
from hostile_corpus import (
    EITHER,
    LOAD,
    Expectation,
    expectation_violations,
    invariant_violations,
    load_report,
    records_text,
)
from tests_support import VALID_RECORD, record

# A fixed budget per test (about 10-15 s on a 2-core CI machine), no deadline (a load takes a tenth of a
# second or more), and no example database, so every run draws afresh: a failure found once is kept as an
# @example instead (and the repository does not ignore .hypothesis/).
PROFILE = "loader-properties"
settings.register_profile(
    PROFILE,
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
    print_blob=True,
)
BUDGET = settings.get_profile(PROFILE)

FORMATS = ("yaml", "json", "csv")
FIELD_PATHS = [schema_field.path for schema_field in FIELDS] + [
    ("sources", 0, source_field.name) for source_field in SOURCE_FIELDS
]
CONTAINER_PATHS = sorted({schema_field.path[:1] for schema_field in FIELDS if len(schema_field.path) > 1})
FIELD_KEYS = sorted({part for schema_field in FIELDS for part in schema_field.path} | {"lat", "lon", "sources"})

# Pieces of each format, so that random sequences of them come close to real files.
TOKENS = {
    "yaml": [
        "- ",
        "id: ",
        "title: ",
        "date: ",
        "start: ",
        "lat: ",
        "sources: ",
        ": ",
        "\n",
        "\n  ",
        "\n    ",
        "[",
        "]",
        "{",
        "}",
        ", ",
        "&a ",
        "*a",
        "<<: ",
        "!!python/object/apply:os.system ",
        "!tag ",
        "? ",
        '"',
        "'",
        "# ",
        "---\n",
        "...\n",
        "|\n",
        ">-\n",
        "2024-02-30",
        "2999-01-01",
        ".nan",
        "-.inf",
        "1.0e+400",
        "\t",
        "\r",
        "\x00",
        "\x1b[31m",
        "\ufeff",
        "\u2028",
        "é",
        "💥",
        "~",
        "null",
        "yes",
        "NO",
        "0x1F",
        "\\u0000",
    ],
    "json": [
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        '"',
        '"id"',
        '"title"',
        '"date"',
        '"start"',
        '"location"',
        '"lat"',
        "NaN",
        "Infinity",
        "-Infinity",
        "1e400",
        "1" + "0" * 30,
        "-0",
        "null",
        "true",
        " ",
        "\n",
        "\r",
        '"\\u0000"',
        '"\\ud800"',
        '"\\u001b[31m"',
        '"2024-02-30"',
        '"x"',
        "//",
        "/*",
        "\x00",
        "\ufeff",
        "💥",
    ],
    "csv": [
        ",",
        '"',
        '""',
        "\n",
        "\r",
        "\r\n",
        "id",
        "title",
        "summary",
        "event_type",
        "date_start",
        "latitude",
        "longitude",
        "source1_title",
        "source1_publisher",
        "depot_hit",
        "ukraine",
        "2024-10-09",
        "2024-02-30",
        "nan",
        "inf",
        "=1+1",
        "@SUM(A1)",
        "# ",
        ";",
        " ",
        "\t",
        "\x00",
        "\x1b",
        "\ufeff",
        "é",
        "💥",
    ],
}
CSV_HEADER = "id,title,summary,event_type,date_start,date_precision,initiator,latitude,longitude,"
CSV_HEADER += "location_precision,confidence,source1_publisher,source1_title\n"


def _joined(fmt: str) -> st.SearchStrategy[bytes]:
    pieces = st.lists(st.sampled_from(TOKENS[fmt]) | st.text(max_size=5), max_size=80).map("".join)
    if fmt == "csv":
        pieces = pieces.map(lambda text: CSV_HEADER + text) | pieces
    return pieces.map(lambda text: text.encode("utf-8", errors="surrogatepass"))


def file_bytes(fmt: str) -> st.SearchStrategy[bytes]:
    """Arbitrary bytes, or pieces of the format strung together, sometimes after a UTF-8 byte-order mark."""
    data = st.binary(max_size=2_000) | _joined(fmt)
    return st.tuples(st.booleans(), data).map(lambda pair: b"\xef\xbb\xbf" * pair[0] + pair[1])


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["2024-10-09", "2024-02-30", "9999-12-31", "0001-01-01", ".nan", "NaN", "inf", "russia"])
)
keys = st.sampled_from(FIELD_KEYS) | st.text(max_size=12)
nested = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=30,
)


def dumped(value: object, fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps(value, ensure_ascii=False).encode("utf-8", errors="surrogatepass")
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False).encode("utf-8", errors="surrogatepass")


def load_bytes(data: bytes, fmt: str) -> tuple[dict, str]:
    """Write ``data`` to a fresh file and load it; the outcome and the file as the loader names it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"records.{fmt}"
        path.write_bytes(data)
        return load_report([path]), str(path)


def assert_invariants(data: bytes, fmt: str) -> dict:
    report, shown = load_bytes(data, fmt)
    wrong = invariant_violations(report, [shown])
    if report["loaded"] < report["read"] and not [p for p in report["problems"] if p["severity"] == "error"]:
        wrong.append("records were rejected without an error")
    assert not wrong, "\n".join(wrong)
    return report


@BUDGET
@pytest.mark.parametrize("fmt", FORMATS)
@given(data=st.data())
def test_any_bytes_are_problems_never_a_failure(fmt: str, data: st.DataObject) -> None:
    assert_invariants(data.draw(file_bytes(fmt)), fmt)


@BUDGET
@pytest.mark.parametrize("fmt", ["yaml", "json"])
@given(value=nested | st.lists(nested, max_size=5))
def test_any_nested_data_is_problems_never_a_failure(fmt: str, value: object) -> None:
    assert_invariants(dumped(value, fmt), fmt)


def with_value(path: tuple, value: object) -> dict:
    """A valid record (id ``mutant``) with ``value`` at ``path``."""
    mutant = record(id="mutant")
    target = mutant
    for key in path[:-1]:
        target = target[key] if isinstance(key, int) else target.setdefault(key, {})
    target[path[-1]] = value
    return mutant


@BUDGET
@pytest.mark.parametrize("fmt", FORMATS)
@given(path=st.sampled_from(FIELD_PATHS + CONTAINER_PATHS), value=nested)
@example(path=("date", "start"), value={})  # found here: an internal error that rejected the whole file
@example(path=("location", "lat"), value=10**400)  # an integer no float can hold
def test_any_value_in_any_field_costs_at_most_its_record(fmt: str, path: tuple, value: object) -> None:
    """Between two valid records, a record with anything in one field: the two load, and the third loads or
    is rejected with an error at its own lines."""
    assume(path != ("id",) or "after" not in repr(value))  # the neighbour after would be a duplicate
    records = [(record(id="before"), LOAD), (with_value(path, value), EITHER), (record(id="after"), LOAD)]
    text, written = records_text(fmt, records)
    report, shown = load_bytes(text.encode("utf-8", errors="surrogatepass"), fmt)
    wrong = invariant_violations(report, [shown])
    wrong += expectation_violations(report, shown, Expectation("a record with anything in one field", written))
    assert not wrong, "\n".join(wrong)


# Text that a terminal does not show as written: controls (but the line feed) and line separators.
UNSAFE = {"\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"}
TEXT_PATHS = [schema_field.path for schema_field in FIELDS if schema_field.kind in (Kind.ID, Kind.TEXT)]
hostile_text = st.lists(
    st.characters(codec="utf-8") | st.sampled_from(["\x00", "\x1b[2J", "\r", "\n99 read, 99 loaded, 0 rejected"]),
    min_size=1,
    max_size=20,
).map("".join)


@BUDGET
@given(
    changes=st.lists(st.tuples(st.sampled_from([*TEXT_PATHS, ("type",), ("actors", "initiator")]), hostile_text))
    .map(dict)
    .filter(bool),
    fmt=st.sampled_from(FORMATS),
)
def test_validate_prints_only_safe_text_and_one_summary_last(changes: dict, fmt: str) -> None:
    """Whatever a record holds, `validate` escapes it: no raw control character, and no value can forge a line,
    let alone the summary."""
    mutant = record()
    for path, value in changes.items():
        target = mutant
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value
    text, _ = records_text(fmt, [(mutant, EITHER), (VALID_RECORD | {"id": "valid-neighbour"}, LOAD)])
    out, err = io.StringIO(), io.StringIO()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"records.{fmt}"
        path.write_text(text, encoding="utf-8")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(["validate", str(path)])
    printed = out.getvalue() + err.getvalue()
    unsafe = sorted(
        {ascii(char) for char in printed if (unicodedata.category(char) == "Cc" and char != "\n") or char in UNSAFE}
    )
    assert status in (0, 1)
    assert not unsafe, f"raw control characters in the output: {unsafe}"
    lines = out.getvalue().splitlines()
    summaries = [line for line in lines if line[:1].isdigit() and " read, " in line and " rejected" in line]
    assert summaries == lines[-1:], f"summary-like lines {summaries!r}, last line {lines[-1:]!r}"
