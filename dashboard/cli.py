"""Command line: ``python -m dashboard validate [PATH ...]`` and ``python -m dashboard export ...``.

validate: exit 0 when every record loaded, 1 when any record or file was rejected, 2 for bad usage or a path
that cannot be read. export: exit 0 when the file was written, 1 when the export failed, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from dashboard import exports, params
from dashboard.datapaths import DATA_ENV, DataPathError, data_paths, describe_paths
from dashboard.filters import apply_filters, caption
from dashboard.geo import GeometryError
from dashboard.loader import load_events
from dashboard.overlays import UNITS, build_rings
from dashboard.registries import load_registries

EXPORT_FORMATS = ("pptx", "pdf", "csv", "geojson", "kml", "json", "png", "svg", "html")

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


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
    return parser


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
    export.add_argument("--q", help="words that must appear in the title, summary or sources")
    export.add_argument("--event", help="the selected event's id")
    export.add_argument("--ring", action="append", default=[], help="RANGE@CENTRE, e.g. fath-360@place:Kharkiv")
    export.add_argument("--no-band", action="store_true", help="leave out the band along the border")
    export.add_argument("--band-border", help="e.g. RUS-UKR")
    export.add_argument("--band-side", help="e.g. RUS")
    export.add_argument("--band-width", help="e.g. 70")
    export.add_argument("--band-unit", choices=UNITS)
    export.add_argument("--title", default="Conflict events briefing", help="title of the briefing pack")
    export.add_argument("--handling", default="", help='handling banner on every slide, e.g. "UNCLASSIFIED"')
    export.add_argument("--force", action="store_true", help="overwrite a file that --out (a folder) would replace")


def run_validate(args: argparse.Namespace) -> int:
    try:
        result = load_events([*args.paths, *args.data] or None)
    except DataPathError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    for problem in result.problems:
        if args.quiet and problem.severity != "error":
            continue
        print(problem)
    print(result.summary())
    return EXIT_REJECTED if result.errors else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits 2 on bad usage, 0 on --help
        return int(exit_.code or 0)
    if args.command == "validate":
        return run_validate(args)
    if args.command == "export":
        return run_export(args)
    parser.error(f"unknown command {args.command}")  # pragma: no cover - argparse rejects it first
    return EXIT_USAGE


def _export_params(args: argparse.Namespace) -> dict[str, list[str]]:
    """The address parameters the options stand for (``--query`` first, options added to it)."""
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
    from dashboard import briefing, images  # heavy: only for exports

    registries = load_registries()
    try:
        paths = data_paths(args.data or None)
        result = load_events(paths, registries)
        view = params.view_from_params(_export_params(args), registries)
    except (DataPathError, params.ParameterError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if result.errors:
        print(f"warning: {result.summary()}; run `python -m dashboard validate` for the problems", file=sys.stderr)
    events = apply_filters(result.events, view.filters)
    rings, ring_errors = build_rings(view.rings, result.events, registries)
    if ring_errors:
        print("error: " + "; ".join(ring_errors), file=sys.stderr)
        return EXIT_USAGE
    context = exports.ExportContext(
        caption(view.filters, len(events), len(result.events), registries),
        describe_paths(paths),
        handling=args.handling,
    )
    kind = {"pptx": "briefing", "pdf": "briefing", "png": args.chart, "svg": args.chart, "html": args.chart}
    name = exports.file_name(kind.get(args.format, "events"), events, view.filters, args.format)
    out = Path(args.out) if args.out else Path(name)
    if args.out and args.out.endswith(("/", "\\")):
        out.mkdir(parents=True, exist_ok=True)
    if not out.parent.is_dir():
        print(f"error: folder {out.parent} does not exist", file=sys.stderr)
        return EXIT_USAGE
    if out.is_dir():
        out = out / name
        if out.exists() and not args.force:
            print(f"error: {out} exists; name it with --out FILE or pass --force to replace it", file=sys.stderr)
            return EXIT_USAGE
    try:
        if args.format in exports.DATA_FORMATS:
            data = exports.data_export(args.format, events, registries, context)
        elif args.format in ("pptx", "pdf"):
            data = briefing.briefing_file(args.format, events, registries, context, rings, view.band, args.title)
        else:
            data = images.chart_file(args.chart, args.format, events, registries, context, rings, view.band)
    except (images.ExportError, GeometryError) as error:
        print(f"error: export failed: {error}", file=sys.stderr)
        return EXIT_REJECTED
    out.write_bytes(data)
    print(f"wrote {out} ({len(data):,} bytes): {context.caption}")
    return EXIT_OK
