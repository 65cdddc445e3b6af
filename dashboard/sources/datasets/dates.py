"""Dates as downloaded datasets write them, read into ISO ``YYYY-MM-DD`` text (vectorised, no loop per row).

Accepted in one column, row by row: ISO ``2024-05-16`` (with a time or not), ``16 May 2024``, ``16-May-24``,
``16-May-2024``, compact ``20240516``, and slashed dates ``16/05/2024`` or ``5/16/2024`` with an optional time
(``00:00:00``, ``12:00:00 AM``). Whether slashed dates are day-first or month-first is settled once per file,
from evidence in the file: a part above 12, an AM/PM clock (a US re-save), or other dates the caller knows
for each row (an upload time the event cannot follow, a date written out in the notes). When nothing settles
it the slashed dates are not read, and the reason names the option that settles it (``dmy:`` or ``mdy:``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

DAY_FIRST, MONTH_FIRST = "dmy", "mdy"
DATE_ORDERS = (DAY_FIRST, MONTH_FIRST)
ORDER_WORDS = {DAY_FIRST: "day-first (16/05/2024)", MONTH_FIRST: "month-first (05/16/2024)"}
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*(?P<ampm>[AaPp][Mm]))?)?\s*"
_ISO = r"^\s*(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})" + _TIME + "$"
_COMPACT = r"^\s*(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})\s*$"
_WORDED = r"^\s*(?P<d>\d{1,2})[ -](?P<mon>[A-Za-z]{3,9})\.?[ ,-]+(?P<y>\d{2}|\d{4})" + _TIME + "$"
_SLASHED = r"^\s*(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<y>\d{4})" + _TIME + "$"
NOTES_DATE = r"\b(?:[Oo]n|[Bb]etween|[Ff]rom|[Aa]round)\s+(?P<d>\d{1,2})\s+(?P<mon>[A-Z][a-z]+)\s+(?P<y>\d{4})"


Known = pd.Series | Callable[[], pd.Series]  # other dates of the rows, or how to find them


@dataclass
class ParsedDates:
    """Dates read from one column: ISO text (None where not read), why each unread one was not, and how
    slashed dates were settled (an order and the evidence, or None when there were none)."""

    iso: pd.Series
    reasons: pd.Series  # text where a value was given but not read
    order: str | None = None
    evidence: str = ""


def _iso_text(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.Series:
    """``YYYY-MM-DD`` where the parts make a real date, else None."""
    frame = pd.DataFrame({"year": year, "month": month, "day": day}).astype("float")
    dates = pd.to_datetime(frame, errors="coerce")
    return dates.dt.strftime("%Y-%m-%d").where(dates.notna(), None)


def _two_digit_years(years: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(years, errors="coerce")
    return numbers.where(years.str.len() != 2, numbers + 2000)  # 24 → 2024 (these datasets start after 1989)


def plain_iso(values: pd.Series) -> np.ndarray:
    """Which values are real dates written exactly ``YYYY-MM-DD`` (most of a large file), found on Arrow."""
    text = pa.array(values, pa.string(), from_pandas=True)
    plain = np.asarray(pc.fill_null(pc.match_substring_regex(text, r"^\d{4}-\d{2}-\d{2}$"), False), dtype=bool)
    if not plain.any():
        return plain
    written = pc.filter(text, pa.array(plain))
    year, month, day = (
        pc.cast(pc.utf8_slice_codeunits(written, start, stop), pa.int64()).to_numpy()
        for start, stop in ((0, 4), (5, 7), (8, 10))
    )
    first = ((year - 1970) * 12 + np.clip(month, 1, 12) - 1).astype("datetime64[M]")
    date = first.astype("datetime64[D]") + (day - 1)
    real = (month >= 1) & (month <= 12) & (day >= 1) & (date.astype("datetime64[M]") == first)
    plain[plain] = real & (year >= 1900) & (year <= 2100)  # other years: the general reading below
    return plain


def candidates(values: pd.Series) -> tuple[pd.Series, pd.DataFrame]:
    """The unambiguous reading of each value (ISO text or None) and, for slashed values, both readings:
    columns ``dmy``, ``mdy`` (ISO text or None), ``a``, ``b`` (the two numbers) and ``ampm``. Each form is
    tried only on the values no earlier form read (most files write one form throughout)."""
    text = values.astype("string")
    plain = plain_iso(values)
    iso = values.astype("str").where(plain)  # stays on Arrow: most values are plain ISO dates
    rest = text[text.notna() & ~plain]
    for pattern in (_ISO, _COMPACT):
        parts = rest.str.extract(pattern)
        found = parts["y"].notna()
        if found.any():
            iso[found[found].index] = _iso_text(parts["y"][found], parts["m"][found], parts["d"][found])
            rest = rest[~found]
    worded = rest.str.extract(_WORDED)
    month = worded["mon"].str.lower().map(_MONTHS)
    found = worded["y"].notna() & month.notna()
    if found.any():
        iso[found[found].index] = _iso_text(_two_digit_years(worded["y"][found]), month[found], worded["d"][found])
        rest = rest[~found]
    slashed = rest.str.extract(_SLASHED)
    slashed = slashed[slashed["y"].notna()]
    readings = pd.DataFrame(
        {
            DAY_FIRST: _iso_text(slashed["y"], slashed["b"], slashed["a"]),
            MONTH_FIRST: _iso_text(slashed["y"], slashed["a"], slashed["b"]),
            "a": pd.to_numeric(slashed["a"]),
            "b": pd.to_numeric(slashed["b"]),
            "ampm": slashed["ampm"].notna(),
        },
        index=slashed.index,
    )
    return iso, readings


def settle_order(readings: pd.DataFrame, known: list[tuple[str, Known, str]]) -> tuple[str | None, str]:
    """The order of slashed dates in one file, and the evidence; (None, why not) when nothing settles it.

    ``known``: ``(kind, dates, label)`` for other dates of the same rows (ISO text, or a function giving them,
    called only when needed): ``"not-before"`` dates an event cannot follow (an upload time), ``"equal"``
    dates the event should equal (a date in the notes)."""
    if readings.empty:
        return None, ""
    day_first = (readings["a"] > 12).sum()
    month_first = (readings["b"] > 12).sum()
    if day_first and month_first:
        return None, f"{day_first} dates have a first part above 12 and {month_first} a second part above 12"
    if day_first or month_first:
        order = DAY_FIRST if day_first else MONTH_FIRST
        part = "first" if day_first else "second"
        return order, f"{max(day_first, month_first)} dates have a {part} part above 12, which can only be the day"
    if readings["ampm"].all():
        return MONTH_FIRST, "times are written with AM/PM, as a US-English spreadsheet writes month-first dates"
    both = readings[readings[DAY_FIRST] != readings[MONTH_FIRST]]
    if both.empty:  # every date reads the same either way (5/5/2024)
        return DAY_FIRST, "every date reads the same either way"
    for kind, dates, label in known:
        dates = (dates() if callable(dates) else dates).reindex(both.index)
        usable = dates.notna()
        if not usable.any():
            continue
        if kind == "equal":
            hits = {order: int((both[order][usable] == dates[usable]).sum()) for order in DATE_ORDERS}
        else:  # the event is on or before the known date
            hits = {order: int((both[order][usable] <= dates[usable]).sum()) for order in DATE_ORDERS}
        if hits[DAY_FIRST] != hits[MONTH_FIRST]:
            order = max(hits, key=hits.__getitem__)
            agree, of = hits[order], int(usable.sum())
            return order, f"{agree} of {of} dates agree with the {label} only when read {ORDER_WORDS[order]}"
    return None, "every slashed date has both parts 12 or under, and nothing else in the file tells the order"


def parse_dates(values: pd.Series, order: str | None = None, known: list[tuple[str, Known, str]] = ()) -> ParsedDates:
    """Read a column of dates (see the module's description). ``order`` forces the order of slashed dates."""
    given = values.notna() & values.astype("string").str.strip().ne("").fillna(False)
    iso, readings = candidates(values)
    evidence = "named with the file" if order else ""
    if order is None and not readings.empty:
        order, evidence = settle_order(readings, list(known))
    if not readings.empty and order is not None:
        iso[readings.index] = readings[order]
    reasons = pd.Series(None, index=values.index, dtype=object)
    unread = given & iso.isna()
    if unread.any():
        slashed = unread & values.index.isin(readings.index)
        reasons[unread] = "not a date (expected e.g. 2024-05-16, 16 May 2024 or 16/05/2024)"
        if slashed.any() and order is None:
            reasons[slashed] = (
                "day-first or month-first? Not settled by this file: "
                + evidence
                + "; name the file dmy:PATH or mdy:PATH"
            )
        elif slashed.any():
            reasons[slashed] = f"not a real date when read {ORDER_WORDS[order]} ({evidence})"
    return ParsedDates(iso, reasons, order if not readings.empty else None, evidence)


def notes_dates(notes: pd.Series) -> pd.Series:
    """A date written out at the start of a note ("On 16 May 2024, ..."), as ISO text, else None."""
    parts = notes.astype("string").str.extract(NOTES_DATE)
    month = parts["mon"].str.lower().map(_MONTHS)
    found = parts["y"].notna() & month.notna()
    result = pd.Series(None, index=notes.index, dtype=object)
    if found.any():
        result[found] = _iso_text(parts["y"][found], month[found], parts["d"][found])
    return result


def unix_days(stamps: pd.Series) -> pd.Series:
    """Unix times in seconds as ISO dates (None where not a number)."""
    seconds = pd.to_numeric(stamps, errors="coerce")
    seconds = seconds.where((seconds > 0) & (seconds < 4_102_444_800))  # before 2100
    dates = pd.to_datetime(seconds, unit="s", errors="coerce")
    return dates.dt.strftime("%Y-%m-%d").where(dates.notna(), None).astype(object)


def _days(iso: pd.Series) -> np.ndarray:
    """ISO date text as days (NaT where missing or not a date)."""
    text = pa.array(iso, pa.string(), from_pandas=True)
    parsed = pc.cast(pc.strptime(text, "%Y-%m-%d", "s", error_is_null=True), pa.date32())
    return np.asarray(parsed.to_numpy(zero_copy_only=False), dtype="datetime64[D]")


def _iso_series(days: np.ndarray, index: pd.Index) -> pd.Series:
    text = pc.cast(pa.array(days, pa.date32(), from_pandas=True), pa.string())
    return pd.Series(pd.array(text, dtype="str"), index=index)


def shift_days(iso: pd.Series, days: int) -> pd.Series:
    return _iso_series(_days(iso) + np.timedelta64(days, "D"), iso.index)


def month_start(iso: pd.Series) -> pd.Series:
    return _iso_series(_days(iso).astype("datetime64[M]").astype("datetime64[D]"), iso.index)


def year_start(iso: pd.Series) -> pd.Series:
    return _iso_series(_days(iso).astype("datetime64[Y]").astype("datetime64[D]"), iso.index)
