"""How well drafts match the curated records of the same article: precision and recall."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from dashboard.curation.drafts.dates import span_of
from dashboard.curation.drafts.output import Draft


@dataclass(frozen=True)
class DraftScore:
    """How drafts compare with curated records of the same article."""

    precision: float  # share of drafts that match a record
    recall: float  # share of records a draft matches
    matches: tuple[tuple[str, str], ...]  # (draft id, record id), one to one


def _record_span(record: dict) -> tuple[date, date]:
    dates = record["date"]
    start = dates["start"] if isinstance(dates["start"], date) else date.fromisoformat(str(dates["start"]))
    end = dates.get("end")
    end = end if isinstance(end, date) or end is None else date.fromisoformat(str(end))
    return span_of(start, end, dates["precision"])


def _record_actors(record: dict) -> set[str]:
    actors = record.get("actors", {})
    return {actors.get("initiator"), actors.get("counterpart"), *actors.get("associated", [])} - {None}


def drafts_match(draft: dict, record: dict) -> bool:
    """A draft matches a curated record when both have the same event type, their date spans (each from its start
    to its end, or to the end of its precision) overlap, and they share at least one actor."""
    if draft["type"] != record["type"] or not _record_actors(draft) & _record_actors(record):
        return False
    ours, theirs = _record_span(draft), _record_span(record)
    return ours[0] <= theirs[1] and theirs[0] <= ours[1]


def score_drafts(drafts: Sequence[Draft], records: Sequence[dict]) -> DraftScore:
    """Precision and recall of ``drafts`` against curated ``records`` (nested form), each draft matched to at
    most one record and each record to at most one draft (the largest such matching)."""
    candidates = {
        index: [number for number, record in enumerate(records) if drafts_match(draft.record, record)]
        for index, draft in enumerate(drafts)
    }
    owner: dict[int, int] = {}

    def assign(index: int, seen: set[int]) -> bool:  # augmenting paths (Kuhn's algorithm): a maximum matching
        for number in candidates[index]:
            if number not in seen:
                seen.add(number)
                if number not in owner or assign(owner[number], seen):
                    owner[number] = index
                    return True
        return False

    for index in candidates:
        assign(index, set())
    matches = tuple(sorted((drafts[index].id, str(records[number]["id"])) for number, index in owner.items()))
    return DraftScore(
        precision=len(owner) / len(drafts) if drafts else 0.0,
        recall=len(owner) / len(records) if records else 0.0,
        matches=matches,
    )
