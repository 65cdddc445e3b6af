"""What the dataset readers share: column names as keys, lists, labelled notes, sources and date problems."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.model.problems import Problem, Severity
from dashboard.model.rawfile import SOURCE_COLUMNS, RawFile, RowIssue
from dashboard.sources.datasets.dates import ORDER_WORDS, ParsedDates

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
    """``column(name)``: the text column stripped, empty as missing (on Arrow, each worked out once), or an
    all-missing one when the file has none by that name."""
    seen: dict[str, pd.Series] = {}

    def column(name: str) -> pd.Series:
        if name not in seen:
            if name in frame:
                seen[name] = _as_series(_arrow_text(frame[name]), frame.index)
            else:
                seen[name] = pd.Series(np.nan, index=frame.index, dtype="str")
        return seen[name]

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


def as_read_file(raw: RawFile) -> RawFile:
    """A reader's mapped rows (Arrow-backed text) as the general checks take them."""
    return replace(raw, records=as_read(raw.records), sources=as_read_sources(raw.sources))


def _arrow_text(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """Stripped text on Arrow, empty as missing."""
    text = pc.utf8_trim_whitespace(pa.array(values, pa.string(), from_pandas=True))
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def _as_series(values: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    return pd.Series(pd.array(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan)), index=index)


def _joined(pieces: list[pa.Array | pa.ChunkedArray], separator: str) -> pa.Array:
    """The pieces of each row that are not missing joined by ``separator`` ("" when none), in one pass: the
    pieces become a list per row (Arrow's own null-skipping join drops rows)."""
    count, width = len(pieces[0]), len(pieces)
    arrays = [piece.combine_chunks() if isinstance(piece, pa.ChunkedArray) else piece for piece in pieces]
    given = np.vstack([np.asarray(pc.is_valid(array), dtype=bool) for array in arrays])  # piece × row
    positions = (np.arange(width)[None, :] * count + np.arange(count)[:, None]).ravel()  # row by row
    values = pa.concat_arrays([array.cast(pa.string()) for array in arrays]).take(positions[given.T.ravel()])
    offsets = np.zeros(count + 1, dtype=np.int32)
    np.cumsum(given.sum(axis=0), out=offsets[1:])
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), values), separator)


def joined_lists(*columns: pd.Series) -> pd.Series:
    """Several ``;``-separated text columns as one ``;``-separated list ("" when all are empty)."""
    return _as_series(_joined([_arrow_text(column) for column in columns], "; "), columns[0].index)


def labelled(parts: dict[str, pd.Series]) -> pd.Series:
    """``"ACLED: UKR1; interaction: State forces-Civilians"``: the given parts, each after its label."""
    pieces = [pc.binary_join_element_wise(label + ": ", _arrow_text(values), "") for label, values in parts.items()]
    joined = _joined(pieces, "; ")
    index = next(iter(parts.values())).index
    return _as_series(pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined), index)


def country_codes(codes: pd.Series, names: pd.Series) -> pd.Series:
    """ISO alpha-3 codes where the file has them, else the country's name (validation looks names up in the
    country registry for a dataset's rows)."""
    return codes.str.upper().where(codes.notna(), names)


def named_sources(names: pd.Series, title: pd.Series, quote: pd.Series, published: pd.Series) -> pd.DataFrame:
    """Long-form sources: each ``;``-separated name a source titled ``title``, the first quoting ``quote``."""
    lists = pc.split_pattern(pa.array(names.fillna(""), pa.string(), from_pandas=True), ";")
    items = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    kept = pc.not_equal(items, "")
    rows = pc.filter(pc.list_parent_indices(lists), kept).to_numpy().astype(np.int64)
    position = np.arange(len(rows))
    first = np.ones(len(rows), dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    number = position - np.maximum.accumulate(np.where(first, position, 0)) + 1
    index = names.index
    return pd.DataFrame(
        {
            "row": index.to_numpy()[rows],
            "number": number,
            "publisher": _as_series(pc.filter(items, kept), pd.RangeIndex(len(rows))),
            "title": title.iloc[rows].reset_index(drop=True),
            "url": None,
            "published": None,
            "quote": quote.iloc[rows].reset_index(drop=True).where(first),
        }
    )[["row", "number", *SOURCE_COLUMNS]]


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
