"""Date phrases in a sentence, resolved against the article's publication date.

Phrases are located with `_DATE_PHRASE`, then parsed by ``dateparser`` against the publication date (past
preferred, future when the clause speaks of the future: "is set to meet on Friday"); its period gives the
precision (day, week, month, year). Vague phrases ("recently", "in the near future") become honest spans from
`VAGUE_DATES`.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from dashboard.model.schema import EARLIEST_DATE, LATEST_DATE

# Vague phrases: (days from publication to the span's start, to its end, precision, what it means).
VAGUE_DATES: tuple[tuple[str, int, int, str, str], ...] = (
    (r"recently|lately", -30, 0, "month", "the 30 days before publication"),
    (r"in recent days|in the (?:past|last) (?:few )?days", -7, 0, "week", "the 7 days before publication"),
    (r"in recent weeks|in the (?:past|last) (?:few )?weeks", -28, 0, "month", "the 4 weeks before publication"),
    (r"in recent months|in the (?:past|last) (?:few )?months", -92, 0, "month", "the 3 months before publication"),
    (r"in the near future|soon|in the coming weeks", 0, 30, "month", "the 30 days after publication"),
    (r"in the coming days", 0, 7, "week", "the 7 days after publication"),
    (r"in the coming months", 0, 92, "month", "the 3 months after publication"),
)
FUTURE_WORDS = re.compile(
    r"\b(?:is|are) (?:set|due|scheduled|expected|planning|going) to|\bwill\b|\bplans? to\b|\bupcoming\b|\bnext\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DateFound:
    phrase: str
    start: date
    end: date | None
    precision: str
    position: tuple[int, int]  # characters in the sentence
    unsure: str | None = None


_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_MONTHS_SHORT = "jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
_NUMBER = r"\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten"
_DATE_PHRASE = re.compile(
    "|".join(
        [
            r"\b\d{4}-\d{2}-\d{2}\b",
            rf"\b(?:since |on |in )?\d{{1,2}}(?:st|nd|rd|th)? (?:{_MONTHS}|{_MONTHS_SHORT})\.?(?:,? \d{{4}})?\b",
            rf"\b(?:since |on |in )?(?:{_MONTHS}|{_MONTHS_SHORT})\.? \d{{1,2}}(?:st|nd|rd|th)?\b(?:,? \d{{4}}\b)?",
            rf"\b(?:since |on |last |this |next |early |late )?(?:{_WEEKDAYS})(?: night| morning| evening)?\b",
            rf"\b(?:since |in |early |late |mid-|until )*(?:{_MONTHS})(?: \d{{4}})?\b",
            r"\b(?:in |since )\d{4}\b",
            r"\b(?:last|this|next|past|previous) (?:week|month|year)\b|\bearlier this (?:week|month|year)\b",
            rf"\b(?:{_NUMBER}) (?:days?|weeks?|months?|years?) ago\b|\byesterday\b|\btoday\b|\btonight\b",
            *(rf"\b(?:{pattern})\b" for pattern, *_ in VAGUE_DATES),
        ]
    ),
    re.IGNORECASE,
)
_QUALIFIERS = re.compile(r"^(?:on|in|since|until|early|late|mid-)\s*", re.IGNORECASE)


@lru_cache(maxsize=8)
def _date_parser(base: date, prefer: str):
    from dateparser.date import DateDataParser  # imported on first use: it takes a second

    settings = {"RELATIVE_BASE": datetime(base.year, base.month, base.day), "PREFER_DATES_FROM": prefer}
    return DateDataParser(languages=["en"], settings=settings | {"RETURN_TIME_AS_PERIOD": True})


def find_dates(sentence: str, published: date) -> list[DateFound]:
    """Every date phrase of a sentence, resolved against the publication date."""
    found = []
    for match in _DATE_PHRASE.finditer(sentence):
        phrase = match.group(0)
        word = re.search(rf"{_MONTHS}|{_MONTHS_SHORT}", phrase, re.IGNORECASE)
        if word and re.search(_WEEKDAYS, phrase, re.IGNORECASE) is None:
            if not word.group(0)[0].isupper():  # "march" the verb, "may" the modal: not months
                continue
            if word.group(0) == "May" and not re.search(r"\d|\bin\b|\bsince\b", phrase, re.IGNORECASE):
                continue
        resolved = resolve_date(phrase, published, future=_speaks_of_future(sentence, match.start()))
        if resolved is not None:
            start, end, precision, unsure = resolved
            found.append(DateFound(phrase, start, end, precision, match.span(), unsure))
    return found


def _speaks_of_future(sentence: str, position: int) -> bool:
    clause_start = max(sentence.rfind(mark, 0, position) for mark in (";", ". "))
    clause_end = min((i for i in (sentence.find(mark, position) for mark in (";", ". ")) if i >= 0), default=None)
    return FUTURE_WORDS.search(sentence[clause_start + 1 : clause_end]) is not None


@lru_cache(maxsize=4096)
def resolve_date(
    phrase: str, published: date, future: bool = False
) -> tuple[date, date | None, str, str | None] | None:
    """``(start, end or None, precision, why unsure or None)`` for a date phrase, or None when it is not one.

    >>> resolve_date("on Tuesday", date(2024, 10, 9))[:3]
    (datetime.date(2024, 10, 8), None, 'day')
    """
    text = " ".join(phrase.split())
    vague = _vague_span(text, published)
    if vague is not None:
        return vague
    since = text.lower().startswith("since ")
    qualified = re.match(r"(?:early|late|mid-)", text, re.IGNORECASE) is not None
    core = text
    while (stripped := _QUALIFIERS.sub("", core)) != core:
        core = stripped
    data = _date_parser(published, "future" if future else "past").get_date_data(core)
    if data is None or data.date_obj is None:
        return None
    day = data.date_obj.date()
    start, precision = _period_start(day, data.period)
    unsure = None
    if (
        precision == "day"
        and re.fullmatch(rf"(?:on |last )?(?:{_WEEKDAYS})", text, re.IGNORECASE)
        and day.weekday() == published.weekday()
    ):
        unsure = f'the article appeared on a {day:%A}: "{text}" may mean that day or a week before'
    if qualified:
        unsure = f'"{text}" is part of a {precision}: the whole {precision} is recorded'
    if not EARLIEST_DATE <= start <= LATEST_DATE:
        return None
    if future and start > published + timedelta(days=366):
        unsure = f'"{text}" resolves to {start}, more than a year after publication'
    if not future and start > published:
        unsure = f'"{text}" resolves to {start}, after the publication date'
    if since:
        return start, published, precision, f'"{text}": the span runs from then to the publication date'
    return start, None, precision, unsure


def _vague_span(text: str, published: date) -> tuple[date, date, str, str] | None:
    """The span a vague phrase of `VAGUE_DATES` stands for ("recently": the 30 days before publication), or None."""
    for pattern, before, after, precision, meaning in VAGUE_DATES:
        if re.fullmatch(pattern, text, re.IGNORECASE):
            start, end = published + timedelta(days=before), published + timedelta(days=after)
            return start, end, precision, f'"{text}" gives no date: the span is {meaning}; find it in another source'
    return None


def _period_start(day: date, period: str | None) -> tuple[date, str]:
    """The first day and the precision of the period ``dateparser`` found ``day`` in (a week starts on Monday)."""
    if period == "week":
        return day - timedelta(days=day.weekday()), "week"
    if period == "month":
        return day.replace(day=1), "month"
    if period == "year":
        return day.replace(month=1, day=1), "year"
    return day, "day"


def span_of(start: date, end: date | None, precision: str) -> tuple[date, date]:
    """First and last day an event with these dates may have happened (as the loader's ``date_span_end``)."""
    if end is not None:
        return start, end
    if precision == "week":
        return start, start + timedelta(days=6)
    if precision == "month":
        return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])
    if precision == "year":
        return start, start.replace(month=12, day=31)
    return start, start
