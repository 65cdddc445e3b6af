"""An article's clauses grouped into the events they report.

A clause that cues an event type (and, in a sentence with several dates, one clause per date) is a mention;
a mention joins the latest event of its type in the same or the previous paragraph whose dates it does not
contradict, else it starts a new one.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from dashboard.curation.drafts.dates import DateFound, find_dates, span_of
from dashboard.curation.drafts.finders import find_cues
from dashboard.model.registries import Registries

GROUP_LOOKBACK = 50  # a clause joins one of the last 50 events at most
MAX_GROUP_MENTIONS = 20  # and an event gathers at most 20 clauses (a run-on text cannot make one endless draft)
STATEMENT = "statement"
# When several types are cued in one clause, the first of these wins (a strike on a depot is a depot hit);
# types not listed come after them in registry order, and a statement only when nothing else is cued.
TYPE_PRECEDENCE = ("depot_hit", "strike", "arms_transfer", "troop_deployment", "training", "policy", "diplomatic")


class Mention(NamedTuple):
    """One clause that reports an event."""

    paragraph: int
    sentence: str
    clause: str
    event_type: str
    found_date: DateFound | None
    sure_type: bool


@dataclass
class EventGroup:
    """The mentions of one reported event, with the first date one of them gives."""

    event_type: str
    mentions: list[Mention]
    found_date: DateFound | None
    last_paragraph: int


def _precedence(event_type: str, registries: Registries) -> int:
    if event_type in TYPE_PRECEDENCE:
        return TYPE_PRECEDENCE.index(event_type)
    if event_type == STATEMENT:
        return 10_000
    return len(TYPE_PRECEDENCE) + list(registries.event_types.index).index(event_type)


def _clauses(sentence: str, dates: list[DateFound], registries: Registries) -> list[tuple[str, DateFound | None]]:
    """A sentence cut into one clause per date phrase (a sentence without dates is one clause). The cut before
    the next date's clause is the last clause break (", ", "that", ";") before its first non-reporting cue."""
    if len(dates) < 2:
        return [(sentence, dates[0] if dates else None)]
    cues = [cue for cue in find_cues(sentence, registries) if cue[2] != STATEMENT]
    cuts = [0]
    for before, after in itertools.pairwise(dates):
        lower = max(before.position[1], cuts[-1])
        first_cue = next((start for start, _, _ in cues if lower < start < after.position[0]), after.position[0])
        breaks = [m.start() for m in re.finditer(r",\s|\bthat\b|;\s", sentence[lower:first_cue])]
        cuts.append(lower + breaks[-1] if breaks else (lower + after.position[0]) // 2)
    cuts.append(len(sentence))
    clauses = []
    for index, found in enumerate(dates):
        clauses.append((sentence[cuts[index] : cuts[index + 1]].strip(" ,;"), found))
    return clauses


def find_mentions(paragraphs: list[list[str]], published: date, registries: Registries) -> list[Mention]:
    """Every clause of the article that cues an event type, with the type that wins (see `TYPE_PRECEDENCE`)."""
    mentions = []
    for number, sentences in enumerate(paragraphs):
        for sentence in sentences:
            for clause, found in _clauses(sentence, find_dates(sentence, published), registries):
                cued = {event_type for _, _, event_type in find_cues(clause, registries)}
                if not cued:
                    continue
                others = sorted(cued - {STATEMENT}, key=lambda item: _precedence(item, registries))
                event_type = others[0] if others else STATEMENT
                mentions.append(Mention(number, sentence, clause, event_type, found, len(others) <= 1))
    return mentions


def _compatible(mention: Mention, draft: EventGroup) -> bool:
    if mention.event_type != draft.event_type or mention.paragraph - draft.last_paragraph > 1:
        return False
    if mention.found_date is None or draft.found_date is None:
        return True
    ours = span_of(mention.found_date.start, mention.found_date.end, mention.found_date.precision)
    theirs = span_of(draft.found_date.start, draft.found_date.end, draft.found_date.precision)
    return ours[0] <= theirs[1] and theirs[0] <= ours[1]


def group_mentions(mentions: list[Mention]) -> list[EventGroup]:
    """One group per reported event: a clause joins the latest group of its type in the same or the previous
    paragraph whose dates it does not contradict (a clause without a date contradicts none)."""
    groups: list[EventGroup] = []
    for mention in mentions:
        recent = reversed(groups[-GROUP_LOOKBACK:])
        target = next((group for group in recent if _compatible(mention, group)), None)
        if target is not None and len(target.mentions) >= MAX_GROUP_MENTIONS:
            target = None
        if target is None:
            groups.append(EventGroup(mention.event_type, [mention], mention.found_date, mention.paragraph))
            continue
        target.mentions.append(mention)
        target.last_paragraph = mention.paragraph
        if target.found_date is None:
            target.found_date = mention.found_date
    return groups
