"""Load event records from files into one validated DataFrame, with every problem found.

>>> result = load_events()                      # the bundled data/events
>>> result.events.columns[:3].tolist()
['id', 'title', 'summary']
>>> result.read == result.loaded + result.rejected + result.replaced
True
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.records.datapaths import SkippedFile, data_paths, find_record_files, shown_path
from dashboard.records.problems import Problem, Severity, problems_frame, shorten
from dashboard.records.readers import RawFile, read_file, subset_rows
from dashboard.records.registries import Registries, load_registries
from dashboard.records.releases import identities, replaced_rows
from dashboard.records.schema import CONFIDENCE_LEVELS, DATE_PRECISIONS, FIELDS, LOCATION_PRECISIONS
from dashboard.records.validation import check_records

log = logging.getLogger(__name__)


@dataclass
class FileCount:
    """Records read, loaded, rejected and replaced (by a later release of a dataset) for one file."""

    file: str
    read: int
    loaded: int
    rejected: int
    errors: int
    warnings: int
    replaced: int = 0


@dataclass
class LoadReport:
    """What loading found: every problem and the counts per file. ``read == loaded + rejected + replaced``
    always (``replaced``: rows a later release of a dataset revises, see `dashboard.records.releases`)."""

    problems: list[Problem]
    files: list[FileCount] = field(default_factory=list)

    @property
    def read(self) -> int:
        return sum(count.read for count in self.files)

    @property
    def loaded(self) -> int:
        return sum(count.loaded for count in self.files)

    @property
    def rejected(self) -> int:
        return sum(count.rejected for count in self.files)

    @property
    def replaced(self) -> int:
        return sum(count.replaced for count in self.files)

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity is Severity.ERROR]

    def summary(self) -> str:
        """``"18 read, 18 loaded, 0 rejected"`` (and how many later releases replaced, when any did)."""
        replaced = f", {self.replaced} replaced by later releases" if self.replaced else ""
        return f"{self.read} read, {self.loaded} loaded, {self.rejected} rejected{replaced}"

    def files_frame(self) -> pd.DataFrame:
        return pd.DataFrame([vars(count) for count in self.files], columns=list(FileCount.__dataclass_fields__))

    def problems_frame(self) -> pd.DataFrame:
        return problems_frame(self.problems)


@dataclass(kw_only=True)
class LoadResult(LoadReport):
    """The valid events with the report of loading them."""

    events: pd.DataFrame

    @property
    def loaded(self) -> int:
        return len(self.events)

    @property
    def report(self) -> LoadReport:
        return LoadReport(self.problems, self.files)


def load_events(paths: Sequence[str | Path] | None = None, registries: Registries | None = None) -> LoadResult:
    """Read, check and type every record in ``paths`` (default: see `dashboard.records.datapaths.data_paths`).

    Raises `dashboard.records.datapaths.DataPathError` when a named path does not exist or is not a file or folder;
    every other fault is a problem. No exception raised by a file's content escapes: a file that breaks the
    reader or the checks is reported as a problem of that file, and every other file still loads.
    """
    registries = registries or load_registries()
    files, skipped = find_record_files(data_paths(paths))
    raws = without_replaced([read_one(path) for path in files])
    result = combine_isolated(raws, registries)
    result.problems[:0] = skipped_problems(skipped)
    return result


def skipped_problems(skipped: Sequence[SkippedFile]) -> list[Problem]:
    """A warning for each path found under a data folder but not read (a FIFO, a looping link, ...)."""
    return [
        Problem(shown_path(item.path), None, None, None, None, f"skipped: {item.reason}", Severity.WARNING)
        for item in skipped
    ]


def read_one(path: Path) -> RawFile:
    """One file read; a reader defect costs that file (reported), never the whole load."""
    name = shown_path(path)
    try:
        return read_file(path, name)
    except Exception as error:  # a reader defect must cost one file, never the whole load
        log.exception("reading %s failed", name)
        return _failed(RawFile(name, pd.DataFrame(columns=["record_line"]), pd.DataFrame(columns=["row"])), error)


def _failed(raw: RawFile, error: BaseException) -> RawFile:
    """``raw`` with every record it held counted as read and rejected, for a file the loader cannot handle."""
    failed = RawFile(raw.path, pd.DataFrame(columns=["record_line"]), pd.DataFrame(columns=["row"]))
    failed.unreadable = len(raw.records) + raw.unreadable
    failed.problems = [
        Problem(
            raw.path,
            None,
            None,
            None,
            None,
            f"this file could not be checked, its {failed.unreadable} records are not loaded"
            f" (internal error: {type(error).__name__}: {shorten(str(error), 200)}); other files are not affected",
        )
    ]
    return failed


def without_replaced(raws: list[RawFile]) -> list[RawFile]:
    """The files with the rows a later release of their dataset revises left out (counted and noted)."""
    kept = []
    found = replaced_rows([identities(raw.path, raw.records) for raw in raws])
    for raw, (replaced, problems) in zip(raws, found, strict=True):
        kept.append(without_rows(raw, replaced, problems) if replaced.any() else raw)
    return kept


def without_rows(raw: RawFile, replaced: np.ndarray, problems: list[Problem]) -> RawFile:
    """``raw`` without the ``replaced`` rows, counting them and noting why."""
    kept = subset_rows(raw, ~replaced)
    kept.replaced, kept.problems = int(replaced.sum()), kept.problems + problems
    return kept


def combine_isolated(raws: list[RawFile], registries: Registries) -> LoadResult:
    """`combine`, but a file whose rows make the checks fail is reported on its own and the rest still load."""
    try:
        return combine(raws, registries)
    except Exception:
        log.exception("checking the files together failed; checking them one by one")
    checked = []
    for raw in raws:
        try:
            combine([raw], registries)
            checked.append(raw)
        except Exception as error:
            log.exception("checking %s failed", raw.path)
            checked.append(_failed(raw, error))
    return combine(checked, registries)


def combine(raws: list[RawFile], registries: Registries) -> LoadResult:
    """Check the rows of all files together (ids must be unique across files) and build the result."""
    problems: list[Problem] = list(registries.problems)
    frames, source_frames, offset = [], [], 0
    for file_number, raw in enumerate(raws):
        records = raw.records.copy()
        records["record_file"] = raw.path
        records["file_number"] = file_number
        sources = raw.sources.copy()
        sources["row"] = sources["row"].astype("int64") + offset
        frames.append(records)
        source_frames.append(sources)
        offset += len(records)
    records = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["record_line", "record_file"])
    if "file_number" not in records:
        records["file_number"] = pd.Series(dtype="int64")
    sources = pd.concat(source_frames, ignore_index=True) if source_frames else pd.DataFrame(columns=["row"])
    lines = pd.to_numeric(records["record_line"], errors="coerce").astype("Int64")
    where = records["record_file"].astype(str) + ":" + lines.astype(str)
    read_issues, offset = [], 0
    for raw in raws:  # issues found while reading, re-numbered to rows of the combined frame
        read_issues.extend(issue._replace(row=issue.row + offset) for issue in raw.issues)
        offset += len(raw.records)
    typed, issues = check_records(records, sources, registries, where, read_issues)
    issues.extend(read_issues)

    ids = typed["id"]
    rejected_rows = {issue.row for issue in issues if issue.severity is Severity.ERROR}
    for raw in raws:
        problems.extend(raw.problems)
    files_of_rows = records["record_file"].astype(str).tolist()  # plain lists: one lookup per problem
    lines_of_rows = [None if pd.isna(line) else int(line) for line in lines.tolist()]
    ids_of_rows = [None if pd.isna(record_id) else str(record_id) for record_id in ids.tolist()]
    for issue in sorted(issues, key=lambda item: (item.row, item.field)):
        problems.append(
            Problem(
                file=files_of_rows[issue.row],
                line=lines_of_rows[issue.row],
                record_id=ids_of_rows[issue.row],
                field=issue.field,
                value=shorten(issue.value),
                message=issue.message,
                severity=issue.severity,
            )
        )
    keep = ~typed.index.isin(sorted(rejected_rows))
    typed["record_file"] = records["record_file"].astype(str)
    typed["record_line"] = lines
    events = final_dtypes(typed[keep].reset_index(drop=True), registries)
    return LoadResult(events=events, problems=problems, files=_counts(raws, records, rejected_rows, problems))


def final_dtypes(events: pd.DataFrame, registries: Registries) -> pd.DataFrame:
    """Categoricals for coded fields (in registry order), so filters and legends list every category; columns
    in schema order. Also types rows read back from the engine (any subset of the columns)."""
    categories = {
        "event_type": (list(registries.event_types.index), False),
        "initiator": (list(registries.actors.index), False),
        "counterpart": (list(registries.actors.index), False),
        "date_precision": (DATE_PRECISIONS, True),
        "location_precision": (LOCATION_PRECISIONS, True),
        "confidence": (CONFIDENCE_LEVELS, True),
    }
    for name, (values, ordered) in categories.items():
        if name in events:
            if name in ("initiator", "counterpart"):  # a dataset's own actors come after the registry's
                others = set(events[name].dropna().astype(str)) - set(values)
                values = [*values, *sorted(others)]
            events[name] = pd.Categorical(events[name], categories=values, ordered=ordered)
    for name in ("country", "weapon", "located_by", "record_file"):
        if name in events:
            events[name] = events[name].astype("category")
    ordered_names = [schema_field.name for schema_field in FIELDS]
    return events[[name for name in ordered_names if name in events] + [c for c in events if c not in ordered_names]]


def _counts(
    raws: list[RawFile], records: pd.DataFrame, rejected_rows: set[int], problems: list[Problem]
) -> list[FileCount]:
    rows_per_file = records["file_number"].value_counts().to_dict()
    rejected_series = records["file_number"].iloc[sorted(rejected_rows)].value_counts().to_dict()
    by_file: dict[str, list[int]] = {}
    for problem in problems:
        tally = by_file.setdefault(problem.file, [0, 0])
        tally[0 if problem.severity is Severity.ERROR else 1] += 1
    counts = []
    for number, raw in enumerate(raws):
        rows = int(rows_per_file.get(number, 0))
        rejected = int(rejected_series.get(number, 0)) + raw.unreadable
        errors, warnings = by_file.get(raw.path, [0, 0])
        read = rows + raw.unreadable + raw.replaced
        loaded = rows - (rejected - raw.unreadable)
        counts.append(FileCount(raw.path, read, loaded, rejected, errors, warnings, raw.replaced))
    return counts
