"""TimeMap event exports (Forensic Architecture's TimeMap, Bellingcat's civilian-harm map): a JSON list of
events with ``date`` (``MM/DD/YYYY``, TimeMap's default, or ISO), ``latitude``/``longitude`` as strings,
``location``, ``description``, ``sources`` (objects with ``path`` and ``description``, or source ids) and
``filters`` (``{key, value}``) or ``associations`` (ids). Some events have no place, or no sources.

Each event becomes a record in the nested form, checked like any other. What the record keeps:

- ``id`` ``timemap-<id>``; ``dataset`` ``timemap`` and ``dataset_id`` the TimeMap id;
- the type from ``type`` or ``category`` when given, else the weapon system among the filters, through
  ``dataset_event_types.yaml`` (``default`` when nothing else is mapped);
- the day; the place and point (``near``: a geolocated incident, not a surveyed site);
- each source with its address (a withheld ``HIDDEN`` source keeps its description and no address);
- every filter (``Weapon System: Cruise missile``) and association as a tag.
"""

from __future__ import annotations

import re

import pandas as pd

from dashboard.sources.datasets.common import UNATTRIBUTED
from dashboard.sources.datasets.dates import MONTH_FIRST, ORDER_WORDS, parse_dates

NAME = "timemap"
_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")
_DOMAIN = re.compile(r"^[a-z]+://(?:www\.)?([^/:?#]+)", re.IGNORECASE)


def matches(item: object) -> bool:
    """Whether a JSON list's first element is a TimeMap event (and not one of the dashboard's records)."""
    return (
        isinstance(item, dict)
        and isinstance(item.get("date"), str)
        and ("description" in item or "desc" in item)
        and ("latitude" in item or "lat" in item or "location" in item)
        and "summary" not in item
    )


def settle_dates(items: list[object], order: str | None) -> tuple[dict[int, str | None], str]:
    """ISO dates for the events (by position), and how slashed dates were read: as the file shows, else as
    named, else TimeMap's documented default (``MM/DD/YYYY``), said in a warning."""
    texts = pd.Series([item.get("date") if isinstance(item, dict) else None for item in items], dtype=object)
    dates = parse_dates(texts, order)
    if dates.order is None and dates.reasons.notna().any() and order is None:
        dates = parse_dates(texts, MONTH_FIRST)
        dates.evidence = "TimeMap's default date format is MM/DD/YYYY, and nothing in the file says otherwise"
    iso = {position: (None if pd.isna(value) else value) for position, value in dates.iso.items()}
    note = f"slashed dates read {ORDER_WORDS[dates.order]}: {dates.evidence}" if dates.order else ""
    return iso, note


def _text(value: object) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def _number(value: object) -> object:
    """Coordinates as TimeMap writes them: strings, sometimes with a decimal comma."""
    if isinstance(value, str):
        return value.strip().replace(",", ".") or None
    return value


def _sources(sources: object, event_id: str) -> list[dict]:
    """The event's sources; an event without any names the TimeMap export itself, so it is not lost."""
    found = []
    for source in sources if isinstance(sources, list) else []:
        if isinstance(source, dict):
            paths = source.get("paths") if isinstance(source.get("paths"), list) else [None]
            path = _text(source.get("path")) or _text(paths[0] if paths else None)
            address = path if path and re.match(r"^https?://", path, re.IGNORECASE) else None
            domain = _DOMAIN.match(address) if address else None
            found.append(
                {
                    "publisher": domain.group(1) if domain else "TimeMap",
                    "title": _text(source.get("description"))
                    or _text(source.get("title"))
                    or _text(source.get("id"))
                    or f"TimeMap event {event_id}",
                    "url": address,
                }
            )
        elif _text(source):
            found.append({"publisher": "TimeMap", "title": f"source {_text(source)}"})
    return found or [{"publisher": "TimeMap", "title": f"TimeMap event {event_id} (no sources listed)"}]


def to_record(item: dict, iso_date: str | None) -> dict:
    """One TimeMap event as a record in the nested form (validation checks it like any other)."""
    event_id = _text(item.get("id")) or _text(item.get("civId")) or ""
    description = _text(item.get("description")) or _text(item.get("desc")) or ""
    filters = item.get("filters") if isinstance(item.get("filters"), list) else []
    pairs = [
        (str(entry.get("key")), str(entry.get("value")))
        for entry in filters
        if isinstance(entry, dict) and entry.get("key") is not None
    ]
    tags = [f"{key}: {value}" for key, value in pairs]
    associations = item.get("associations") if isinstance(item.get("associations"), list) else []
    tags += [f"association {text}" for text in map(_text, associations) if text]
    if str(item.get("graphic", "")).strip().upper() == "TRUE":
        tags.append("graphic")
    steps = ["default", _text(item.get("type")), _text(item.get("category")), *tags]
    first_sentence = re.split(r"(?<=[.!?])\s", description, maxsplit=1)[0] if description else ""
    title = first_sentence if 0 < len(first_sentence) <= 140 else f"TimeMap event {event_id}"
    place = _text(item.get("location"))
    record = {
        "id": "timemap-" + _ID_CHARACTERS.sub("-", event_id) if event_id else None,
        "title": title,
        "summary": description or title,
        "type": " > ".join(step for step in steps if step),
        "date": {"start": iso_date or _text(item.get("date")), "precision": "day"},
        "location": {
            "place": place,
            "lat": _number(item.get("latitude", item.get("lat"))),
            "lon": _number(item.get("longitude", item.get("long"))),
            "precision": "near",
        },
        "actors": {"initiator": UNATTRIBUTED},  # TimeMap events name no actor
        "confidence": {"level": "reported"},
        "sources": _sources(item.get("sources"), event_id),
        "tags": tags,
        "dataset": {"name": NAME, "id": event_id or None},
    }
    time = _text(item.get("time"))
    if time and time != "00:00":
        record["date"]["phrase"] = f"at {time}"
    return record
