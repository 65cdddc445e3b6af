"""Check read records against `dashboard.model.schema`, column by column (vectorised), and type them.

`check_records` takes the flat rows of every file at once (so duplicate ids across files are found) and
returns the typed events of the valid rows plus every problem found, each tied to its row.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dashboard.model.problems import Severity
from dashboard.model.rawfile import REPLACEMENT_CHARACTER, RowIssue
from dashboard.model.registries import Registries, name_key
from dashboard.model.schema import (
    DISTANCE_UNITS_KM,
    EARLIEST_DATE,
    FIELDS,
    LATEST_DATE,
    POINTS,
    RANGES,
    SOURCE_FIELDS,
    Field,
    Kind,
    Source,
)

if TYPE_CHECKING:
    from dashboard.places.gazetteer import PlaceMatch

_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_LIST_TYPES = (list, tuple)
# NaN and infinity as written in YAML (.nan, .inf), JSON (NaN, Infinity) or text (nan, inf, -infinity)
_ISO_SHAPED = re.compile(r"^\s*[+-]?\d{4,}-\d{1,2}-\d{1,2}\b")
_NON_FINITE = re.compile(r"^\s*[+-]?\.?(nan|inf|infinity)\s*$", re.IGNORECASE)
_NOT_TEXT_TYPES = (list, tuple, dict, set, bool)
_PRECISION_OFFSETS = {
    "day": pd.Timedelta(0),
    "week": pd.Timedelta(days=6),
    "month": pd.offsets.MonthEnd(0),
    "year": pd.offsets.YearEnd(0),
}


class _Checker:
    """Holds the rows being checked and collects `RowIssue`s; one method per field kind."""

    def __init__(self, records: pd.DataFrame, registries: Registries) -> None:
        self.records = records
        self.registries = registries
        self.issues: list[RowIssue] = []
        self.flagged: dict[str, pd.Series] = {}  # field -> rows already reported for it
        self.index = records.index
        # Rows of an imported dataset: an actor no registry entry matches is kept under its own name.
        self.dataset_rows = _present(records["dataset"]) if "dataset" in records else pd.Series(False, index=self.index)

    def report(self, mask: pd.Series, field: str, values: pd.Series, message: str | pd.Series) -> None:
        """Add an error for each row where ``mask`` is true."""
        self.add(mask, field, values, message, Severity.ERROR)

    def add(
        self,
        mask: pd.Series,
        field: str,
        values: pd.Series,
        message: str | pd.Series,
        severity: Severity,
    ) -> None:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        self.flagged[field] = self.flagged[field] | mask if field in self.flagged else mask
        rows = mask.index[mask.to_numpy()]
        messages = message[rows] if isinstance(message, pd.Series) else [message] * len(rows)
        for row, value, text in zip(rows, values[rows], messages, strict=True):
            self.issues.append(RowIssue(int(row), field, value, str(text), severity))

    def column(self, name: str) -> pd.Series:
        if name in self.records:
            return self.records[name]
        return pd.Series(None, index=self.index, dtype=object)


def _per_unique(values: pd.Series, function: Callable[[object], object]) -> pd.Series:
    """``values.map(function)`` computed once per distinct value (coded fields repeat a lot)."""
    try:
        uniques = values.dropna().unique()
    except TypeError:  # unhashable values (lists, mappings) where text was expected: one call per value
        return values.map(function, na_action="ignore")
    return values.map(dict(zip(uniques, map(function, uniques), strict=True)), na_action="ignore")


# --- values of one kind -----------------------------------------------------------------------------------


def _present(values: pd.Series) -> pd.Series:
    """True where a value was given (not missing, not blank text, not an empty list)."""
    if values.isna().all():
        return pd.Series(False, index=values.index)
    if (pd.api.types.is_string_dtype(values) and values.dtype != object) or _only_text(values):
        return (values.notna() & values.str.strip().ne("")).astype(bool)
    return values.map(lambda value: not _blank(value), na_action=None).astype(bool)


def _only_text(values: pd.Series) -> bool:
    """Whether an object column holds only text and missing values (checked in C, not value by value)."""
    return values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, _LIST_TYPES):
        return len(value) == 0
    return False


def _text(values: pd.Series, present: pd.Series, checker: _Checker, field: str) -> pd.Series:
    """Values as stripped text; lists, mappings and booleans are wrong-type errors."""
    if not present.any():
        return pd.Series(None, index=values.index, dtype="str")
    if values.dtype == object and not _only_text(values):
        wrong = present & values.map(lambda value: isinstance(value, _NOT_TEXT_TYPES))
        checker.report(
            wrong,
            field,
            values,
            "expected text, got " + values.map(lambda v: type(v).__name__),
        )
        values = values.where(~wrong).map(
            lambda value: value if isinstance(value, str) else str(value),
            na_action="ignore",
        )
    text = (
        values if pd.api.types.is_string_dtype(values) and values.dtype != object else values.astype("str")
    ).str.strip()
    bad_bytes = present & text.str.contains(REPLACEMENT_CHARACTER, regex=False).fillna(False)
    checker.report(bad_bytes, field, values, "holds bytes that are not valid UTF-8")
    return text.where(text.ne(""), None)


def _numbers(values: pd.Series, present: pd.Series, checker: _Checker, field: str) -> pd.Series:
    """Numbers, finite ones only: NaN and infinity (``.nan``, ``NaN``, ``inf``, ...) are errors, not blanks."""
    non_finite = pd.Series(False, index=values.index)
    if not pd.api.types.is_numeric_dtype(values):
        non_finite = _per_unique(values, _is_non_finite_text).eq(True)
        present = present | non_finite
    if not present.any():
        return pd.Series(np.nan, index=values.index, dtype="float64")
    wrong = pd.Series(False, index=values.index)
    if values.dtype == object and not _only_text(values):
        wrong = present & values.map(lambda value: isinstance(value, _NOT_TEXT_TYPES))
        checker.report(wrong, field, values, "expected a number")
    numbers = _to_float(values.where(~(wrong | non_finite)))
    infinite = present & np.isinf(numbers)
    too_large = infinite & _only(infinite, values, _is_whole_number)
    if too_large.any():  # a whole number written with hundreds of digits: say so, not "infinity"
        checker.report(too_large, field, values, values.map(_too_large, na_action="ignore"))
    non_finite |= infinite & ~too_large
    checker.report(non_finite, field, values, "must be a finite number (not NaN or infinity)")
    not_number = present & numbers.isna() & values.notna() & ~non_finite & ~wrong
    checker.report(not_number, field, values, "not a number")
    return numbers.where(~infinite & ~non_finite) + 0.0  # -0 is 0 (however it was parsed)


_DIGITS_ONLY = re.compile(r"\s*[+-]?[0-9]+\s*")


def _is_whole_number(value: object) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and _DIGITS_ONLY.fullmatch(value) is not None
    )


def _too_large(value: object) -> str:
    digits = len(str(abs(value))) if isinstance(value, int) else len(str(value).strip().lstrip("+-"))
    return f"number too large ({digits:,} digits)"


def _to_float(values: pd.Series) -> pd.Series:
    """Numbers as float64; what is not a number is NaN, and an integer too large for a float is infinity."""
    try:
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    except OverflowError:  # a huge integer from JSON or YAML: one value at a time
        return values.map(_one_float, na_action="ignore").astype("float64")
    # digits pandas will not read (thousands of them, kept as text by the readers) are a number all the same
    missed = _only(numbers.isna() & values.notna(), values, _is_whole_number)
    if missed.any():
        numbers[missed] = values[missed].map(_one_float)
    return numbers


def _only(rows: pd.Series, values: pd.Series, test: Callable[[object], bool]) -> pd.Series:
    """``test`` of the values of ``rows`` (False elsewhere), calling it for those rows only."""
    found = pd.Series(False, index=values.index)
    if rows.any():
        found[rows] = values[rows].map(test).astype(bool)
    return found


def _one_float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:
        return math.inf if not str(value).lstrip().startswith("-") else -math.inf
    except (TypeError, ValueError):
        return math.nan


def _is_non_finite_text(value: object) -> bool:
    return isinstance(value, str) and _NON_FINITE.match(value) is not None


def _dates(values: pd.Series, present: pd.Series, checker: _Checker, field: str) -> pd.Series:
    """ISO dates (YYYY-MM-DD) from `EARLIEST_DATE` to `LATEST_DATE`; other forms such as "16 May 2025" are read
    one by one. Text is parsed at second resolution, so no year overflows the parser."""
    if not present.any():
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    text = values.map(_date_text, na_action="ignore") if values.dtype == object else values.str.strip()
    dates = _parse_dates(text, format="ISO8601")
    retry = present & dates.isna() & text.notna()
    if retry.any():  # other forms, but never a second guess at an ISO-shaped date such as 2024-13-01
        candidates = text[retry]
        retry[candidates.index[candidates.map(lambda value: _ISO_SHAPED.match(str(value)) is not None)]] = False
    if retry.any():
        unique = pd.Series(text[retry].unique(), dtype=object)
        parsed = _parse_dates(unique, format="mixed", dayfirst=True)
        lookup = dict(zip(unique, parsed, strict=True))
        dates[retry] = pd.to_datetime(text[retry].map(lookup)).astype(dates.dtype)
    checker.report(present & dates.isna(), field, values, "not a date (expected YYYY-MM-DD)")
    outside = dates.notna() & ~dates.between(pd.Timestamp(EARLIEST_DATE), pd.Timestamp(LATEST_DATE))
    checker.report(outside, field, values, f"date outside {EARLIEST_DATE:%Y-%m-%d} to {LATEST_DATE:%Y-%m-%d}")
    return dates.where(~outside).dt.normalize().astype("datetime64[us]")


def _parse_dates(text: pd.Series, **options: object) -> pd.Series:
    """``pd.to_datetime`` that never raises: unparseable text, and dates beyond what pandas can hold, are NaT;
    time zones are dropped (a date is the day the source gives)."""
    try:
        parsed = pd.to_datetime(text.astype(object), errors="coerce", **options)
    except (ValueError, OverflowError, TypeError):
        parsed = pd.to_datetime(text.map(_one_date, na_action="ignore"), errors="coerce")
    if not pd.api.types.is_datetime64_any_dtype(parsed):
        parsed = pd.to_datetime(text.map(_one_date, na_action="ignore"), errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.astype("datetime64[s]")


def _one_date(value: object) -> object:
    """One value parsed alone (a column mixing time zones or forms can defeat the vectorised parser)."""
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, OverflowError, TypeError):
        return None
    if stamp is pd.NaT:
        return None
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def _date_text(value: object) -> object:
    if isinstance(value, str):
        return value.strip()
    if hasattr(value, "isoformat") and not isinstance(value, bool):
        return value.isoformat()
    return None if isinstance(value, _NOT_TEXT_TYPES) else str(value)


def _choices(values: pd.Series, present: pd.Series, checker: _Checker, field: Field) -> pd.Series:
    text = _text(values, present, checker, field.name).str.lower()
    wrong = present & text.notna() & ~text.isin(field.choices)
    checker.report(wrong, field.name, values, "must be one of: " + ", ".join(field.choices))
    return text.where(~wrong)


def _lookup(
    values: pd.Series,
    present: pd.Series,
    checker: _Checker,
    field: str,
    lookup: dict[str, str],
    what: str,
    keep_unknown: pd.Series | None = None,
) -> pd.Series:
    """Map names/aliases to registry ids; an unknown name is an error that suggests close matches, except in
    the ``keep_unknown`` rows, where it is kept as written (spaces squeezed)."""
    text = _text(values, present, checker, field)
    keys = _per_unique(text, name_key)
    ids = keys.map(lookup)
    unknown = present & text.notna() & ids.isna()
    if keep_unknown is not None and (kept := unknown & keep_unknown).any():
        ids = ids.astype(object).where(~kept, _per_unique(text.where(kept), lambda name: " ".join(name.split())))
        unknown &= ~kept
    if unknown.any():
        choices = sorted(lookup)
        hints = {
            key: difflib.get_close_matches(key, choices, n=3, cutoff=0.6) for key in keys[unknown].dropna().unique()
        }
        messages = keys.map(
            lambda key: (
                f"unknown {what}"
                + (
                    f" (did you mean {', '.join(dict.fromkeys(lookup[hint] for hint in hints[key]))}?)"
                    if hints.get(key)
                    else ""
                )
                + f"; add it to data/registries/{what.replace(' ', '_')}s.yaml if it is new"
            ),
            na_action="ignore",
        )
        checker.report(unknown, field, values, messages)
    return ids.astype(object).where(ids.notna(), None)


def _lists(values: pd.Series, present: pd.Series, checker: _Checker, field: str) -> pd.Series:
    """Lists as tuples of stripped text; a text value is split on ``;``."""

    def as_tuple(value: object) -> object:
        if isinstance(value, str):
            value = value.split(";")
        if isinstance(value, _LIST_TYPES) and all(isinstance(item, str | int | float) for item in value):
            return tuple(text for item in value if (text := str(item).strip()))
        return () if _blank(value) else None

    if not present.any():
        return pd.Series([()] * len(values), index=values.index, dtype=object)
    if values.dtype == object:
        tuples = values.map(as_tuple, na_action=None)
    else:
        tuples = _per_unique(values, as_tuple).where(present, ())
    checker.report(tuples.isna(), field, values, "expected a list of names (or text separated by ';')")
    return tuples.where(tuples.notna(), ())


# --- the whole record -------------------------------------------------------------------------------------


def check_records(
    records: pd.DataFrame,
    sources: pd.DataFrame,
    registries: Registries,
    where: pd.Series,
    prior: list[RowIssue] = (),
    earlier: Callable[[pd.Series], pd.Series] | None = None,
) -> tuple[pd.DataFrame, list[RowIssue]]:
    """Check every row; return the typed rows (all of them, errors or not) and the issues found.

    ``where`` gives each row's "file:line" for messages that point to another record (duplicate ids).
    ``prior`` are issues found while reading; a field they already fault is not reported again as missing.
    ``earlier``, for rows checked after others, gives for each (typed) id the "file:line" of an earlier row
    that used it (None where none did), so ids stay unique across rows checked apart.
    """
    checker = _Checker(records, registries)
    for issue in prior:
        flagged = checker.flagged.setdefault(issue.field, pd.Series(False, index=records.index))
        flagged.iat[issue.row] = True
    out: dict[str, pd.Series] = {}
    for field in FIELDS:
        if field.kind is Kind.SOURCES:
            continue
        values = checker.column(field.name)
        present = _present(values)
        if field.required:
            faulted = checker.flagged.get(field.path[0], pd.Series(False, index=records.index))
            checker.report(~present & ~faulted, field.name, values, "required field is missing")
        out[field.name] = _typed(field, values, present, checker)
    _check_ids(out["id"], checker, where, earlier)
    _check_dates(out, checker)
    _check_points(out, checker)
    _check_figures(out, checker)
    out["sources"], out["source_count"] = _check_sources(sources, checker)
    typed = pd.DataFrame(out, index=records.index)
    return typed, checker.issues


def check_values(
    field: Field, values: pd.Series, registries: Registries, dataset: str | None = None
) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """One field's values checked and typed on their own, exactly as `check_records` checks each of them (as
    values of ``dataset``'s rows, when given): the typed values, which were given, and which have a problem
    (an error or a warning). For a column checked once per distinct value."""
    values = values.reset_index(drop=True)
    columns = {field.name: values} | ({"dataset": pd.Series(dataset, index=values.index)} if dataset else {})
    checker = _Checker(pd.DataFrame(columns), registries)
    present = _present(values)
    typed = _typed(field, values, present, checker)
    faulted = np.zeros(len(values), dtype=bool)
    faulted[[issue.row for issue in checker.issues]] = True
    return typed, present.to_numpy(dtype=bool), faulted


def _typed(field: Field, values: pd.Series, present: pd.Series, checker: _Checker) -> pd.Series:
    registries = checker.registries
    match field.kind:
        case Kind.ID:
            text = _text(values, present, checker, field.name)
            bad = present & ~text.str.fullmatch(_ID_PATTERN).fillna(False).astype(bool)
            checker.report(
                bad,
                field.name,
                values,
                "id may hold only letters, digits, '.', '_' and '-'",
            )
            return text
        case Kind.TEXT:
            return _text(values, present, checker, field.name)
        case Kind.CHOICE:
            return _choices(values, present, checker, field)
        case Kind.EVENT_TYPE:
            if checker.dataset_rows.any():
                return _dataset_event_types(values, present, checker, field.name)
            return _lookup(
                values,
                present,
                checker,
                field.name,
                registries.event_type_lookup,
                "event type",
            )
        case Kind.ACTOR:
            values = _dataset_mapped(values, checker, registries.dataset_actor)
            return _lookup(values, present, checker, field.name, registries.actor_lookup, "actor", checker.dataset_rows)
        case Kind.WEAPON:
            return _lookup(values, present, checker, field.name, registries.weapon_lookup, "weapon")
        case Kind.COUNTRY:
            values = _dataset_mapped(values, checker, lambda name: registries.country_code(name) or name)
            text = _text(values, present, checker, field.name).str.upper()
            bad = present & text.notna() & ~text.isin(registries.countries.index)
            checker.report(
                bad & ~checker.dataset_rows,
                field.name,
                values,
                "unknown country: use an ISO 3166-1 alpha-3 code such as UKR",
            )
            checker.add(  # a dataset's event at sea, or in a territory the registry does not list, still loads
                bad & checker.dataset_rows,
                field.name,
                values,
                "not a country of data/registries/countries.csv: left empty",
                Severity.WARNING,
            )
            return text.where(~bad)
        case Kind.ACTORS:
            return _actor_lists(values, present, checker, field.name)
        case Kind.TAGS:
            return _lists(values, present, checker, field.name)
        case Kind.DATE:
            return _dates(values, present, checker, field.name)
        case Kind.LATITUDE | Kind.LONGITUDE | Kind.NUMBER | Kind.COUNT:
            numbers = _numbers(values, present, checker, field.name)
            if field.kind is Kind.COUNT or field.kind is Kind.NUMBER:
                checker.report(numbers < 0, field.name, values, "must not be negative")
            if field.kind is Kind.COUNT:
                checker.report(
                    numbers.notna() & (numbers % 1 != 0),
                    field.name,
                    values,
                    "must be a whole number",
                )
            return numbers
    raise AssertionError(f"no check for {field.kind}")  # pragma: no cover - every Kind is handled above


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _dataset_mapped(values: pd.Series, checker: _Checker, mapping: Callable[[str], object]) -> pd.Series:
    """``values`` with a dataset's rows mapped (once per distinct text) by ``mapping``."""
    is_text = values.notna() if _only_text(values) or values.dtype != object else values.map(_is_str).astype(bool)
    rows = checker.dataset_rows & is_text
    if not rows.any():
        return values
    values = values.copy()
    values[rows] = _per_unique(values[rows], mapping)
    return values


def _dataset_event_types(values: pd.Series, present: pd.Series, checker: _Checker, field: str) -> pd.Series:
    """Event types where a dataset's rows name their categories through dataset_event_types.yaml."""
    rows = checker.dataset_rows
    curated = _lookup(
        values.where(~rows), present & ~rows, checker, field, checker.registries.event_type_lookup, "event type"
    )
    text = _text(values.where(rows), present & rows, checker, field)
    datasets = checker.column("dataset").astype("string").str.strip().str.lower()
    keys = pd.Series(list(zip(datasets, text, strict=True)), index=values.index).where(rows & text.notna())
    mapped = _per_unique(keys, lambda key: checker.registries.dataset_event_type(*key))
    unmapped = rows & present & text.notna() & mapped.isna()
    label = datasets.fillna("dataset").str.upper() + " category '" + text.fillna("") + "'"
    checker.report(unmapped, field, values, label + " not mapped: add it to data/registries/dataset_event_types.yaml")
    return curated.where(~rows, mapped.astype(object).where(mapped.notna(), None))


def _actor_lists(values: pd.Series, present: pd.Series, checker: _Checker, field: str) -> pd.Series:
    """Lists of actors as tuples of registry ids; each unknown name is an error, except in a dataset's rows,
    which keep it as written."""
    lists = _lists(values, present, checker, field)
    names = pd.Series(lists.explode().dropna().unique(), dtype=object)
    if names.empty:
        return lists
    probe = _Checker(pd.DataFrame({field: names}), checker.registries)
    ids = _lookup(names, names.notna(), probe, field, checker.registries.actor_lookup, "actor")
    resolved = dict(zip(names, ids, strict=True))
    dataset_rows = checker.dataset_rows
    for issue in probe.issues:  # report each unknown name on every record that uses it
        holders = lists.map(lambda actors, name=issue.value: name in actors) & ~dataset_rows
        checker.report(holders, field, pd.Series(issue.value, index=lists.index), issue.message)
    strict = _per_unique(lists, lambda actors: tuple(resolved[name] for name in actors if resolved.get(name)))
    if not dataset_rows.any():
        return strict
    kept = _per_unique(
        lists[dataset_rows],
        lambda actors: tuple(resolved.get(name) or checker.registries.dataset_actor(name) for name in actors),
    )
    return strict.where(~dataset_rows, kept)


def _check_ids(
    ids: pd.Series, checker: _Checker, where: pd.Series, earlier: Callable[[pd.Series], pd.Series] | None
) -> None:
    duplicated = ids.notna() & ids.duplicated(keep="first")
    used_before = earlier(ids) if earlier is not None else pd.Series(None, index=ids.index, dtype=object)
    duplicated |= ids.notna() & used_before.notna()
    if duplicated.any():
        first_row = ids[ids.notna()].drop_duplicates(keep="first")
        first_where = dict(zip(first_row.to_numpy(), where[first_row.index].to_numpy(), strict=True))
        first_where |= dict(zip(ids[used_before.notna()], used_before[used_before.notna()], strict=True))
        messages = ids.map(
            lambda value: f"duplicate id: first used at {first_where.get(value)}",
            na_action="ignore",
        )
        checker.report(duplicated, "id", ids, messages)


def _check_dates(out: dict[str, pd.Series], checker: _Checker) -> None:
    start, end, precision = out["date_start"], out["date_end"], out["date_precision"]
    checker.report(
        end < start,
        "date_end",
        end.dt.date,
        "end date is before the start date " + start.dt.date.astype(str),
    )
    span_end = end.copy()
    for name, offset in _PRECISION_OFFSETS.items():
        rows = end.isna() & precision.eq(name)
        if rows.any():
            span_end[rows] = start[rows] + offset
    out["date_span_end"] = span_end.fillna(start).astype("datetime64[us]")


def _check_points(out: dict[str, pd.Series], checker: _Checker) -> None:
    """Coordinates in range, not swapped, not (0, 0); a place without coordinates is looked up."""
    gazetteer = checker.registries.gazetteer
    for place_name, lat_name, lon_name, country_name in POINTS:
        lat, lon, place = out[lat_name], out[lon_name], out[place_name]
        is_location = lat_name == "latitude"
        bad_lat = lat.notna() & ~lat.between(-90, 90)
        swapped = bad_lat & lon.between(-90, 90)
        checker.report(
            bad_lat,
            lat_name,
            lat,
            pd.Series(
                np.where(
                    swapped,
                    "latitude out of range -90..90; latitude and longitude look swapped",
                    "latitude out of range -90..90",
                ),
                index=lat.index,
            ),
        )
        bad_lon = lon.notna() & ~lon.between(-180, 180)
        checker.report(bad_lon, lon_name, lon, "longitude out of range -180..180")
        no_value = pd.Series(False, index=lat.index)
        invalid = checker.flagged.get(lat_name, no_value) | checker.flagged.get(lon_name, no_value)
        only_one = (lat.isna() != lon.isna()) & ~invalid
        checker.report(
            only_one,
            f"{lat_name}/{lon_name}",
            lat.where(lat.notna(), lon),
            "give both latitude and longitude, or neither",
        )
        null_island = lat.eq(0) & lon.eq(0)
        checker.report(
            null_island,
            f"{lat_name}/{lon_name}",
            lat,
            "(0, 0) is not a real location: leave the coordinates empty if unknown",
        )
        missing = lat.isna() & lon.isna() & ~invalid
        found = _per_unique(place.where(missing), name_key).map(checker.registries.place_lookup)
        from_gazetteer = missing & found.notna()
        if from_gazetteer.any():
            positions = found[from_gazetteer].astype(int).to_numpy()
            lat[from_gazetteer] = gazetteer["latitude"].to_numpy()[positions]
            lon[from_gazetteer] = gazetteer["longitude"].to_numpy()[positions]
            country = out[country_name]
            fill_country = from_gazetteer & country.isna()
            country[fill_country] = gazetteer["country"].to_numpy()[found[fill_country].astype(int).to_numpy()]
        unresolved = missing & ~from_gazetteer
        place_given = place.notna()
        curated = ~checker.dataset_rows  # an imported event without a point is kept: the map counts them
        # A name the curated file lacks: the one place of that name (in the record's country) among the
        # gazetteer's wider matching and GeoNames' populated places, else an error naming the candidates.
        located, unknown, messages = _locate_by_name(
            out, (place_name, lat_name, lon_name, country_name), unresolved & place_given & curated, checker
        )
        unresolved &= located.isna()
        checker.report(unknown, f"{lat_name}/{lon_name}", place, messages)
        if is_location:
            checker.add(
                unresolved & ~place_given & curated,
                "latitude/longitude",
                lat,
                "no coordinates and no place name: the event is on the timeline and in the table, not on the map",
                Severity.WARNING,
            )
            by_geonames = located.eq("geonames")
            out["located_by"] = pd.Series(
                np.select(
                    [from_gazetteer | located.eq("gazetteer"), by_geonames, lat.notna()],
                    ["gazetteer", "geonames", "record"],
                    "none",
                ),
                index=lat.index,
            )


_NOT_IN_GAZETTEER = "no coordinates, and the place is not in data/registries/gazetteer.csv"
_GEONAMES_CANDIDATES_SHOWN = 5


def _locate_by_name(
    out: dict[str, pd.Series], point: tuple[str, str, str, str], ask: pd.Series, checker: _Checker
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Points for the rows in ``ask`` (a place name the curated lookup did not find, no coordinates) from the
    gazetteer's normalised matching (accents, punctuation) or GeoNames, when exactly one place fits; the
    record's country, if given, narrows the candidates. Returns how each row was located ("gazetteer",
    "geonames" or None), the rows left unknown, and a message for each of them. GeoNames is read only here,
    so loading records whose places are all curated never touches it."""
    place_name, lat_name, lon_name, country_name = point
    located = pd.Series(None, index=ask.index, dtype=object)
    unknown = pd.Series(False, index=ask.index)
    messages = pd.Series(None, index=ask.index, dtype=object)
    if not ask.any():
        return located, unknown, messages
    from dashboard.places.gazetteer import load_gazetteer  # rapidfuzz and GeoNames only when a name needs them

    gazetteer = load_gazetteer(checker.registries)
    place, country = out[place_name], out[country_name]
    answers: dict[tuple[object, str | None], tuple[PlaceMatch | None, str]] = {}
    notes = pd.Series(None, index=ask.index, dtype=object)
    for row in ask.index[ask.to_numpy()]:
        name, code = place[row], country[row] if isinstance(country[row], str) else None
        if (name, code) not in answers:
            answers[name, code] = _only_place(gazetteer.exact(str(name), code), str(name), code)
        match, message = answers[name, code]
        if match is None:
            unknown[row], messages[row] = True, message
            continue
        out[lat_name][row], out[lon_name][row] = match.latitude, match.longitude
        if code is None:
            country[row] = match.country
        located[row] = "gazetteer" if match.source == "curated" else "geonames"
        notes[row] = (
            f"located from {match.reference}: {match.name}, {match.country} ({match.latitude:.4f}, "
            f"{match.longitude:.4f}), the only populated place of that name"
            + (f" in {code}" if code else "")
            + ": check it is the place meant, or give latitude and longitude"
        )
    checker.add(located.eq("geonames"), f"{lat_name}/{lon_name}", place, notes, Severity.WARNING)
    return located, unknown, messages


def _only_place(matches: list[PlaceMatch], name: str, country: str | None) -> tuple[PlaceMatch | None, str]:
    """The one match a record may take (curated matches before GeoNames), or None and why not."""
    curated = [match for match in matches if match.source == "curated"]
    candidates = curated or matches
    where = f" in {country}" if country else ""
    if len(candidates) == 1:
        return candidates[0], ""
    if not candidates:
        return None, f"{_NOT_IN_GAZETTEER} nor among GeoNames' populated places{where}: add latitude and longitude"
    shown = "; ".join(
        f"{match.name} ({match.country}, {match.latitude:.4f}, {match.longitude:.4f}"
        + (f", population {match.population:,}" if match.population else "")
        + f", {match.reference})"
        for match in candidates[:_GEONAMES_CANDIDATES_SHOWN]
    )
    more = len(candidates) - _GEONAMES_CANDIDATES_SHOWN
    return None, (
        f"no coordinates, and {len(candidates)} places are called {name!r}{where}: {shown}"
        + (f"; and {more} more" if more > 0 else "")
        + ". Add latitude and longitude (or the place to data/registries/gazetteer.csv)"
    )


def _check_figures(out: dict[str, pd.Series], checker: _Checker) -> None:
    for low, best, high in RANGES:
        for lower, upper in ((low, best), (best, high), (low, high)):
            wrong = out[lower] > out[upper]
            checker.report(
                wrong,
                lower,
                out[lower],
                f"{lower} is greater than {upper} (" + out[upper].astype(str) + ")",
            )
    value, unit = out["claimed_distance"], out["claimed_distance_unit"]
    checker.report(
        value.notna() & unit.isna(),
        "claimed_distance_unit",
        unit,
        "give the unit of the claimed distance: km, mi or nmi",
    )
    checker.report(
        value.isna() & unit.notna(),
        "claimed_distance",
        value,
        "a unit without a claimed distance",
    )
    out["claimed_distance_km"] = value * unit.map(DISTANCE_UNITS_KM).astype(float)


def _check_sources(sources: pd.DataFrame, checker: _Checker) -> tuple[pd.Series, pd.Series]:
    """Each source needs a publisher and a title; addresses must be http(s); dates must parse."""
    index = checker.index
    sources = sources.reset_index(drop=True)
    rows = sources["row"].astype("int64")
    source_checker = _Checker(sources, checker.registries)
    typed: dict[str, pd.Series] = {}
    for field in SOURCE_FIELDS:
        values = source_checker.column(field.name)
        present = _present(values)
        if field.required:
            source_checker.report(~present, field.name, values, "required source field is missing")
        if field.kind is Kind.DATE:
            typed[field.name] = _dates(values, present, source_checker, field.name)
        else:
            typed[field.name] = _text(values, present, source_checker, field.name)
    url = typed["url"]
    source_checker.report(
        url.notna() & ~url.str.match(r"(?i)^https?://[^\s]+$").fillna(False).astype(bool),
        "url",
        url,
        "address must start with http:// or https:// and hold no spaces",
    )
    for issue in source_checker.issues:
        number = sources.at[issue.row, "number"]
        checker.issues.append(issue._replace(row=int(rows[issue.row]), field=f"sources[{number}].{issue.field}"))
    counts = rows.value_counts().reindex(index, fill_value=0)
    faulted = checker.flagged.get("sources", pd.Series(False, index=index))
    checker.report(counts.eq(0) & ~faulted, "sources", counts, "at least one source is required")
    typed["published"] = typed["published"].dt.strftime("%Y-%m-%d")
    columns = [typed[name].astype(object).where(typed[name].notna(), None) for name in Source._fields]
    grouped: dict[int, list[Source]] = {}
    for row, *values in zip(rows.tolist(), *columns, strict=True):
        grouped.setdefault(row, []).append(Source(*values))
    column = pd.Series([tuple(grouped.get(row, ())) for row in index], index=index, dtype=object)
    return column, counts.astype("int64")
