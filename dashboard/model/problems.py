"""Problems found while reading records: values, never exceptions, so every one can be reported."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum

import pandas as pd


class Severity(StrEnum):
    ERROR = "error"  # the record is rejected (or the whole file, when no record is named)
    WARNING = "warning"  # the record is loaded; something in it deserves a look


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as the input allows."""

    file: str
    line: int | None
    record_id: str | None
    field: str | None
    value: str | None
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        """``path:line: [record id] field: message`` (the form editors and CI logs understand)."""
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        record = f" [{self.record_id}]" if self.record_id else ""
        field = f" {self.field}:" if self.field else ""
        level = " warning:" if self.severity is Severity.WARNING else ""
        return f"{where}:{record}{field}{level} {self.message}"


PROBLEM_COLUMNS = ["severity", "file", "line", "record_id", "field", "value", "message"]


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """The problems as a table, errors first, then by file and line."""
    frame = pd.DataFrame([asdict(problem) for problem in problems], columns=PROBLEM_COLUMNS)
    frame["line"] = frame["line"].astype("Int64")
    frame["severity"] = frame["severity"].astype(str)
    return frame.sort_values(["severity", "file", "line"], kind="stable", na_position="first").reset_index(drop=True)


def shorten(value: object, limit: int = 80) -> str:
    """A bad value as it may be shown in a message: its repr, cut to ``limit`` characters."""
    try:
        text = repr(value)
    except ValueError:  # a whole number (or a value holding one) with more digits than Python will write out
        digits = f"about {int(value.bit_length() * 0.30103):,} digits" if isinstance(value, int) else "too many digits"
        text = f"a number of {digits}"
    return text if len(text) <= limit else text[: limit - 1] + "…"
