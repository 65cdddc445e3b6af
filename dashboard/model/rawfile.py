"""A file's records as read, before any check: the flat form every reader produces and validation takes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
import pandas as pd

from dashboard.model.problems import Problem, Severity
from dashboard.model.schema import SOURCE_FIELDS

REPLACEMENT_CHARACTER = "\ufffd"  # what bytes that are not UTF-8 were read as
SOURCE_COLUMNS = [source_field.name for source_field in SOURCE_FIELDS]  # a source row's fields


class RowIssue(NamedTuple):
    """A problem with one row of a `RawFile` (row = its position), before the file and line are attached."""

    row: int
    field: str
    value: object
    message: str
    severity: Severity = Severity.ERROR


@dataclass
class RawFile:
    """What one file holds, read but not yet checked."""

    path: str
    records: pd.DataFrame  # flat field columns, plus "record_line"
    sources: pd.DataFrame  # "row", "number" and the SOURCE_FIELDS columns
    problems: list[Problem] = field(default_factory=list)  # about the file, or records that are not rows
    issues: list[RowIssue] = field(default_factory=list)  # about rows of `records`
    unreadable: int = 0  # records seen but not readable as rows (each has a problem)
    has_bad_bytes: bool = False  # bytes that are not UTF-8 were replaced by U+FFFD
    replaced: int = 0  # rows left out because a later release of the dataset revises them
    read_to: float = 1.0  # the share of the file read when this part of it was complete (for progress)


def subset_rows(raw: RawFile, keep: np.ndarray) -> RawFile:
    """``raw`` with only the rows ``keep`` (a mask) holds, their sources and issues renumbered to match."""
    positions = np.flatnonzero(keep)
    renumbered = {int(old): new for new, old in enumerate(positions)}
    records = raw.records.iloc[positions].reset_index(drop=True)
    sources = raw.sources[raw.sources["row"].isin(renumbered)].copy()
    sources["row"] = sources["row"].map(renumbered)
    issues = [issue._replace(row=renumbered[issue.row]) for issue in raw.issues if issue.row in renumbered]
    sources = sources.reset_index(drop=True)
    return replace(raw, records=records, sources=sources, problems=list(raw.problems), issues=issues)
