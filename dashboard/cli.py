"""Command line: ``python -m dashboard validate [PATH ...]``.

Exit status: 0 when every record loaded, 1 when any record or file was rejected, 2 for bad usage or a
path that cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from dashboard.datapaths import DATA_ENV, DataPathError
from dashboard.loader import load_events

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
    return parser


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
    parser.error(f"unknown command {args.command}")  # pragma: no cover - argparse rejects it first
    return EXIT_USAGE
