"""Command line: ``python -m dashboard validate [PATH ...]``, ``ingest PATH... --out DIR``, ``export ...``,
``trends ...`` and ``draft ARTICLE --published DATE``.

validate and ingest: exit 0 when every record loaded, 1 when any record or file was rejected, 2 for bad usage
or a path that cannot be read. export: exit 0 when the file was written, 1 when the export failed, 2 for bad usage.
draft: exit 0 with drafts, 1 when the article holds no event, 2 for bad usage.
All: 3 for an internal error (a defect of the dashboard, never of the data), so scripts can tell the two apart.

Everything printed goes through `dashboard.views.text.terminal_safe`: record text cannot add lines or move the cursor.
Heavy libraries (pandas, plotly, geodesy) are imported by the command that needs them, so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import traceback
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from dashboard import settings
from dashboard.errors import DashboardError, RefusedError, UsageError
from dashboard.model.schema import DISTANCE_UNITS_KM
from dashboard.settings import (
    DATA_ENV,
    DATASET_ENV,
    DEBUG_ENV,
    ENGINE_ENV,
    ENGINES,
    SPARK_MASTER_ENV,
    SPARK_VERBOSE_ENV,
)
from dashboard.views.text import terminal_safe

if TYPE_CHECKING:
    from dashboard.loading.loader import Progress

EXPORT_FORMATS = ("pptx", "pdf", "csv", "geojson", "kml", "json", "png", "svg", "html", "gif", "mp4")
UNITS = tuple(DISTANCE_UNITS_KM)
SEARCHED = "title, summary, place, notes, who claims it, tags and sources (publisher, title, quote)"

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def say(message: object, stream: TextIO | None = None) -> None:
    """Print one line with every control character escaped."""
    print(terminal_safe(message), file=stream or sys.stdout)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="Conflict Event Dashboard tools.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    validate = commands.add_parser(
        "validate",
        help="check record files and report every problem",
        description=(
            "Check record files (YAML, JSON, CSV) and print one line per problem as "
            "'path:line: [record id] field: message', each file's as soon as it is checked, then "
            "'N read, M loaded, K rejected'. On a terminal, a line on stderr says how far the reading has gone. "
            f"Default: ${DATA_ENV}, else the bundled data/events."
        ),
    )
    validate.add_argument("paths", nargs="*", metavar="PATH", help="record files or folders")
    validate.add_argument("--data", action="append", default=[], metavar="PATH", help="same as PATH (repeatable)")
    validate.add_argument("--quiet", action="store_true", help="print only errors and the summary, not warnings")
    validate.add_argument(
        "--stories", metavar="DIR", help="a folder of stories to check too (default: data/stories beside the records)"
    )
    _add_export_parser(commands)
    _add_ingest_parser(commands)
    _add_trends_parser(commands)
    _add_draft_parser(commands)
    return parser


def _add_draft_parser(commands: argparse._SubParsersAction) -> None:
    draft = commands.add_parser(
        "draft",
        help="turn a news article (plain text) into draft event records for review",
        description=(
            "Read an article and write one draft record per event it reports: dates resolved against the "
            "publication date, actors, places, weapons, figures, confidence and the quote. Every field the "
            "extractor guessed is listed under the record's review: mapping; the loader refuses a record "
            "tagged !draft, so drafts never enter the data unreviewed. Exit 1 when the article holds no events."
        ),
    )
    draft.add_argument("article", metavar="ARTICLE.txt", help="the article as plain text (UTF-8)")
    draft.add_argument("--published", required=True, metavar="YYYY-MM-DD", help="the article's publication date")
    draft.add_argument("--publisher", help="who published it (default: guessed from the article's second line)")
    draft.add_argument("--url", help="the article's address (http or https)")
    draft.add_argument("--title", help="the article's title (default: its first line)")
    draft.add_argument("--out", metavar="FILE", help="YAML file to write (default: print to the terminal)")
    draft.add_argument("--force", action="store_true", help="replace an existing --out file")


def _add_ingest_parser(commands: argparse._SubParsersAction) -> None:
    ingest = commands.add_parser(
        "ingest",
        help="check record files and write them as a validated-events dataset (Parquet) for large data or Spark",
        description=(
            "Check record files like validate (same problems, same summary, same exit status), then write the "
            "records that passed as a validated-events dataset: Parquet partitioned by year, with the problems "
            "beside it. Open it with --dataset DIR (or $DASHBOARD_DATASET) on DuckDB or Spark."
        ),
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="record files or folders")
    ingest.add_argument("--out", required=True, metavar="DIR", help="the dataset folder to write (must be new)")
    ingest.add_argument("--force", action="store_true", help="replace an existing dataset folder (nothing else)")
    ingest.add_argument("--quiet", action="store_true", help="print only errors and the summary, not warnings")


def _add_engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dataset", metavar="DIR", help=f"a dataset written by ingest, instead of record files (${DATASET_ENV})"
    )
    parser.add_argument(
        "--engine", choices=ENGINES, help=f"the engine that reads --dataset (${ENGINE_ENV}; default duckdb)"
    )
    parser.add_argument("--spark-master", metavar="URL", help=f"Spark master (${SPARK_MASTER_ENV}; default local[2])")
    parser.add_argument(
        "--verbose",
        action="store_true",
        help=f"show Spark's own warnings and progress bars (${SPARK_VERBOSE_ENV}=1; quiet by default)",
    )


def _address(text: str) -> str:
    """``--query``'s text, refused as bad usage when it is empty (an unset variable) or not an address."""
    from dashboard.views.params import ParameterError, parse_query

    try:
        parse_query(text)
    except ParameterError as error:
        raise argparse.ArgumentTypeError(terminal_safe(error)) from None
    return text


def _add_filter_options(parser: argparse.ArgumentParser) -> None:
    """The sidebar's filters, as options or as the dashboard's address (``--query``)."""
    parser.add_argument(
        "--query", type=_address, metavar="ADDRESS", help="the dashboard's address, or its query part (not empty)"
    )
    parser.add_argument("--actor", action="append", default=[], help="actor name, id or alias (repeatable)")
    parser.add_argument("--type", action="append", default=[], help="event type label or id (repeatable)")
    parser.add_argument("--dates", nargs=2, metavar=("FROM", "TO"), help="YYYY-MM-DD YYYY-MM-DD")
    parser.add_argument("--confidence", action="append", default=[], help="confidence level (repeatable)")
    parser.add_argument("--precision", action="append", default=[], help="location precision (repeatable)")
    parser.add_argument("--country", action="append", default=[], help="country name or ISO code (repeatable)")
    parser.add_argument("--q", help=f"words that must all appear (any case) in the {SEARCHED}")


def _add_trends_parser(commands: argparse._SubParsersAction) -> None:
    trends = commands.add_parser(
        "trends",
        help="change against a baseline per actor, event type or country (CSV or JSON)",
        description=(
            "For each actor, event type or country: the events (or fatalities) of the latest period against the "
            "average of the periods before it, with ACLED Trendfinder's change levels (above +25%% a large "
            "increase, +10%% to +25%% moderate, -25%% to +10%% limited change, below -25%% a large decrease; an "
            "average of 2 or fewer with 5 or fewer in the latest period is limited change). The numbers of the "
            "Trends page, for the same filters."
        ),
    )
    trends.add_argument("--format", required=True, choices=("csv", "json"))
    trends.add_argument("--out", metavar="FILE", help="file to write (default: print to the terminal)")
    trends.add_argument("--data", action="append", default=[], metavar="PATH", help="record files or folders")
    trends.add_argument("--by", choices=("actor", "type", "country"), default="actor")
    trends.add_argument("--per", choices=("week", "month", "quarter"), default="month")
    trends.add_argument("--baseline", type=int, default=12, metavar="N", help="periods before the latest (1 to 104)")
    trends.add_argument("--measure", choices=("events", "fatalities"), default="events")
    trends.add_argument("--latest", metavar="YYYY-MM-DD", help="a day in the latest period (default: the last event's)")
    _add_filter_options(trends)
    trends.add_argument("--force", action="store_true", help="replace an existing --out file")
    _add_engine_options(trends)


def _add_export_parser(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser(
        "export",
        help="write the filtered events, a chart, the map or the briefing pack to a file",
        description=(
            "Export what the dashboard shows. Filters are the dashboard's address parameters: pass the address "
            "(or its query) with --query, or the options below. pdf is the briefing pack as PDF; png, svg and "
            "html draw --chart (default: the map)."
        ),
    )
    export.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    export.add_argument("--out", metavar="FILE", help="file to write, or a folder (default: a descriptive name here)")
    export.add_argument("--data", action="append", default=[], metavar="PATH", help="record files or folders")
    export.add_argument(
        "--chart", choices=("map", "timeline", "counts", "network"), default="map", help="what png, svg and html draw"
    )
    _add_filter_options(export)
    export.add_argument("--event", help="the selected event's id")
    export.add_argument("--ring", action="append", default=[], help="RANGE@CENTRE, e.g. fath-360@place:Kharkiv")
    export.add_argument("--no-band", action="store_true", help="leave out the band along the border")
    export.add_argument("--band-border", help="e.g. RUS-UKR")
    export.add_argument("--band-side", help="e.g. RUS")
    export.add_argument("--band-width", help="e.g. 70 (above 0, at most 500)")
    export.add_argument("--band-unit", choices=UNITS)
    export.add_argument("--title", default="Conflict events briefing", help="title of the briefing pack")
    export.add_argument(
        "--judgement",
        action="append",
        default=[],
        metavar="TEXT",
        help="a key judgement for the pack's bottom-line slide (repeat for several; also read from --query)",
    )
    export.add_argument("--handling", default="", help='handling banner on every slide, e.g. "UNCLASSIFIED"')
    export.add_argument(
        "--window", default="month", help="gif and mp4: the playback's window, week, month or N days (e.g. 10d)"
    )
    export.add_argument("--trail", type=int, default=2, help="gif and mp4: earlier windows drawn fading (0 to 3)")
    export.add_argument("--fps", type=float, default=2.0, help="gif and mp4: frames a second (above 0, up to 30)")
    export.add_argument(
        "--story",
        metavar="ID",
        help="export this story as a briefing pack (pptx or pdf): its filters, rings and band are the story's",
    )
    export.add_argument(
        "--stories", metavar="DIR", help="the folder of stories (default: data/stories beside the data)"
    )
    export.add_argument(
        "--force", action="store_true", help="replace an existing file (never one in the data being read)"
    )
    _add_engine_options(export)


def _checked_load(paths: list[Path], quiet: bool, table_wanted: bool = True, before_summary=None):
    """Load ``paths``, print each file's problems as soon as that file is checked, then the summary (as validate
    does): the events table (only its ids when not wanted) and the report, or None for a bad path. On a
    terminal, a line on stderr says how far the reading has gone. ``before_summary(table)``, when given, runs
    after the problems are printed and returns more summary."""
    from dashboard.sources.datapaths import DataPathError, find_record_files

    try:
        find_record_files(paths)  # a bad path is answered before the loader's libraries are imported
    except DataPathError as error:
        say(f"error: {error}", sys.stderr)
        return None
    from dashboard.loading.fastload import load_table

    progress = ProgressLine(sys.stderr) if not quiet and sys.stderr.isatty() else None

    def show(problems) -> None:
        if progress is not None:
            progress.clear()
        for problem in problems:
            if not (quiet and problem.severity != "error"):
                say(problem)
        sys.stdout.flush()  # each file's problems as soon as it is done, piped or not

    try:
        table, report = load_table(
            paths, on_problems=show, on_progress=progress, columns=None if table_wanted else ("id",)
        )
    except DataPathError as error:  # a path that vanished meanwhile
        say(f"error: {error}", sys.stderr)
        return None
    finally:
        if progress is not None:
            progress.clear()
    say(report.summary() + (before_summary(table) if before_summary else ""))
    return table, report


class ProgressLine:
    """How far the reading has gone, as one line of a terminal redrawn in place: shown once the reading has
    taken a few seconds, redrawn a few times a second at most, and wiped before anything else is printed."""

    AFTER_SECONDS = 2.0
    EVERY_SECONDS = 0.25

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.drawn_at = 0.0
        self.width = 0  # of the line on screen, 0 when none is

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if now - self.started < self.AFTER_SECONDS or now - self.drawn_at < self.EVERY_SECONDS:
            return
        self.drawn_at = now
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns or 80  # 0: a terminal that does not say
        except (OSError, ValueError):
            columns = 80
        share = f" ({progress.done / progress.total:.0%})" if progress.total else ""
        counts = f": {progress.records:,} records, {_megabytes(progress.done)} of {_megabytes(progress.total)}{share}"
        line = _fitted("checking " + terminal_safe(progress.file), counts, columns - 1)
        self.stream.write("\r" + line + " " * max(self.width - _width(line), 0))
        self.stream.flush()
        self.width = _width(line)

    def clear(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.0f} MB" if size >= 10e6 else f"{size / 1e6:,.1f} MB"


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal (East Asian wide characters take two)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _fitted(head: str, tail: str, columns: int) -> str:
    """``head + tail`` in ``columns``, the start of ``head`` (a file's path) cut off when too long: a line
    that wraps could not be redrawn in place."""
    if _width(head + tail) <= columns:
        return head + tail
    room = max(columns - _width(tail) - 1, 0)
    kept = ""
    for char in reversed(head):
        if _width(kept) + _width(char) > room:
            break
        kept = char + kept
    return ("…" + kept + tail)[: max(columns, 0)]


def run_validate(args: argparse.Namespace) -> int:
    from dashboard.sources.datapaths import data_paths
    from dashboard.sources.stories import story_folder

    paths = data_paths([*args.paths, *args.data] or None)
    named = args.stories or settings.current().stories
    if named and not Path(named).is_dir():
        say(f"error: stories {named}: no such folder", sys.stderr)
        return EXIT_USAGE
    folder = story_folder(paths, named)
    stories_rejected = []

    def check_stories(table) -> str:
        problems, summary = _story_problems(folder, table)
        for problem in problems:
            say(problem)
        stories_rejected.append(bool(problems))
        return f"; {summary}"

    loaded = _checked_load(paths, args.quiet, table_wanted=False, before_summary=check_stories if folder else None)
    if loaded is None:
        return EXIT_USAGE
    return EXIT_REJECTED if loaded[1].errors or any(stories_rejected) else EXIT_OK


def _story_problems(folder: Path, table) -> tuple[list, str]:
    """Every problem of the stories in ``folder`` against the loaded events (``table``: Arrow), and a summary
    (``"stories: 2 read, 1 loaded, 1 rejected"``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from dashboard.geo import geodesy
    from dashboard.model.registries import load_registries
    from dashboard.sources.stories import load_stories, story_files
    from dashboard.views import stories

    found, problems = load_stories(folder)
    wanted = pa.array(stories.referenced_ids(found), type=pa.string())
    ids = table.column("id") if table is not None else pa.array([], type=pa.string())
    known = set(pc.filter(ids, pc.is_in(ids, value_set=wanted)).to_pylist()) if len(wanted) else set()
    good, more = stories.check_stories(found, load_registries(), known, sorted(geodesy.load_borders()))
    read = len(story_files(folder))
    return problems + more, f"stories: {read} read, {len(good)} loaded, {read - len(good)} rejected"


def run_ingest(args: argparse.Namespace) -> int:
    from dashboard.sources.datapaths import BUNDLED_DATA_DIR, DataPathError, data_paths, overlaps_data, record_files

    paths = data_paths(args.paths)
    out = Path(args.out)
    try:  # folders reached through links inside named folders are read too
        linked = sorted({path.parent for path in record_files([path for path in paths if path.is_dir()])})
    except DataPathError:
        linked = []  # a named path that cannot be read is reported by the load below
    for path in [*paths, *linked]:  # the dataset never goes into the records it is made from, nor replaces them
        if overlaps_data(out, [path]):
            say(f"error: {out} overlaps the records being read ({path}): choose a folder outside them", sys.stderr)
            return EXIT_USAGE
    if overlaps_data(out, [BUNDLED_DATA_DIR]):  # read whenever no data is named, as exports never write there
        say(f"error: {out} is in the bundled data ({BUNDLED_DATA_DIR}): choose a folder outside it", sys.stderr)
        return EXIT_USAGE
    if out.exists() and not args.force:
        say(f"error: {out} exists: choose a new folder, or pass --force to replace that dataset", sys.stderr)
        return EXIT_USAGE
    loaded = _checked_load(paths, args.quiet)
    if loaded is None:
        return EXIT_USAGE
    table, report = loaded
    from dashboard.store.dataset import DatasetError, write_dataset

    try:
        info = write_dataset(table, report, out, force=args.force)
    except DatasetError as error:
        say(f"error: {error}", sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        say(f"error: cannot write {out}: {error.strerror or error}", sys.stderr)
        return EXIT_REJECTED
    say(f"wrote {info.events:,} events to {info.path} (open it with --dataset {info.path})")
    return EXIT_REJECTED if report.errors else EXIT_OK


class _TerminalSafeFormatter(logging.Formatter):
    """Library warnings (fpdf2 names the glyphs a font lacks) can quote record text: escape it too."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal_safe(super().format(record))

    def formatException(self, ei) -> str:
        """A library's traceback (kaleido's browser channel logs one for a message it ignores) is a defect
        report, not the analyst's to read: shown only with DASHBOARD_DEBUG=1, the message line always."""
        return super().formatException(ei) if settings.current().debug else ""


def _log_to_stderr() -> None:
    root = logging.getLogger()
    if not root.handlers:  # a host that set up logging (a test runner, a service) keeps its own
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_TerminalSafeFormatter("%(levelname)s: %(name)s: %(message)s"))
        root.addHandler(handler)


def main(argv: Sequence[str] | None = None) -> int:
    _log_to_stderr()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits 2 on bad usage, 0 on --help
        return int(exit_.code or 0)
    try:
        commands = {"validate": run_validate, "ingest": run_ingest, "export": run_export, "trends": run_trends}
        commands["draft"] = run_draft
        return commands[args.command](args)
    except DashboardError as error:  # one a command did not catch itself: still the person's to put right
        say(f"error: {error}", sys.stderr)
        return exit_status(error)
    except KeyboardInterrupt:
        say("interrupted", sys.stderr)
        return 130
    except Exception as error:  # a defect of ours: say so, and keep it apart from a rejection (exit 1)
        if settings.current().debug:
            traceback.print_exc()
        say(
            f"internal error: {type(error).__name__}: {error}. This is a defect in the dashboard, not in your data;"
            f" set {DEBUG_ENV}=1 to see where it happened.",
            sys.stderr,
        )
        return EXIT_INTERNAL


def _export_params(args: argparse.Namespace) -> dict[str, list[str]]:
    """The address parameters the options stand for (``--query`` first, options added to it), as the
    parameter registry maps options to parameters."""
    from dashboard.views import params

    return params.from_options(args, params.parse_query(args.query) if args.query else None)


@dataclass
class _Opened:
    """The data a command reads and the view its options describe."""

    registries: object
    engine: object
    paths: list[Path]
    store: object
    report: object
    view: object
    address: dict[str, list[str]]


def _open_data(args: argparse.Namespace):
    """The workspace the options name (a dataset, else record files), opened as the dashboard opens it."""
    from dashboard.store import workspace

    wanted = workspace.request(
        settings.current(), args.data, args.engine, args.dataset, args.spark_master, args.verbose
    )
    return workspace.open_workspace(wanted, engine_copy=False)


def _open_view(args: argparse.Namespace) -> _Opened:
    """Open the records (or dataset) and read the filters; raises the errors that are the user's to fix."""
    from dashboard.geo import geodesy
    from dashboard.store.filters import Filters
    from dashboard.store.selection import Selection
    from dashboard.views import params

    opened = _open_data(args)
    registries, engine, paths, store, report = (
        opened.registries,
        opened.engine,
        list(opened.paths),
        opened.store,
        opened.report,
    )
    dataset_actors = Selection.of(store, Filters()).dataset_actors if args.actor or args.query else []
    address = _export_params(args)
    view, notes = params.read_view(address, registries, sorted(geodesy.load_borders()), dataset_actors=dataset_actors)
    if notes:
        raise params.ParameterError("; ".join(notes))
    return _Opened(registries, engine, paths, store, report, view, address)


def _usage_errors() -> tuple[type[Exception], ...]:
    return (UsageError,)


def exit_status(error: DashboardError) -> int:
    """The exit status for a problem the person can put right: the one place the error kinds meet the codes."""
    return EXIT_REJECTED if isinstance(error, RefusedError) else EXIT_USAGE


def run_trends(args: argparse.Namespace) -> int:
    from datetime import date

    from dashboard.exports import trendfiles
    from dashboard.exports.datafiles import ExportContext
    from dashboard.sources.datapaths import BUNDLED_DATA_DIR, describe_paths
    from dashboard.store import queries
    from dashboard.store.filters import Filters, caption
    from dashboard.store.selection import Selection
    from dashboard.views import trends

    if not 1 <= args.baseline <= trends.MAX_BASELINE:
        say(f"error: --baseline must be 1 to {trends.MAX_BASELINE} periods, not {args.baseline}", sys.stderr)
        return EXIT_USAGE
    try:
        latest = date.fromisoformat(args.latest) if args.latest else None
    except ValueError:
        say(f"error: --latest {args.latest!r} is not a date (YYYY-MM-DD)", sys.stderr)
        return EXIT_USAGE
    try:
        opened = _open_view(args)
    except _usage_errors() as error:
        say(f"error: {error}", sys.stderr)
        return EXIT_USAGE
    if opened.report.errors:
        say(f"warning: {opened.report.summary()}; run `python -m dashboard validate` for the problems", sys.stderr)
    filters = opened.view.filters
    selection = Selection.of(opened.store, filters)
    options = trends.TrendOptions(args.by, args.per, args.baseline, args.measure, latest)
    result = trends.trends_of(selection, options, Selection.of(opened.store, Filters()).last_start)
    described = f"dataset {opened.engine.dataset}" if opened.engine.dataset else describe_paths(opened.paths)
    context = ExportContext(
        caption(filters, selection.count, queries.count(opened.store.table), opened.registries), described
    )
    data = trendfiles.trends_csv(result) if args.format == "csv" else trendfiles.trends_json(result, context)
    for note in result.notes:
        say(f"note: {note}", sys.stderr)
    if not args.out:
        for line in data.decode("utf-8").removeprefix("\ufeff").splitlines():
            say(line)
        return EXIT_OK
    protected = [BUNDLED_DATA_DIR, *opened.paths, *([opened.engine.dataset] if opened.engine.dataset else [])]
    out = _prepared_output(args, f"trends.{args.format}", protected)
    if isinstance(out, int):
        return out
    status, size = _write(out, data, protected, args.force)
    if status == EXIT_OK:
        say(f"wrote {out} ({size:,} bytes): {result.compared}, {len(result.table)} rows")
    return status


def run_export(args: argparse.Namespace) -> int:
    from dashboard.exports import datafiles  # briefing and images (seconds to import) only when asked for
    from dashboard.exports.outfiles import ExportError
    from dashboard.geo.overlays import build_rings, centre_event_ids
    from dashboard.sources.datapaths import describe_paths
    from dashboard.store import queries
    from dashboard.store.filters import caption
    from dashboard.store.selection import Selection
    from dashboard.views import params

    if args.story:
        return run_story_export(args)
    try:
        opened = _open_view(args)
    except _usage_errors() as error:
        say(f"error: {error}", sys.stderr)
        return EXIT_USAGE
    registries, engine, paths, store = opened.registries, opened.engine, opened.paths, opened.store
    report, view, address = opened.report, opened.view, opened.address
    if report.errors:
        say(f"warning: {report.summary()}; run `python -m dashboard validate` for the problems", sys.stderr)
    total = queries.count(store.table)
    selection = Selection.of(store, view.filters)
    centres = queries.events_by_id(store.table, registries, centre_event_ids(view.rings))
    rings, ring_errors = build_rings(view.rings, centres, registries)
    if ring_errors:
        say("error: " + "; ".join(ring_errors), sys.stderr)
        return EXIT_USAGE
    context = datafiles.ExportContext(
        caption(view.filters, selection.count, total, registries),
        f"dataset {engine.dataset}" if engine.dataset else describe_paths(paths),
        handling=args.handling,
    )
    kind = {"pptx": "briefing", "pdf": "briefing", "png": args.chart, "svg": args.chart, "html": args.chart}
    kind |= {"gif": f"playback_{args.window}", "mp4": f"playback_{args.window}"}
    name = datafiles.file_name(kind.get(args.format, "events"), selection.date_bounds, view.filters, args.format)
    from dashboard.sources.datapaths import BUNDLED_DATA_DIR, DataPathError, record_files

    # The data being read: the named paths, the bundled data, and folders reached through links in named folders.
    try:
        linked = {path.parent for path in record_files([path for path in paths if path.is_dir()])}
    except DataPathError:
        linked = set()
    protected = [BUNDLED_DATA_DIR, *paths, *linked, *([engine.dataset] if engine.dataset else [])]
    out = _prepared_output(args, name, protected, beside=".json" if args.format == "csv" else "")
    if isinstance(out, int):
        return out
    described = out.with_name(out.name + ".json") if args.format == "csv" else None  # what the CSV holds
    try:
        if args.format in datafiles.DATA_FORMATS:
            data = datafiles.selection_export(args.format, selection, context)  # written a batch at a time
        elif args.format in ("pptx", "pdf"):
            from dashboard.exports import briefing

            judgements = params.judgement_lines(address.get("judgements", [])) + args.judgement
            data = briefing.briefing_file(args.format, selection, context, rings, view.band, args.title, judgements)
        elif args.format in ("gif", "mp4"):
            from dashboard.exports import animation
            from dashboard.views import playback

            options = playback.PlaybackOptions(args.window, args.trail)
            frames = playback.frames_of(selection, options)
            if frames is None:
                raise ExportError("no events with a place and a date match these filters: nothing to play")
            extent = playback.playback_extent(selection)
            data = animation.animation_file(args.format, frames, registries, extent, context, args.fps)
        else:
            from dashboard.exports import images

            data = images.chart_file(args.chart, args.format, selection, context, rings, view.band)
    except RefusedError as error:
        say(f"error: export failed: {error}", sys.stderr)
        return exit_status(error)
    except UsageError as error:  # a playback window or trail that cannot be used (WindowError)
        say(f"error: {error}", sys.stderr)
        return exit_status(error)
    status, size = _write(out, data, protected, args.force)
    if status == EXIT_OK and described is not None:
        description = datafiles.csv_description(context, selection.count, out.name)
        status, _ = _write(described, description, protected, args.force)
    if status != EXIT_OK:
        return status
    say(f"wrote {out} ({size:,} bytes): {context.caption}")
    if described is not None:
        say(f"wrote {described}: what the CSV holds, from which data, when")
    return EXIT_OK


def _story_filter_options() -> tuple[str, ...]:
    """Options that set filters or overlays (the registry's, and --query, --judgement): a story brings its own."""
    from dashboard.views import params

    return ("query", *(p.option for p in params.PARAMETERS.values() if p.option), "judgement")


def _prepared_output(args: argparse.Namespace, name: str, protected: list, beside: str = "") -> Path | int:
    """Where the command writes: ``--out`` (a file, or a folder for ``name``), else ``name`` here; checked
    never to replace a file without ``--force`` nor to go into the data being read. ``beside``: a suffix for a
    second file written next to it, checked too. An exit status instead when it cannot be used."""
    from dashboard.exports import outfiles

    out = Path(args.out) if args.out else Path(name)
    new_folder = bool(args.out) and args.out.endswith(("/", "\\"))
    if new_folder or out.is_dir():
        out = out / name
    try:
        outfiles.check_output(out, protected, force=args.force)
        if beside:
            outfiles.check_output(out.with_name(out.name + beside), protected, force=args.force)
        if new_folder:
            out.parent.mkdir(parents=True, exist_ok=True)
    except outfiles.OutputRefused as error:
        say(f"error: {error}", sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        say(f"error: cannot write {out}: {error.strerror or error}", sys.stderr)
        return EXIT_REJECTED
    if not out.parent.is_dir():
        say(f"error: folder {out.parent} does not exist", sys.stderr)
        return EXIT_USAGE
    return out


def _write(out: Path, data, protected: list, force: bool) -> tuple[int, int]:
    """Write ``data`` to ``out`` safely (atomic, never into the data): the exit status and the bytes written."""
    from dashboard.exports import outfiles

    try:
        return EXIT_OK, outfiles.write_output(out, data, protected, force=force)
    except outfiles.OutputRefused as error:
        say(f"error: {error}", sys.stderr)
        return EXIT_USAGE, 0
    except OSError as error:
        say(f"error: cannot write {out}: {error.strerror or error}", sys.stderr)
        return EXIT_REJECTED, 0


def run_story_export(args: argparse.Namespace) -> int:
    """``export --story ID --format pptx|pdf``: the story as a pack (title, one slide per step, sources)."""
    from dashboard.exports.datafiles import ExportContext
    from dashboard.geo import geodesy
    from dashboard.sources.datapaths import BUNDLED_DATA_DIR, describe_paths
    from dashboard.sources.stories import story_folder
    from dashboard.views import stories

    if args.format not in ("pptx", "pdf"):
        say("error: --story exports a briefing pack: use --format pptx or pdf", sys.stderr)
        return EXIT_USAGE
    given = [f"--{name.replace('_', '-')}" for name in _story_filter_options() if getattr(args, name, None)]
    if given:
        say(
            f"error: --story takes its filters, rings and band from the story: leave out {', '.join(given)}", sys.stderr
        )
        return EXIT_USAGE
    try:
        opened = _open_data(args)
    except _usage_errors() as error:
        say(f"error: {error}", sys.stderr)
        return EXIT_USAGE
    registries, store, report = opened.registries, opened.store, opened.report
    dataset = opened.engine.dataset
    folder = story_folder([dataset] if dataset else list(opened.paths), args.stories or settings.current().stories)
    if folder is None or not folder.is_dir():
        say(f"error: no folder of stories{f' {folder}' if folder else ''}: name one with --stories DIR", sys.stderr)
        return EXIT_USAGE
    borders = sorted(geodesy.load_borders())
    found, problems = stories.checked_stories(folder, store, registries, borders)
    story = next((story for story in found if story.id == args.story), None)
    if story is None:
        mine = [problem for problem in problems if problem.record_id == args.story]
        for problem in mine:
            say(problem, sys.stderr)
        if mine:
            say(f"error: the story {args.story!r} has problems (above): it is not exported", sys.stderr)
            return EXIT_REJECTED
        known = ", ".join(story.id for story in found) or "none"
        say(f"error: no story has the id {args.story!r} in {folder} (stories: {known})", sys.stderr)
        return EXIT_USAGE
    if report.errors:
        say(f"warning: {report.summary()}; run `python -m dashboard validate` for the problems", sys.stderr)
    protected = [BUNDLED_DATA_DIR, *list(opened.paths), folder, *([dataset] if dataset else [])]
    out = _prepared_output(args, f"story_{story.id}.{args.format}", protected)
    if isinstance(out, int):
        return out
    described = f"dataset {dataset}" if dataset else describe_paths(list(opened.paths))
    context = ExportContext(stories.story_caption(story), described, handling=args.handling)
    title = None if args.title == "Conflict events briefing" else args.title  # the story's own, unless named
    try:
        from dashboard.exports import briefing

        data = briefing.story_file(args.format, story, store, registries, context, borders, title)
    except RefusedError as error:
        say(f"error: export failed: {error}", sys.stderr)
        return exit_status(error)
    status, size = _write(out, data, protected, args.force)
    if status == EXIT_OK:
        say(f"wrote {out} ({size:,} bytes): {context.caption}")
    return status


def _read_article(path: Path) -> tuple[str | None, str | None]:
    """The text of an article file and a warning, or None and why it cannot be read."""
    from dashboard.curation.drafts import MAX_ARTICLE_CHARS

    try:
        if not path.is_file():
            return None, f"{path}: no such file" if not path.exists() else f"{path}: not a file"
        size = path.stat().st_size
        if size > 4 * MAX_ARTICLE_CHARS:
            megabytes = size / 2**20
            return None, f"{path} is {megabytes:.0f} MB: an article may be at most {MAX_ARTICLE_CHARS:,} characters"
        data = path.read_bytes()
    except OSError as error:
        return None, f"cannot read {path}: {error.strerror or error}"
    if b"\x00" in data[:65536]:
        return None, f"{path} is not text (it holds NUL bytes): give the article as plain text"
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), f"{path} is not UTF-8: read as Windows-1252 (Latin-1)"


def run_draft(args: argparse.Namespace) -> int:
    """``draft ARTICLE.txt --published YYYY-MM-DD``: draft records as YAML, printed or written to --out."""
    from datetime import date

    from dashboard.curation.drafts import MAX_ARTICLE_CHARS, default_places, draft_records, drafts_yaml
    from dashboard.model.registries import load_registries
    from dashboard.sources.datapaths import BUNDLED_DATA_DIR

    try:
        published = date.fromisoformat(args.published)
    except ValueError:
        say(f"error: --published {args.published!r} is not a date (YYYY-MM-DD)", sys.stderr)
        return EXIT_USAGE
    if args.url and not args.url.lower().startswith(("http://", "https://")):
        say(f"error: --url {args.url!r} is not an http or https address", sys.stderr)
        return EXIT_USAGE
    path = Path(args.article)
    text, note = _read_article(path)
    if text is None:
        say(f"error: {note}", sys.stderr)
        return EXIT_USAGE
    if note:
        say(f"warning: {note}", sys.stderr)
    if len(text) > MAX_ARTICLE_CHARS:
        say(
            f"error: {path} has {len(text):,} characters: an article may have at most {MAX_ARTICLE_CHARS:,}", sys.stderr
        )
        return EXIT_USAGE
    if not text.strip():
        say(f"error: {path} holds no text: no drafts", sys.stderr)
        return EXIT_REJECTED
    registries = load_registries()
    drafts = draft_records(
        text,
        published,
        registries,
        default_places(registries),
        publisher=args.publisher,
        url=args.url,
        title=args.title,
    )
    if not drafts:
        say(f"error: no events found in {path}: no drafts written", sys.stderr)
        return EXIT_REJECTED
    data = drafts_yaml(drafts, article=path.name, published=published)
    counts: dict[str, int] = {}
    for draft in drafts:
        for name in draft.unsure:
            counts[name] = counts.get(name, 0) + 1
    unsure = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
    summary = f"{len(drafts)} drafts from {path}; fields to check (drafts): {unsure or 'none'}"
    if not args.out:
        for line in data.splitlines():
            say(line)
        say(summary, sys.stderr)
        return EXIT_OK
    protected = [BUNDLED_DATA_DIR]
    out = _prepared_output(args, "drafts.yaml", protected)
    if isinstance(out, int):
        return out
    status, size = _write(out, data.encode("utf-8"), protected, args.force)
    if status == EXIT_OK:
        say(f"wrote {out} ({size:,} bytes)", sys.stderr)
        say(summary, sys.stderr)
    return status
