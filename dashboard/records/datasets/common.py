"""What the dataset readers share: column names as keys, lists, labelled notes, sources and date problems."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from dashboard.records.datasets.dates import ORDER_WORDS, ParsedDates
from dashboard.records.problems import Problem, Severity
from dashboard.records.readers import SOURCE_COLUMNS, RowIssue

UNATTRIBUTED = "Unattributed"  # the initiator of a dataset's event that names no actor (a dataset actor)
CATEGORY_STEP = " > "  # "event type > sub-event type": the most specific category that is mapped wins


def column_key(column: object) -> str:
    """``" SOURCE SCALE"`` → ``"source_scale"``: how dataset column names are compared."""
    return "_".join(str(column).strip().lower().split())


def keyed_columns(frame: pd.DataFrame, renamed: dict[str, str]) -> pd.DataFrame:
    """The frame with its columns as keys (older names renamed); the first of two same-named columns wins."""
    keys = [
        column if column == "record_line" else renamed.get(column_key(column), column_key(column))
        for column in frame.columns
    ]
    frame = frame.set_axis(keys, axis=1)
    return frame.loc[:, ~frame.columns.duplicated()]


def column_getter(frame: pd.DataFrame) -> Callable[[str], pd.Series]:
    """``column(name)``: the text column, or an all-missing one when the file has none by that name."""

    def column(name: str) -> pd.Series:
        if name in frame:
            return frame[name].astype("string").str.strip().replace("", pd.NA)
        return pd.Series(pd.NA, index=frame.index, dtype="string")

    return column


def as_read(records: pd.DataFrame) -> pd.DataFrame:
    """Text columns as the other readers give them (Python strings, None where missing), so a dataset's rows
    are checked and typed exactly as the same values in the dashboard's own CSV form."""
    lines = records["record_line"]
    records = records.astype(object).where(records.notna(), None)
    records["record_line"] = lines
    return records


def as_read_sources(sources: pd.DataFrame) -> pd.DataFrame:
    """Long-form sources with Python strings and None, as the other readers give them."""
    text = sources[SOURCE_COLUMNS].astype(object).where(sources[SOURCE_COLUMNS].notna(), None)
    return pd.concat([sources[["row", "number"]].astype(int), text], axis=1)


def _joined(pieces: list[pd.Series], separator: str) -> pd.Series:
    """The non-empty pieces of each row joined by ``separator`` (column by column, never row by row)."""
    result = pd.Series("", index=pieces[0].index, dtype=object) if pieces else pd.Series(dtype=object)
    for piece in pieces:
        piece = piece.astype("string").str.strip().fillna("").astype(object)
        between = pd.Series(separator, index=piece.index).where(result.ne("") & piece.ne(""), "")
        result = result + between + piece
    return result


def joined_lists(*columns: pd.Series) -> pd.Series:
    """Several ``;``-separated text columns as one ``;``-separated list (validation drops blank items)."""
    return _joined(list(columns), "; ")


def labelled(parts: dict[str, pd.Series]) -> pd.Series:
    """``"ACLED: UKR1; interaction: State forces-Civilians"``: the given parts, each after its label."""
    pieces = [(label + ": " + values.astype("string")).fillna("") for label, values in parts.items()]
    return _joined(pieces, "; ").replace("", None)


def country_codes(codes: pd.Series, names: pd.Series) -> pd.Series:
    """ISO alpha-3 codes where the file has them, else the country's name (validation looks names up in the
    country registry for a dataset's rows)."""
    return codes.str.upper().where(codes.notna(), names)


def named_sources(names: pd.Series, title: pd.Series, quote: pd.Series, published: pd.Series) -> pd.DataFrame:
    """Long-form sources: each ``;``-separated name a source titled ``title``, the first quoting ``quote``."""
    split = names.fillna("").str.split(";").explode().str.strip()
    split = split[split.ne("")]
    rows = split.index.to_numpy()
    frame = pd.DataFrame({"row": rows, "publisher": split.to_numpy()})
    frame["number"] = frame.groupby("row").cumcount() + 1
    frame["title"] = title.reindex(rows).to_numpy()
    frame["url"] = None
    frame["published"] = None
    frame["quote"] = quote.reindex(rows).where(frame["number"].eq(1).to_numpy(), None).to_numpy()
    return as_read_sources(frame[["row", "number", *SOURCE_COLUMNS]])


def date_issues(dates: ParsedDates, values: pd.Series, label: str) -> list[RowIssue]:
    """The dates not read, each on its row, and the dates not given."""
    unread = dates.reasons.dropna()
    issues = [RowIssue(int(row), "date", values[row], f"{label}: {reason}") for row, reason in unread.items()]
    return issues + [RowIssue(int(row), "date", None, f"{label} is empty") for row in values.index[values.isna()]]


def code_issues(
    codes: pd.Series, mapped: pd.Series, field: str, label: str, meanings: dict[str, str]
) -> list[RowIssue]:
    """A code outside the codebook's is an error on its row (a missing one is reported as missing later)."""
    wrong = codes.notna() & mapped.isna()
    allowed = ", ".join(f"{code} ({meaning})" for code, meaning in meanings.items())
    return [RowIssue(int(row), field, codes[row], f"{label} must be one of {allowed}") for row in codes.index[wrong]]


def order_note(name: str, dates: ParsedDates, column: str) -> list[Problem]:
    """A note saying how slashed dates were read, so the analyst can check the choice."""
    if dates.order is None:
        return []
    message = f"slashed dates in {column} read {ORDER_WORDS[dates.order]}: {dates.evidence}"
    return [Problem(name, None, None, column, None, message, Severity.WARNING)]
