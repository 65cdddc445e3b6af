"""The record form's helpers: `check_record` checks one record exactly as the loader does, and `fresh_id`
proposes an id."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from dashboard.curation.recordfiles.yamledit import _ISO_DATE, _blank, _plain_copy
from dashboard.model.schema import FIELDS_BY_NAME


def check_record(record: dict, registries, other_ids: Iterable[str] = ()) -> list[tuple[str, str, str]]:
    """Problems of one record (nested form) found exactly as the loader finds them, for the form:
    ``(field_name, severity, message)`` with a schema field name (`schema.FIELDS`; ``"sources"`` for a
    source, the message saying which), or ``""`` for the record as a whole. ``other_ids``: the ids of the
    other records (of the file), which this one must not reuse."""
    from dashboard.loading.loader import combine  # pandas: only when checking
    from dashboard.sources.readers import read_nested_records

    name = "(record being edited)"
    raw = read_nested_records([(1, _plain_copy(record))], name)
    result = combine([raw], registries)
    found: list[tuple[str, str, str]] = []
    for problem in result.problems:
        if problem.file != name:
            continue  # a problem of the registries, not of this record
        found.append((*_form_field(problem.field or "", problem.message), str(problem.severity)))
    record_id = record.get("id") if isinstance(record, dict) else None
    if not _blank(record_id) and str(record_id).strip() in {str(other) for other in other_ids}:
        found.append(("id", "duplicate id: another record already uses it (ids are unique)", "error"))
    return [(field_name, severity, message) for field_name, message, severity in found]


def _form_field(loader_field: str, message: str) -> tuple[str, str]:
    """The form field a loader's problem belongs to, and its message (saying where, when the field says less)."""
    if loader_field in FIELDS_BY_NAME:
        return loader_field, message
    first = loader_field.split("/")[0]
    if first in FIELDS_BY_NAME:
        return first, message
    source = re.fullmatch(r"sources\[(\d+)\](?:\.(\w+))?", loader_field)
    if source:
        what = f"source {source.group(1)}" + (f", {source.group(2)}" if source.group(2) else "")
        return "sources", f"{what}: {message}"
    return "", f"{loader_field}: {message}" if loader_field else message


_STOP_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "its", "of", "on", "or", "over"}
    | {"says", "said", "the", "their", "to", "with"}
)
_MAX_ID_WORDS = 5


def fresh_id(record: dict, taken: Iterable[str]) -> str:
    """A new id from the record's start date and title, like those of data/events
    (``2024-10-09-karachev-depot-strike``), different from every id in ``taken`` (``-2``, ``-3``, ... added)."""
    date = record.get("date", {}).get("start") if isinstance(record.get("date"), dict) else None
    date_text = _plain_copy(date) if date is not None else ""
    prefix = str(date_text) if isinstance(date_text, str) and _ISO_DATE.fullmatch(str(date_text)) else ""
    title = str(record.get("title") or "")
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    words = [word for word in re.split(r"[^a-z0-9]+", ascii_title) if word and word not in _STOP_WORDS]
    slug = "-".join([prefix, *words[:_MAX_ID_WORDS]] if prefix else words[:_MAX_ID_WORDS]) or "event"
    taken_ids = {str(other) for other in taken}
    candidate, number = slug, 2
    while candidate in taken_ids:
        candidate, number = f"{slug}-{number}", number + 1
    return candidate
