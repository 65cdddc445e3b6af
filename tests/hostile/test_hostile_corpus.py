"""Hostile input (the corpus of `hostile_corpus`) through the loader, `validate`, every export and every page.

Everywhere: no traceback; read == loaded + rejected; every file counted; every problem names its file, and its
line and field when a record is at fault; each record loads or is rejected as its entry expects; a bounded
time per file; and nothing written anywhere but the named output.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import subprocess
import sys
import time
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.exports import images
from dashboard.exports.datafiles import FORMULA_START
from dashboard.loading.loader import load_events
from dashboard.sources.datapaths import shown_path
from hostile_corpus import (
    BRIEFING_ENTRY,
    DUPLICATE_ID,
    HOSTILE_TEXT,
    SURROGATE_ENTRIES,
    Expectation,
    brief,
    entry_names,
    expectation_violations,
    invariant_violations,
    is_pathological,
    is_slow,
    load_report,
    payload_record_id,
    write_corpus,
)
from tests_support import PAGES, app_test

REPO = Path(__file__).resolve().parents[2]
CORPUS_SCRIPT = Path(__file__).resolve().parent / "hostile_corpus.py"
DATA_DIR = REPO / "data"
SUMMARY = re.compile(r"(\d+) read, (\d+) loaded, (\d+) rejected")
JOBS = 2  # subprocesses at once
TOGETHER_SECONDS = 90  # loading the whole corpus at once, in a subprocess
VALIDATE_SECONDS = 60
PAGE_SECONDS = 180  # a page's first run loads the corpus (thousands of records, 100,000-character values)
# The output of a command must be text a terminal shows as written: no control character but the line feed
# (ESC starts terminal commands; CR, VT, FF, NEL and the Unicode separators start a line anywhere).
LINE_BREAKS = {"\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"}
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# A user's terminal is UTF-8 with strict errors; without this, Python would quietly pass surrogates through.
# The corpus script imports `tests_support`, one folder up (pytest finds it through its `pythonpath` setting).
SUBPROCESS_ENV = {key: value for key, value in os.environ.items() if key != "DASHBOARD_DATA"} | {
    "PYTHONIOENCODING": "utf-8",
    "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "tests"), os.environ.get("PYTHONPATH")])),
}


# --- the corpus -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Corpus:
    folder: Path
    expectations: dict[str, Expectation]

    def path(self, name: str) -> Path:
        return self.folder / name

    def shown(self, name: str) -> str:
        """The file as the loader names it in problems and counts."""
        return shown_path(self.path(name))

    def names(self, *, pathological: bool | None = None, exportable: bool | None = None) -> list[str]:
        return [
            name
            for name, expectation in self.expectations.items()
            if (pathological is None or is_pathological(name) == pathological)
            and (exportable is None or expectation.exportable == exportable)
        ]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    folder = tmp_path_factory.mktemp("corpus")
    return Corpus(folder, write_corpus(folder, slow=False))


def snapshot(*folders: Path) -> dict[str, tuple[int, int]]:
    """Every file below ``folders`` with its size and modification time."""
    found = {}
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                status = path.stat()
                found[ascii(str(path))] = (status.st_size, status.st_mtime_ns)
    return found


def listing(folder: Path) -> set[str]:
    return {ascii(path.name) for path in folder.iterdir()}


@contextmanager
def writes_watched(corpus: Corpus, workdir: Path) -> Iterator[list[str]]:
    """Yields a list that, after the block, names every file written or changed in the corpus, in the
    repository's ``data/`` or in ``workdir`` (the working folder)."""
    before = snapshot(corpus.folder, DATA_DIR), listing(workdir)
    changes: list[str] = []
    yield changes
    after = snapshot(corpus.folder, DATA_DIR), listing(workdir)
    changes += sorted(set(after[0].items()) ^ set(before[0].items()))
    changes += sorted(after[1] ^ before[1])


# --- what a load must give ------------------------------------------------------------------------------


def assert_load_as_expected(report: dict, corpus: Corpus, names: Sequence[str], together: bool = False) -> None:
    shown = [corpus.shown(name) for name in names]
    wrong = invariant_violations(report, shown)
    for name in names:
        expectation = corpus.expectations[name]
        wrong += [
            f"{brief(name)}: {problem}"
            for problem in expectation_violations(report, corpus.shown(name), expectation, together)
        ]
        if len(names) == 1 and report["cpu_seconds"] > expectation.seconds:
            took = f"{report['cpu_seconds']:.1f} s of processor time"
            wrong.append(f"{brief(name)}: loading took {took}, more than {expectation.seconds:g} s")
    assert not wrong, "\n".join(wrong)


# --- running commands -----------------------------------------------------------------------------------


class Run(NamedTuple):
    """A finished command: ``returncode`` is None when it was killed at its time limit."""

    returncode: int | None
    stdout: bytes
    stderr: bytes
    seconds: float

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8", errors="backslashreplace")

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", errors="backslashreplace")

    def describe(self) -> str:
        return (
            f"exit {self.returncode} after {self.seconds:.1f} s\n"
            f"stdout: {brief(self.out, 800)}\nstderr: {brief(self.err, 2000)}"
        )


def run(command: Sequence[str | Path], cwd: Path, timeout: float) -> Run:
    started = time.perf_counter()
    try:
        done = subprocess.run(
            list(map(str, command)), capture_output=True, cwd=cwd, timeout=timeout, env=SUBPROCESS_ENV
        )
    except subprocess.TimeoutExpired as expired:
        return Run(None, expired.stdout or b"", expired.stderr or b"", time.perf_counter() - started)
    return Run(done.returncode, done.stdout, done.stderr, time.perf_counter() - started)


def dashboard_command(*arguments: str | Path) -> list[str | Path]:
    return [sys.executable, "-m", "dashboard", *arguments]


def report_each_command(names: Sequence[str], corpus: Corpus) -> tuple[list[str | Path], float]:
    """The command loading each entry alone in a child killed after twice the entry's time limit (a busy
    machine gives less than one processor to each), and the command's own limit."""
    limits = {str(corpus.path(name)): 2 * corpus.expectations[name].seconds + 5 for name in names}
    return [sys.executable, CORPUS_SCRIPT, "--report-each", json.dumps(limits)], sum(limits.values()) + 60


def outcomes_of(done: Run, names: Sequence[str], corpus: Corpus) -> dict[str, dict]:
    assert done.returncode == 0, done.describe()
    outcomes = json.loads(done.stdout)
    return {name: outcomes[str(corpus.path(name))] for name in names}


class Background:
    """Commands started together, `JOBS` at a time, each in its own empty working folder, so they run while
    the tests of this process go on."""

    def __init__(self, corpus: Corpus, folder: Path) -> None:
        self.corpus, self.folder = corpus, folder
        self.pool = ThreadPoolExecutor(JOBS)
        self.jobs: dict[str, Future] = {}
        self.workdirs: dict[str, Path] = {}
        self.before = snapshot(corpus.folder, DATA_DIR)
        self.out_dir = folder / "exports"
        self.exports: dict[str, tuple[list[str | Path], Path]] = {}

    def start(self, key: str, command: Sequence[str | Path], timeout: float) -> None:
        self.workdirs[key] = workdir = self.folder / f"work-{len(self.jobs)}"
        workdir.mkdir()
        self.jobs[key] = self.pool.submit(run, command, workdir, timeout)

    def result(self, key: str) -> Run:
        return self.jobs[key].result()

    def strays(self, key: str) -> list[str]:
        """Files the command left in its working folder."""
        self.result(key)
        return sorted(listing(self.workdirs[key]))


def unsafe_characters(text: str) -> list[str]:
    """Characters a terminal would not show as written: controls (but the line feed) and line separators."""
    found = {
        char
        for char in text
        if (unicodedata.category(char) == "Cc" and char != "\n") or char in LINE_BREAKS or "\ud800" <= char <= "\udfff"
    }
    return sorted(ascii(char) for char in found)


def output_violations(done: Run) -> list[str]:
    """What is wrong with the output of any command: a traceback, an internal error, unsafe characters."""
    wrong = []
    if done.returncode is None:
        wrong.append(f"still running after {done.seconds:.0f} s: killed")
    elif done.returncode not in (0, 1, 2):
        wrong.append(f"exit status {done.returncode} (3 means an internal error)")
    for stream, data in (("stdout", done.stdout), ("stderr", done.stderr)):
        text = data.decode("utf-8", errors="backslashreplace")
        if "Traceback" in text:
            wrong.append(f"a traceback on {stream}: {brief(text[text.index('Traceback') :], 1500)}")
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            wrong.append(f"{stream} is not UTF-8: {error}")
        if unsafe := unsafe_characters(text):
            wrong.append(f"raw control characters on {stream}: {' '.join(unsafe)}")
    return wrong


VALIDATE_RUNS: dict[str, tuple[list[str], set[int]]] = {  # a representative set: entries, exit status
    "hostile text in ids, text, keys and columns": (
        [
            "text/hostile-text.yaml",
            "text/hostile-text.json",
            "text/hostile-text.csv",
            "yaml/oddities.yaml",
            "csv/hostile-column-names.csv",
        ],
        {1},
    ),
    "hostile file names": (["names"], {1}),
    "lone surrogates": (SURROGATE_ENTRIES, {1}),
    "broken files": (
        [
            "dates/out-of-range-unquoted.yaml",
            "dates/impossible-unquoted.yaml",
            "numbers/non-finite.json",
            "types/wrong-types.yaml",
            "encoding/binary-garbage.csv",
            "encoding/windows-1252.json",
            "truncated/inside-quotes.csv",
            "yaml/aliases.yaml",
            "yaml/tags.yaml",
            "empty/null.json",
        ],
        {1},
    ),
    "every pathological file": (["pathological"], {1}),
    "an empty file": (["empty/empty.yaml"], {0}),
}
DATA_EXPORTS = {
    "csv": ("csv", "map"),
    "geojson": ("geojson", "map"),
    "kml": ("kml", "map"),
    "json": ("json", "map"),
    "html-map": ("html", "map"),
    "html-timeline": ("html", "timeline"),
    "html-counts": ("html", "counts"),
}
SURROGATE_EXPORTS = {"csv-with-surrogates": ("csv", "map"), "html-with-surrogates": ("html", "timeline")}
IMAGE_EXPORTS = {"png-map": ("png", "map"), "pptx": ("pptx", "map"), "pdf": ("pdf", "map")}


def export_commands(
    exports: dict[str, tuple[str, str]], names: Sequence[str], corpus: Corpus, out_dir: Path
) -> dict[str, tuple[list[str | Path], Path]]:
    """``export --format F --chart C --out OUT_DIR/KEY/KEY.F --data ...`` for each export, with its output file
    (a folder of its own: an export may write a temporary file next to its output)."""
    data = [part for name in names for part in ("--data", corpus.path(name))]
    commands = {}
    for key, (fmt, chart) in exports.items():
        (out_dir / key).mkdir()
        out = out_dir / key / f"{key}.{fmt}"
        commands[key] = dashboard_command("export", "--format", fmt, "--chart", chart, "--out", out, *data), out
    return commands


@pytest.fixture(scope="module")
def background(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Background]:
    """Every subprocess of this module but the slow ones, started at once: the longest first, then in the order
    the tests need them."""
    jobs = Background(corpus, tmp_path_factory.mktemp("background"))
    jobs.start("together", [sys.executable, CORPUS_SCRIPT, "--report", corpus.folder], TOGETHER_SECONDS)
    command, timeout = report_each_command(corpus.names(pathological=True), corpus)
    jobs.start("pathological", command, timeout)
    for key, (names, _) in VALIDATE_RUNS.items():
        jobs.start(f"validate {key}", dashboard_command("validate", *map(corpus.path, names)), VALIDATE_SECONDS)
    jobs.out_dir.mkdir()
    jobs.exports = export_commands(
        DATA_EXPORTS, corpus.names(pathological=False, exportable=True), corpus, jobs.out_dir
    )
    jobs.exports |= export_commands(SURROGATE_EXPORTS, SURROGATE_ENTRIES, corpus, jobs.out_dir)
    for key, (command, _) in jobs.exports.items():
        jobs.start(f"export {key}", command, 180)
    yield jobs
    jobs.pool.shutdown(cancel_futures=True)


# --- (a) the loader, file by file and all together --------------------------------------------------------

ALL_NAMES = entry_names(slow=True)
REPORTS: dict[str, dict] = {}  # each entry's outcome loaded alone, for the summaries of `validate` to match


def _entry_param(name: str) -> pytest.param:
    return pytest.param(name, id=brief(name, 80))


@pytest.mark.parametrize("name", [_entry_param(name) for name in ALL_NAMES if not is_pathological(name)])
def test_corpus_file_loads_as_expected(name: str, corpus: Corpus, background: Background) -> None:
    """In this process (``background`` only starts the subprocesses of the later tests meanwhile)."""
    with writes_watched(corpus, Path.cwd()) as written:
        report = load_report([corpus.path(name)])
    assert not written, f"files written while loading: {written}"
    REPORTS[name] = report
    assert_load_as_expected(report, corpus, [name])


@pytest.mark.parametrize(
    "name", [_entry_param(name) for name in ALL_NAMES if is_pathological(name) and not is_slow(name)]
)
def test_pathological_file_loads_as_expected_in_bounded_time(name: str, corpus: Corpus, background: Background) -> None:
    outcome = outcomes_of(background.result("pathological"), [name], corpus)[name]
    assert "failure" not in outcome, outcome["failure"]
    REPORTS[name] = outcome["report"]
    assert_load_as_expected(outcome["report"], corpus, [name])


def test_whole_corpus_loads_together(corpus: Corpus, background: Background) -> None:
    """All files at once (in a subprocess: the pathological ones are among them): the same outcome per file,
    and an id used in three files loads once, the others rejected as duplicates."""
    done = background.result("together")
    assert done.returncode == 0, done.describe()
    report = json.loads(done.stdout)
    assert_load_as_expected(report, corpus, list(corpus.expectations), together=True)
    assert sum(event["id"] == DUPLICATE_ID for event in report["events"]) == 1
    duplicates = [p for p in report["problems"] if p["record_id"] == DUPLICATE_ID and p["severity"] == "error"]
    assert len(duplicates) == 2 and all("duplicate id" in problem["message"] for problem in duplicates), duplicates


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    folder = tmp_path_factory.mktemp("large")
    return Corpus(folder, write_corpus(folder, names=[name for name in ALL_NAMES if is_slow(name)]))


@pytest.mark.slow
@pytest.mark.parametrize("name", [name for name in ALL_NAMES if is_slow(name)])
def test_large_file_loads_as_expected_in_bounded_time(name: str, large: Corpus, tmp_path: Path) -> None:
    command, timeout = report_each_command([name], large)
    with writes_watched(large, tmp_path) as written:
        done = run(command, tmp_path, timeout)
    outcome = outcomes_of(done, [name], large)[name]
    assert not written, f"files written while loading: {written}"
    assert "failure" not in outcome, outcome["failure"]
    assert_load_as_expected(outcome["report"], large, [name])


# --- (b) `python -m dashboard validate` ------------------------------------------------------------------


def summary_violations(done: Run, expected: tuple[int, int, int] | None = None) -> list[str]:
    """The summary is the last line, the only one that looks like it, and it adds up (to ``expected``: read,
    loaded, rejected, when known)."""
    wrong = []
    lines = done.out.splitlines()  # splits on every line break a terminal or an editor may honour
    summaries = [line for line in lines if SUMMARY.match(line)]
    if len(summaries) != 1:
        wrong.append(f"{len(summaries)} lines look like the summary: {[brief(line, 100) for line in summaries]}")
    if not lines or not SUMMARY.fullmatch(lines[-1]):
        wrong.append(f"the last line is not the summary: {brief(lines[-1] if lines else '', 200)}")
    else:
        read, loaded, rejected = map(int, SUMMARY.fullmatch(lines[-1]).groups())
        if read != loaded + rejected:
            wrong.append(f"summary does not add up: {lines[-1]}")
        if expected and (read, loaded, rejected) != expected:
            wrong.append(f"summary {lines[-1]!r}, but loading the files gives {expected}")
    return wrong


def expected_counts(names: Sequence[str]) -> tuple[int, int, int] | None:
    """Read, loaded and rejected of the entries ``names`` (or below those folders), from their loads alone."""
    entries = [entry for entry in ALL_NAMES if any(entry == n or entry.startswith(n + "/") for n in names)]
    if not all(entry in REPORTS for entry in entries):
        return None
    return tuple(sum(REPORTS[entry][count] for entry in entries) for count in ("read", "loaded", "rejected"))


@pytest.mark.parametrize("key", list(VALIDATE_RUNS))
def test_validate_reports_without_traceback_and_with_one_real_summary(key: str, background: Background) -> None:
    done = background.result(f"validate {key}")
    wrong = output_violations(done) + summary_violations(done, expected_counts(VALIDATE_RUNS[key][0]))
    if done.returncode not in VALIDATE_RUNS[key][1]:
        wrong.append(f"exit status {done.returncode}, expected {VALIDATE_RUNS[key][1]}")
    assert not background.strays(f"validate {key}"), "validate wrote files in its working folder"
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("key", ["hostile text in ids, text, keys and columns", "hostile file names"])
def test_validate_output_has_no_bidirectional_overrides(key: str, background: Background) -> None:
    """U+202E and its kind reorder what a terminal shows: a problem line could read as another."""
    done = background.result(f"validate {key}")
    found = sorted({ascii(char) for char in done.out + done.err if char in BIDI_CONTROLS})
    assert not found, f"raw bidirectional controls in the output: {found}"


@pytest.mark.parametrize("key", ["hostile text in ids, text, keys and columns", "broken files"])
def test_validate_names_the_file_of_every_problem(key: str, corpus: Corpus, background: Background) -> None:
    """Each line but the summary starts with the file it is about (a line break in a value would start a line
    with something else)."""
    *problems, _ = background.result(f"validate {key}").out.splitlines() or [""]
    folder = str(corpus.folder)
    strays = [brief(line, 200) for line in problems if not line.startswith(folder)]
    assert problems and not strays, f"{len(strays)} of {len(problems)} lines name no corpus file: {strays[:10]}"


@pytest.mark.slow
def test_validate_on_the_large_file_is_bounded(large: Corpus, tmp_path: Path) -> None:
    [name] = large.expectations
    with writes_watched(large, tmp_path) as written:
        done = run(dashboard_command("validate", large.path(name)), tmp_path, timeout=180)
    assert not written, f"files written by validate: {written}"
    wrong = output_violations(done) + summary_violations(done)
    assert not wrong, "\n".join(wrong)
    assert done.returncode == 1


# --- (c) every export ------------------------------------------------------------------------------------

RAW_MARKUP = [HOSTILE_TEXT["script"], HOSTILE_TEXT["img-onerror"], "<script>window.pwned"]


@pytest.fixture(scope="module")
def exported_ids(corpus: Corpus) -> set[str]:
    """Ids of the records the exports hold: every record of the exportable files that loads."""
    result = load_events([corpus.path(name) for name in corpus.names(pathological=False, exportable=True)])
    return set(result.events["id"])


def _not_a_number(text: str) -> float:
    raise ValueError(f"{text} is not JSON")


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    """The rows of an exported CSV: the header is its first line."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _reloaded_ids(path: Path) -> tuple[set[str], list[str]]:
    result = load_events([path])
    return set(result.events["id"]), [str(problem) for problem in result.errors]


def check_csv(path: Path, ids: set[str]) -> list[str]:
    wrong = []
    rows = _csv_rows(path.read_bytes())
    if rows and "id" not in rows[0]:
        return [f"the header is not the first line: {brief(list(rows[0])[:5], 300)}"]
    about = json.loads(path.with_name(path.name + ".json").read_bytes(), parse_constant=_not_a_number)
    if about["events"] != len(ids) or about["file"] != path.name:
        wrong.append(f"the description beside the CSV says {about['events']} events in {about['file']!r}")
    text_columns = {"title", "summary", "date_phrase", "place", "notes", "claimed_by", "quantity_unit", "tags"}
    for row in rows:
        for column, cell in row.items():
            is_text = column in text_columns or re.fullmatch(r"source\d+_(publisher|title|quote)", column or "")
            if is_text and cell and cell.startswith(FORMULA_START):
                wrong.append(f"{row['id']} {column}: a spreadsheet would run {brief(cell, 60)}")
    if {row["id"] for row in rows} != ids:
        wrong.append(f"{len(rows)} rows, not the {len(ids)} records that loaded")
    reloaded, errors = _reloaded_ids(path)
    if reloaded != ids or errors:
        wrong.append(f"the CSV does not load again: {len(reloaded)} of {len(ids)} records, errors {errors[:5]}")
    return wrong


def check_json(path: Path, ids: set[str]) -> list[str]:
    document = json.loads(path.read_bytes(), parse_constant=_not_a_number)
    wrong = []
    if {event["id"] for event in document["events"]} != ids:
        wrong.append(f"{len(document['events'])} events, not the {len(ids)} records that loaded")
    reloaded, errors = _reloaded_ids(path)
    if reloaded != ids or errors:
        wrong.append(f"the JSON does not load again: {len(reloaded)} of {len(ids)} records, errors {errors[:5]}")
    return wrong


def check_geojson(path: Path, ids: set[str]) -> list[str]:
    collection = json.loads(path.read_bytes(), parse_constant=_not_a_number)
    wrong = []
    points = [feature for feature in collection["features"] if feature["properties"].get("feature") != "route"]
    if {feature["id"] for feature in points} != ids:
        wrong.append(f"{len(points)} event features, not the {len(ids)} records that loaded")
    for feature in collection["features"]:
        geometry = feature["geometry"]
        if geometry is None:  # an event with no place
            continue
        coordinates = geometry["coordinates"]
        values = {"Point": [coordinates], "LineString": coordinates}.get(geometry["type"])
        values = values if values is not None else [pair for part in coordinates for pair in part]
        if not all(math.isfinite(value) for pair in values for value in pair):
            wrong.append(f"{feature['id']}: coordinates {brief(coordinates, 200)}")
    return wrong


def check_kml(path: Path, ids: set[str]) -> list[str]:
    try:
        root = ET.fromstring(path.read_bytes())
    except ET.ParseError as error:
        line = path.read_bytes().splitlines()[error.position[0] - 1]
        return [f"not well-formed XML: {error}; the line: {brief(line, 200)}"]
    kml = "{http://www.opengis.net/kml/2.2}"
    placemarks = [mark for mark in root.iter(f"{kml}Placemark") if mark.find(f"{kml}LineString") is None]
    return [] if len(placemarks) == len(ids) else [f"{len(placemarks)} event placemarks for {len(ids)} records"]


def check_html(path: Path, ids: set[str]) -> list[str]:
    text = path.read_bytes().decode("utf-8")
    return [f"raw markup from the data: {brief(markup)}" for markup in RAW_MARKUP if markup in text]


CHECKS = {"csv": check_csv, "json": check_json, "geojson": check_geojson, "kml": check_kml, "html": check_html}


def export_violations(done: Run, out: Path, strays: list[str]) -> list[str]:
    wrong = output_violations(done)
    if done.returncode != 0:
        wrong.append(f"exit status {done.returncode}: {brief(done.err, 1500)}")
    if strays:
        wrong.append(f"files written besides the named output: {strays}")
    if not (out.is_file() and out.stat().st_size > 0):
        wrong.append(f"{out.name} was not written")
    return wrong


@pytest.mark.parametrize("key", list(DATA_EXPORTS))
def test_every_data_export_of_hostile_records_is_written_and_safe(
    key: str, background: Background, exported_ids: set[str]
) -> None:
    _, out = background.exports[key]
    wrong = export_violations(background.result(f"export {key}"), out, _export_strays(key, background))
    if out.is_file():
        wrong += CHECKS[DATA_EXPORTS[key][0]](out, exported_ids)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("key", list(SURROGATE_EXPORTS))
def test_export_of_records_with_lone_surrogates_is_written(key: str, background: Background) -> None:
    """A file name that is not UTF-8 and a JSON escape of half a character: the export says what it can."""
    _, out = background.exports[key]
    wrong = export_violations(background.result(f"export {key}"), out, _export_strays(key, background))
    assert not wrong, "\n".join(wrong)


def _export_strays(key: str, background: Background) -> list[str]:
    _, out = background.exports[key]
    expected = {out, out.with_name(out.name + ".json")} if out.suffix == ".csv" else {out}  # a CSV's description
    return background.strays(f"export {key}") + sorted(
        ascii(path.name) for path in out.parent.iterdir() if path not in expected
    )


def browser_or_skip() -> None:
    if images.find_browser() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no Chrome/Chromium for kaleido: CI must run the image exports")
        pytest.skip("no Chrome/Chromium: image exports skipped")


@pytest.fixture(scope="module")
def image_exports(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Run, Path, list]]:
    """The image and briefing exports of one small file (they start a browser: slow), two at a time."""
    browser_or_skip()
    folder = tmp_path_factory.mktemp("images")
    workdir, out_dir = folder / "work", folder / "out"
    workdir.mkdir()
    out_dir.mkdir()
    commands = export_commands(IMAGE_EXPORTS, [BRIEFING_ENTRY], corpus, out_dir)
    with ThreadPoolExecutor(JOBS) as pool:
        futures = {key: pool.submit(run, command, workdir, 240) for key, (command, _) in commands.items()}
    return {
        key: (futures[key].result(), out, sorted(listing(workdir) | (listing(out.parent) - {ascii(out.name)})))
        for key, (_, out) in commands.items()
    }


MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pptx": b"PK\x03\x04", "pdf": b"%PDF-"}


@pytest.mark.slow
@pytest.mark.parametrize("key", list(IMAGE_EXPORTS))
def test_images_and_briefing_packs_of_hostile_records_are_written(key: str, image_exports) -> None:
    done, out, strays = image_exports[key]
    wrong = export_violations(done, out, strays)
    assert not wrong, "\n".join(wrong)
    assert out.read_bytes().startswith(MAGIC[IMAGE_EXPORTS[key][0]])


# --- (d) every page --------------------------------------------------------------------------------------

# Markup that would be live in Streamlit Markdown: an unescaped image, HTML tag, icon, colour or link target.
LIVE_MARKDOWN = re.compile(r"(?<!\\)!\[|(?<!\\)<(script|img|b)\b|(?<!\\):material/|(?<!\\):red\[|\]\(javascript:")


def use_as_data(monkeypatch: pytest.MonkeyPatch, paths: Sequence[Path]) -> None:
    assert not any(os.pathsep in str(path) for path in paths)
    monkeypatch.setenv("DASHBOARD_DATA", os.pathsep.join(map(str, paths)))


@pytest.fixture
def corpus_as_data(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> Corpus:
    """Every regular file of the corpus but those with lone surrogates (see the test of those)."""
    names = [name for name in corpus.names(pathological=False) if name not in SURROGATE_ENTRIES]
    use_as_data(monkeypatch, [corpus.path(name) for name in names])
    return corpus


def open_page(page: str, **query: str) -> AppTest:
    """As `test_pages` opens a page, with more time: the first run loads the whole corpus."""
    at = app_test(timeout=PAGE_SECONDS, **query)
    at.run()
    if page != "pages/timeline.py":
        at.switch_page(page).run()
    return at


def page_faults(at: AppTest) -> list[str]:
    faults = [f"exception: {brief(exception.value, 1500)}" for exception in at.exception]
    faults += [f"error element: {brief(error.value, 600)}" for error in at.error]
    return faults


@pytest.mark.parametrize("page_file", PAGES)
def test_every_page_draws_the_corpus_without_errors(page_file: str, corpus_as_data: Corpus) -> None:
    at = open_page(page_file)
    assert not page_faults(at), "\n".join(page_faults(at))


@pytest.mark.parametrize("page_file", ["pages/data_quality.py", "pages/events.py"])
def test_pages_draw_records_with_lone_surrogates(
    page_file: str, corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file name that is not UTF-8 and a JSON escape of half a character: shown, not a failure."""
    use_as_data(monkeypatch, [corpus.path(name) for name in [*SURROGATE_ENTRIES, "text/every-payload.yaml"]])
    at = open_page(page_file)
    assert not page_faults(at), "\n".join(page_faults(at))


@pytest.mark.parametrize("payload", ["script", "markdown", "streamlit-markup"])
def test_detail_card_of_a_hostile_record_shows_its_text_inert(payload: str, corpus_as_data: Corpus) -> None:
    event_id = payload_record_id("text/every-payload.yaml", payload)
    at = open_page("pages/events.py", event=event_id)
    assert not page_faults(at), "\n".join(page_faults(at))
    assert at.selectbox(key="event").value == event_id, "the hostile record did not load or was not selected"
    card = "\n".join(block.value for block in at.main.markdown)
    live = sorted({match.group(0) for match in LIVE_MARKDOWN.finditer(card)})
    assert not live, f"live markup in the detail card: {live}"


# --- nothing written -------------------------------------------------------------------------------------


def test_nothing_was_written_but_the_named_outputs(corpus: Corpus, background: Background) -> None:
    """After every command of this module: the corpus and the repository's data/ are as they were, and no
    command left a file in its working folder."""
    for key in background.jobs:
        assert not background.strays(key), f"{key} left {background.strays(key)} in its working folder"
    assert snapshot(corpus.folder, DATA_DIR) == background.before, "files changed in the corpus or data/"
