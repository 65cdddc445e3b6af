"""Command line: ``python -m dashboard validate [PATH ...]``, ``ingest PATH... --out DIR`` and ``export ...``.

validate and ingest: exit 0 when every record loaded, 1 when any record or file was rejected, 2 for bad usage
or a path that cannot be read. export: exit 0 when the file was written, 1 when the export failed, 2 for bad usage.
Both: 3 for an internal error (a defect of the dashboard, never of the data), so scripts can tell the two apart.

Everything printed goes through `dashboard.views.text.terminal_safe`: record text cannot add lines or move the cursor.
Heavy libraries (pandas, plotly, geodesy) are imported by the command that needs them, so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from dashboard.records.datapaths import DATA_ENV
from dashboard.records.schema import DISTANCE_UNITS_KM
from dashboard.store.settings import (
    DATASET_ENV,
    ENGINE_ENV,
    ENGINES,
    SPARK_MASTER_ENV,
    SettingsError,
    engine_settings,
)
from dashboard.views.text import terminal_safe

EXPORT_FORMATS = ("pptx", "pdf", "csv", "geojson", "kml", "json", "png", "svg", "html")
UNITS = tuple(DISTANCE_UNITS_KM)
SEARCHED = "title, summary, place, notes, who claims it, tags and sources (publisher, title, quote)"
DEBUG_ENV = "DASHBOARD_DEBUG"  # set to 1 to see the traceback of an internal error

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
            "'path:line: [record id] field: message', then 'N read, M loaded, K rejected'. "
            f"Default: ${DATA_ENV}, else the bundled data/events."
        ),
    )
    validate.add_argument("paths", nargs="*", metavar="PATH", help="record files or folders")
    validate.add_argument("--data", action="append", default=[], metavar="PATH", help="same as PATH (repeatable)")
    validate.add_argument("--quiet", action="store_true", help="print only errors and the summary, not warnings")
    _add_export_parser(commands)
    _add_ingest_parser(commands)
    return parser


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
        "--chart", choices=("map", "timeline", "counts"), default="map", help="what png, svg and html draw"
    )
    export.add_argument("--query", metavar="ADDRESS", help="the dashboard's address, or its query part")
    export.add_argument("--actor", action="append", default=[], help="actor name, id or alias (repeatable)")
    export.add_argument("--type", action="append", default=[], help="event type label or id (repeatable)")
    export.add_argument("--dates", nargs=2, metavar=("FROM", "TO"), help="YYYY-MM-DD YYYY-MM-DD")
    export.add_argument("--confidence", action="append", default=[], help="confidence level (repeatable)")
    export.add_argument("--precision", action="append", default=[], help="location precision (repeatable)")
    export.add_argument("--q", help=f"words that must all appear (any case) in the {SEARCHED}")
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
        "--force", action="store_true", help="replace an existing file (never one in the data being read)"
    )
    _add_engine_options(export)


def _checked_load(paths: list[Path], quiet: bool, table_wanted: bool = True):
    """Load ``paths`` and print every problem and the summary (as validate does): the events table (None
    when not wanted and no CSV file needs the Arrow path) and the report, or None for a bad path."""
    from dashboard.records.datapaths import DataPathError, find_record_files

    try:
        files, _ = find_record_files(paths)  # a bad path is answered before the loader's libraries are imported
    except DataPathError as error:
        say(f"error: {error}", sys.stderr)
        return None
    try:
        if table_wanted or any(path.suffix.lower() == ".csv" for path in files):
            from dashboard.records.fastload import load_table

            table, report = load_table(paths)
        else:  # hand-kept YAML and JSON: the report is all validate needs
            from dashboard.records.loader import load_events

            table, report = None, load_events(paths).report
    except DataPathError as error:  # a path that vanished meanwhile
        say(f"error: {error}", sys.stderr)
        return None
    for problem in report.problems:
        if quiet and problem.severity != "error":
            continue
        say(problem)
    say(report.summary())
    return table, report


def run_validate(args: argparse.Namespace) -> int:
    from dashboard.records.datapaths import data_paths

    loaded = _checked_load(data_paths([*args.paths, *args.data] or None), args.quiet, table_wanted=False)
    if loaded is None:
        return EXIT_USAGE
    return EXIT_REJECTED if loaded[1].errors else EXIT_OK


def run_ingest(args: argparse.Namespace) -> int:
    from dashboard.records.datapaths import data_paths, overlaps_data

    paths = data_paths(args.paths)
    out = Path(args.out)
    for path in paths:  # the dataset never goes into the records it is made from, nor replaces them
        if overlaps_data(out, [path]):
            say(f"error: {out} overlaps the records being read ({path}): choose a folder outside them", sys.stderr)
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
        return {"validate": run_validate, "ingest": run_ingest, "export": run_export}[args.command](args)
    except KeyboardInterrupt:
        say("interrupted", sys.stderr)
        return 130
    except Exception as error:  # a defect of ours: say so, and keep it apart from a rejection (exit 1)
        if os.environ.get(DEBUG_ENV) == "1":
            traceback.print_exc()
        say(
            f"internal error: {type(error).__name__}: {error}. This is a defect in the dashboard, not in your data;"
            f" set {DEBUG_ENV}=1 to see where it happened.",
            sys.stderr,
        )
        return EXIT_INTERNAL


def _export_params(args: argparse.Namespace) -> dict[str, list[str]]:
    """The address parameters the options stand for (``--query`` first, options added to it)."""
    from dashboard.views import params

    merged = params.parse_query(args.query) if args.query else {}
    options = {
        "actor": args.actor,
        "type": args.type,
        "dates": list(args.dates or []),
        "confidence": args.confidence,
        "precision": args.precision,
        "q": [args.q] if args.q else [],
        "event": [args.event] if args.event else [],
        "ring": args.ring,
        "band": ["false"] if args.no_band else [],
        "band_border": [args.band_border] if args.band_border else [],
        "band_side": [args.band_side] if args.band_side else [],
        "band_width": [args.band_width] if args.band_width else [],
        "band_unit": [args.band_unit] if args.band_unit else [],
    }
    for key, values in options.items():
        if values:
            merged[key] = [*merged.get(key, []), *values] if key not in ("dates", "band") else values
    return merged


def run_export(args: argparse.Namespace) -> int:
    from dashboard.exports import datafiles  # briefing and images (seconds to import) only when asked for
    from dashboard.exports.outfiles import ExportError
    from dashboard.geo import geodesy
    from dashboard.geo.geodesy import GeometryError
    from dashboard.geo.overlays import build_rings, centre_event_ids
    from dashboard.records.datapaths import DataPathError, data_paths, describe_paths, record_files
    from dashboard.records.registries import load_registries
    from dashboard.store import queries
    from dashboard.store.cache import open_store
    from dashboard.store.dataset import DatasetError
    from dashboard.store.engine import EngineError, open_dataset
    from dashboard.store.filters import Filters, caption
    from dashboard.store.selection import Selection
    from dashboard.views import params

    registries = load_registries()
    try:
        settings = engine_settings(args.engine, args.dataset, args.spark_master)
        paths = [] if settings.dataset else data_paths(args.data or None)
        if settings.dataset:
            store, report = open_dataset(settings, registries)
        else:
            store, report, _ = open_store(paths, record_files(paths), registries, engine_copy=False)
        dataset_actors = Selection.of(store, Filters()).dataset_actors if args.actor or args.query else []
        address = _export_params(args)
        view, notes = params.read_view(
            address, registries, sorted(geodesy.load_borders()), dataset_actors=dataset_actors
        )
        if notes:
            raise params.ParameterError("; ".join(notes))
    except (DataPathError, params.ParameterError, SettingsError, DatasetError, EngineError) as error:
        say(f"error: {error}", sys.stderr)
        return EXIT_USAGE
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
        f"dataset {settings.dataset}" if settings.dataset else describe_paths(paths),
        handling=args.handling,
    )
    kind = {"pptx": "briefing", "pdf": "briefing", "png": args.chart, "svg": args.chart, "html": args.chart}
    name = datafiles.file_name(kind.get(args.format, "events"), selection.date_bounds, view.filters, args.format)
    from dashboard.exports import outfiles  # the safe writer (no overwrite without --force, never into the data)
    from dashboard.records.datapaths import BUNDLED_DATA_DIR, record_files

    out = Path(args.out) if args.out else Path(name)
    new_folder = bool(args.out) and args.out.endswith(("/", "\\"))
    if new_folder or out.is_dir():
        out = out / name
    # The data being read: the named paths, the bundled data, and folders reached through links in named folders.
    try:
        linked = {path.parent for path in record_files([path for path in paths if path.is_dir()])}
    except DataPathError:
        linked = set()
    protected = [BUNDLED_DATA_DIR, *paths, *linked, *([settings.dataset] if settings.dataset else [])]
    described = out.with_name(out.name + ".json") if args.format == "csv" else None  # what the CSV holds
    try:
        outfiles.check_output(out, protected, force=args.force)
        if described is not None:
            outfiles.check_output(described, protected, force=args.force)
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
    try:
        if args.format in datafiles.DATA_FORMATS:
            data = datafiles.selection_export(args.format, selection, context)  # written a batch at a time
        elif args.format in ("pptx", "pdf"):
            from dashboard.exports import briefing

            judgements = params.judgement_lines(address.get("judgements", [])) + args.judgement
            data = briefing.briefing_file(args.format, selection, context, rings, view.band, args.title, judgements)
        else:
            from dashboard.exports import images

            data = images.chart_file(args.chart, args.format, selection, context, rings, view.band)
    except (ExportError, GeometryError) as error:
        say(f"error: export failed: {error}", sys.stderr)
        return EXIT_REJECTED
    try:
        size = outfiles.write_output(out, data, protected, force=args.force)
        if described is not None:
            description = datafiles.csv_description(context, selection.count, out.name)
            outfiles.write_output(described, description, protected, force=args.force)
    except outfiles.OutputRefused as error:
        say(f"error: {error}", sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        say(f"error: cannot write {out}: {error.strerror or error}", sys.stderr)
        return EXIT_REJECTED
    say(f"wrote {out} ({size:,} bytes): {context.caption}")
    if described is not None:
        say(f"wrote {described}: what the CSV holds, from which data, when")
    return EXIT_OK
