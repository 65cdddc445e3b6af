"""Draft event records from a news article, for an analyst to review before they join the record files.

`draft_records` reads an article's text and its publication date and returns one `Draft` per event the article
reports (not one per sentence): the nested record (the schema's YAML form) and ``unsure``, every field the
extractor guessed, with the reason. How each field is found:

- dates: date phrases are located in each sentence (`_DATE_PHRASE`), then parsed by ``dateparser`` against the
  publication date (past preferred, future when the clause speaks of the future: "is set to meet on Friday");
  its period gives the precision (day, week, month, year). Vague phrases ("recently", "in recent months",
  "in the near future") become honest spans from `VAGUE_DATES`; the source's phrase is kept as ``date.phrase``;
- actors: names and aliases of ``actors.yaml`` (demonyms and capitals included) found in the text;
- event type: the cue words of ``event_types.yaml`` (``cues:``); reporting verbs make a statement only when no
  other type is cued;
- places: the gazetteer (`dashboard.places.gazetteer`, or the curated ``gazetteer.csv`` alone until it is
  there) for capitalised names after "in", "near", "at", "inside", "from", "to";
- weapons: names and aliases of ``weapons.yaml``, exact or close (``rapidfuzz``);
- figures: killed, wounded, personnel, quantities and claimed distances, as the schema's figures;
- confidence: the wording (`CONFIDENCE_CUES`, the one table of it) and who says it ("according to ...",
  "X said").

Drafts never enter the record files by themselves. `drafts_yaml` writes each one tagged ``!draft`` with a
``review:`` mapping of the unsure fields (and a comment on each such field): the loader refuses a ``!draft``
record ("could not determine a constructor for the tag '!draft'"), so an analyst must check the fields and
delete both marks before a draft can load. `score_drafts` measures drafts against curated records.
"""

from __future__ import annotations

import calendar
import copy
import io
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

from rapidfuzz import fuzz, process

from dashboard.model.registries import Registries, name_key
from dashboard.model.schema import DISTANCE_UNITS_KM, EARLIEST_DATE, FIELDS_BY_NAME, LATEST_DATE
from dashboard.safeio.safeyaml import DRAFT_TAG

REVIEW_KEY = "review"
MAX_ARTICLE_CHARS = 200_000  # about 30,000 words: an article, not a book; longer text is refused
MAX_SENTENCE_CHARS = 2_000  # longer runs without a full stop are cut, so no sentence costs unbounded work
GROUP_LOOKBACK = 50  # a clause joins one of the last 50 events at most
MAX_GROUP_MENTIONS = 20  # and an event gathers at most 20 clauses (a run-on text cannot make one endless draft)
STATEMENT = "statement"
# When several types are cued in one clause, the first of these wins (a strike on a depot is a depot hit);
# types not listed come after them in registry order, and a statement only when nothing else is cued.
TYPE_PRECEDENCE = ("depot_hit", "strike", "arms_transfer", "troop_deployment", "training", "policy", "diplomatic")
# Wording -> confidence level. The most cautious level found in a clause wins (order of CAUTION).
CONFIDENCE_CUES: tuple[tuple[str, str], ...] = (
    (r"unconfirmed|unverified|could not be (?:independently )?verified|anonymous", "unverified"),
    (r"claim(?:s|ed)?|alleg\w*|accus\w*|said to", "claimed"),
    (r"highly likely|likely|probabl\w*|we assess|assess(?:es|ed|ment)?|suspected|believed to", "assessed"),
    (r"reportedly|according to|reported|reports? (?:say|said)", "reported"),
    (r"confirm(?:s|ed)?|officially|announced", "confirmed"),
)
CAUTION = ("unverified", "claimed", "assessed", "reported", "confirmed")
DEFAULT_CONFIDENCE = "reported"
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
UNDATED_DAYS = 365  # an event the article gives no date for: the year before publication
FUTURE_WORDS = re.compile(
    r"\b(?:is|are) (?:set|due|scheduled|expected|planning|going) to|\bwill\b|\bplans? to\b|\bupcoming\b|\bnext\b",
    re.IGNORECASE,
)
NUMBER_WORDS = {  # no package for number words is installed; these cover what news copy spells out
    "a dozen": 12, "dozens": 24, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "hundreds": 200,
}  # fmt: skip
SCALES = {"thousand": 1_000, "million": 1_000_000}
UNITS = {"miles": "mi", "mile": "mi", "mi": "mi", "km": "km", "kilometres": "km", "kilometers": "km",
         "kilometre": "km", "kilometer": "km", "nautical miles": "nmi", "nmi": "nmi"}  # fmt: skip
ABBREVIATIONS = {
    *("mr", "mrs", "ms", "dr", "gen", "lt", "col", "maj", "capt", "sgt", "st", "no", "vs", "pres", "gov", "sen"),
    *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "rep"),
}
PLACE_PREPOSITIONS = (
    "in",
    "near",
    "at",
    "inside",
    "outside",
    "around",
    "from",
    "to",
    "into",
    "over",
    "visited",
    "struck",
    "hit",
)
LOCATIVE = ("in", "near", "at", "inside", "outside", "around")
PRONOUNS = {"he", "she", "they", "it", "we"}


class PlaceHit(Protocol):
    """What a gazetteer match offers (`dashboard.places.gazetteer.PlaceMatch`)."""

    name: str
    matched: str
    country: str
    latitude: float
    longitude: float
    kind: str
    source: str
    precision: str
    score: float
    reference: str


class PlaceIndex(Protocol):
    """The part of `dashboard.places.gazetteer.Gazetteer` the extractor uses."""

    def exact(self, name: str, country: str | None = None) -> Sequence[PlaceHit]: ...
    def lookup(self, query: str, limit: int = 8, country: str | None = None) -> Sequence[PlaceHit]: ...
    def longest_name_words(self) -> int: ...


def default_places(registries: Registries) -> PlaceIndex:
    """The project's gazetteer: the curated places plus GeoNames' populated places."""
    from dashboard.places.gazetteer import load_gazetteer

    return load_gazetteer(registries)


@dataclass(frozen=True)
class Figure:
    """A number the article gives: ``kind`` is killed, wounded, personnel, quantity, claimed_distance or range."""

    kind: str
    value: float
    phrase: str
    unit: str | None = None
    bound: str = "best"  # best ("about 70"), low ("more than 20", "at least"), high ("up to 75")


@dataclass
class Draft:
    """One reported event: the record in its nested (YAML) form and the fields the extractor was unsure of."""

    record: dict[str, Any]
    unsure: dict[str, str] = field(default_factory=dict)  # schema field name -> why it needs checking
    figures: list[Figure] = field(default_factory=list)  # every figure found, also those without a schema field
    sentences: list[str] = field(default_factory=list)  # the article's sentences it comes from

    @property
    def id(self) -> str:
        return str(self.record["id"])


@dataclass(frozen=True)
class DateFound:
    phrase: str
    start: date
    end: date | None
    precision: str
    position: tuple[int, int]  # characters in the sentence
    unsure: str | None = None


class _Mention(NamedTuple):
    """One clause that reports an event."""

    paragraph: int
    sentence: str
    clause: str
    event_type: str
    found_date: DateFound | None
    sure_type: bool


# --- text -----------------------------------------------------------------------------------------------------


def article_paragraphs(text: str) -> tuple[list[str], list[list[str]]]:
    """The headline-like lines (short, no closing punctuation) and the paragraphs as lists of sentences."""
    headlines, paragraphs = [], []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = " ".join(line.replace("**", " ").replace("__", " ").split()).lstrip("#").strip()
        if not line:
            continue
        if len(line.split()) <= 20 and not line.endswith((".", "!", "?", '."', ".”", ":", '?"')):
            headlines.append(line)
            continue
        paragraphs.append(split_sentences(line))
    return headlines, paragraphs


_SENTENCE_END = re.compile(r"[.!?][\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])")


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph; a full stop after an abbreviation ("U.S.", "Gen.") does not end one."""
    sentences, start = [], 0
    for match in _SENTENCE_END.finditer(paragraph):
        before = paragraph[start : match.start() + 1].split()
        last = before[-1] if before else ""
        if re.fullmatch(r"(?:[A-Za-z]\.){2,}|[A-Z]\.", last) or last.rstrip(".").lower() in ABBREVIATIONS:
            continue
        sentences.append(paragraph[start : match.end()].strip())
        start = match.end()
    if paragraph[start:].strip():
        sentences.append(paragraph[start:].strip())
    return [piece for sentence in sentences for piece in _wrapped(sentence)]


def _wrapped(sentence: str) -> list[str]:
    """A run-on "sentence" longer than `MAX_SENTENCE_CHARS` cut at spaces, so that each costs bounded work."""
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return [sentence]
    pieces, rest = [], sentence
    while len(rest) > MAX_SENTENCE_CHARS:
        cut = rest.rfind(" ", 0, MAX_SENTENCE_CHARS)
        cut = cut if cut > 0 else MAX_SENTENCE_CHARS
        pieces.append(rest[:cut].strip())
        rest = rest[cut:]
    return [*pieces, rest.strip()] if rest.strip() else pieces


# --- dates ----------------------------------------------------------------------------------------------------

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
    for pattern, before, after, precision, meaning in VAGUE_DATES:
        if re.fullmatch(pattern, text, re.IGNORECASE):
            start, end = published + timedelta(days=before), published + timedelta(days=after)
            return start, end, precision, f'"{text}" gives no date: the span is {meaning}; find it in another source'
    since = text.lower().startswith("since ")
    qualified = re.match(r"(?:early|late|mid-)", text, re.IGNORECASE) is not None
    core = text
    while (stripped := _QUALIFIERS.sub("", core)) != core:
        core = stripped
    data = _date_parser(published, "future" if future else "past").get_date_data(core)
    if data is None or data.date_obj is None:
        return None
    day, period = data.date_obj.date(), data.period
    unsure = None
    if period == "week":
        start, precision = day - timedelta(days=day.weekday()), "week"
    elif period == "month":
        start, precision = day.replace(day=1), "month"
    elif period == "year":
        start, precision = day.replace(month=1, day=1), "year"
    else:
        start, precision = day, "day"
        if (
            re.fullmatch(rf"(?:on |last )?(?:{_WEEKDAYS})", text, re.IGNORECASE)
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


# --- cues, actors, weapons, places, figures -------------------------------------------------------------------


def _cue_pattern(cue: str) -> str:
    words = []
    for word in cue.split():
        if word in ("...", "…"):
            words.append(r"(?:\S+\s+){0,3}?")
            continue
        body = re.escape(word.rstrip("*")) + (r"\w*" if word.endswith("*") else "")
        words.append(body + r"\s+")
    return r"\b" + "".join(words).removesuffix(r"\s+") + r"\b"


@lru_cache(maxsize=4)
def _cue_table(cues: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(
        (type_id, re.compile("|".join(_cue_pattern(cue) for cue in found), re.IGNORECASE))
        for type_id, found in cues
        if found
    )


def find_cues(text: str, registries: Registries) -> list[tuple[int, int, str]]:
    """``(start, end, event type)`` for every cue word of the registry in ``text``."""
    table = _vocabulary(registries, "cues", lambda found: _cue_table(tuple(sorted(found.type_cues.items()))))
    return sorted((m.start(), m.end(), type_id) for type_id, pattern in table for m in pattern.finditer(text))


def _names_pattern(names: Iterable[str]) -> re.Pattern[str]:
    ordered = sorted({name for name in names if name.strip()}, key=len, reverse=True)
    return re.compile(r"(?<![\w])(?:" + "|".join(re.escape(name) for name in ordered) + r")(?![\w])")


@lru_cache(maxsize=4)
def _actor_names(actors: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    ids = {}
    for actor_id, names in actors:
        for name in names:
            ids.setdefault(name, actor_id)
    return _names_pattern(ids), ids


_VOCABULARIES: dict[int, tuple[Registries, Any]] = {}


def _vocabulary(registries: Registries, kind: str, build: Any) -> Any:
    """What ``build(registries)`` returns, built once per registries object (the last few are kept)."""
    key = id(registries)
    kept = _VOCABULARIES.get(key)
    if kept is None or kept[0] is not registries:
        if len(_VOCABULARIES) >= 4:
            _VOCABULARIES.clear()
        kept = _VOCABULARIES[key] = (registries, {})
    if kind not in kept[1]:
        kept[1][kind] = build(registries)
    return kept[1][kind]


def _actor_vocabulary(registries: Registries) -> tuple[re.Pattern[str], dict[str, str]]:
    entries = tuple(
        (str(actor_id), (str(row["name"]), *map(str, row["aliases"]))) for actor_id, row in registries.actors.iterrows()
    )
    return _actor_names(entries)


def _weapon_vocabulary(registries: Registries) -> tuple[re.Pattern[str], dict[str, str]]:
    names: dict[str, str] = {}
    for weapon_id, row in registries.weapons.iterrows():
        for name in (weapon_id, row["name"], *row["aliases"]):
            names.setdefault(name_key(name), str(weapon_id))
    alternatives = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    return re.compile(r"(?<![\w-])(?:" + alternatives + r")(?![\w])", re.IGNORECASE), names


def find_actors(text: str, registries: Registries) -> list[tuple[int, str]]:
    """``(position, actor id)`` for each actor name, alias, demonym or capital in ``text`` (case as written)."""
    pattern, ids = _vocabulary(registries, "actors", _actor_vocabulary)
    return [(match.start(), ids[match.group(0)]) for match in pattern.finditer(text)]


def find_weapons(text: str, registries: Registries) -> list[tuple[str, str, float]]:
    """``(weapon id, text matched, score)``: registry names and aliases (any case), else close spellings."""
    exact, names = _vocabulary(registries, "weapons", _weapon_vocabulary)
    found = [(names[name_key(m.group(0))], m.group(0), 100.0) for m in exact.finditer(text)]
    if found:
        return found
    for token in re.findall(r"\b[A-Z][A-Za-z]*[- ]?\d+[A-Za-z]?\b", text):  # "Fateh-360", "KN 23"
        best = process.extractOne(name_key(token), list(names), scorer=fuzz.ratio, score_cutoff=85)
        if best:
            found.append((names[best[0]], token, float(best[1])))
    return found


_CAPITALISED = re.compile(r"[A-Z][\w'’.-]*(?:\s+(?:of\s+|de\s+)?[A-Z][\w'’.-]*)*")


def find_places(clause: str, places: PlaceIndex, longest: int = 6) -> list[tuple[str, PlaceHit, str]]:
    """``(preposition, match, text)`` for the capitalised names after a place preposition that the gazetteer
    knows: the longest name that matches exactly; else, after "in", "near", "at" and the like, a close spelling
    (score 92 or more) of the whole name. ``longest``: the most words a name may have."""
    found = []
    longest = max(1, min(longest, 6))
    prepositions = "|".join(PLACE_PREPOSITIONS)
    for match in re.finditer(
        rf"\b({prepositions})\s+(?:the\s+)?(?:city of\s+|town of\s+)?({_CAPITALISED.pattern})", clause
    ):
        words = re.sub(r"['’]s$", "", match.group(2)).split()
        for size in range(min(longest, len(words)), 0, -1):
            name = " ".join(words[:size]).rstrip(".,")
            hits = list(places.exact(name))
            if not hits and size == len(words) and len(name) >= 5 and match.group(1) in LOCATIVE:
                hits = [hit for hit in places.lookup(name, limit=3) if hit.score >= 92]
            if hits:
                found.append((match.group(1), hits[0], name))
                break
    return found


_NUMBER_TEXT = (
    r"(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
    r"(?:\s+(?:thousand|million))?"
)
_BOUND = r"(?:(?P<bound>about|around|approximately|nearly|some|roughly|almost|at least|more than|over|up to)\s+)?"
_DISTANCE_UNIT = r"(?P<unit>nautical miles|miles?|mi|km|kilomet(?:re|er)s?)"
_COUNTED = rf"\b{_BOUND}(?P<n>{_NUMBER_TEXT})\s+"  # "about 70 ", "more than 20 ", "six "
_WORDS = r"(?:[\w-]+\s+){{0,{}}}?"  # up to N words between the number and what it counts
_PASSIVE = r"(?:were\s+|was\s+|have been\s+|had been\s+)?"
_FIGURE_PATTERNS = (
    ("range", rf"\brange of\s+{_BOUND}(?P<n>{_NUMBER_TEXT})\s+{_DISTANCE_UNIT}\b"),
    (
        "claimed_distance",
        rf"{_COUNTED}{_DISTANCE_UNIT}\s+(?:\w+\s+)?(?:from|of)\s+"
        r"(?P<to>the\s+[\w -]*?border|the\s+front(?:\s+line)?|[A-Z][\w-]*)",
    ),
    ("killed", rf"{_COUNTED}{_WORDS.format(4)}{_PASSIVE}(?:killed|dead|died)\b"),
    ("wounded", rf"{_COUNTED}{_WORDS.format(4)}{_PASSIVE}(?:wounded|injured|hurt)\b"),
    ("personnel", rf"{_COUNTED}{_WORDS.format(2)}(?:troops|soldiers|personnel|servicemen|officers)\b"),
    ("quantity", rf"{_COUNTED}{_WORDS.format(2)}(?P<unit>missiles|drones|shells|containers|rounds|tanks|rockets)\b"),
)
_BOUNDS = {"at least": "low", "more than": "low", "over": "low", "up to": "high"}


def _number(text: str) -> float:
    words = text.lower().split()
    scale = SCALES.get(words[-1], 1) if len(words) > 1 else 1
    head = " ".join(words[:-1]) if scale != 1 else " ".join(words)
    value = NUMBER_WORDS.get(head)
    return float(value if value is not None else head.replace(",", "")) * scale


def find_figures(clause: str) -> list[Figure]:
    """Every figure of a clause; a number counted as killed or wounded is not also personnel."""
    figures, taken = [], []
    for kind, pattern in _FIGURE_PATTERNS:
        for match in re.finditer(pattern, clause, re.IGNORECASE):
            if any(match.start("n") < end and start < match.end("n") for start, end in taken):
                continue
            taken.append(match.span("n"))
            groups = match.groupdict()
            unit = groups.get("unit")
            unit = UNITS.get(unit.lower(), unit.lower()) if unit and kind in ("range", "claimed_distance") else unit
            bound = _BOUNDS.get((groups.get("bound") or "").lower(), "best")
            phrase = match.group(0) if kind != "claimed_distance" else f"{match.group(0)}"
            figures.append(Figure(kind, _number(groups["n"]), phrase, unit.lower() if unit else None, bound))
    return figures


def find_confidence(text: str) -> tuple[str, str] | None:
    """``(level, wording)``: the most cautious confidence the wording of ``text`` gives, or None."""
    found = [(CAUTION.index(level), level, m.group(0)) for pattern, level in CONFIDENCE_CUES
             for m in re.finditer(rf"\b(?:{pattern})\b", text, re.IGNORECASE)]  # fmt: skip
    return min(found)[1:] if found else None


_REPORTING = (
    r"said|says|stated|states|told|added|noted|suggested|accused|claimed|claims|announced|warned|reported|assessed"
)
_ATTRIBUTION_WORDS = {"'s", "of", "the", "defense", "defence", "minister", "ministry", "officials", "official",
                      "intelligence", "sources", "military", "general", "staff", "forces", "president", "spokesman",
                      "spokeswoman", "chief", "leader", "foreign", "office", "service", "armed"}  # fmt: skip


def find_attributions(sentence: str) -> list[tuple[int, str]]:
    """``(position, who)`` for "according to X" and "X said" (and similar verbs) in a sentence."""
    found = []
    for match in re.finditer(
        r"\baccording to\s+(?P<who>.+?)(?=[;:]|\.(?=\s+[A-Z]|\s*$)|,\s+(?:which|who|where|while|but|as)\b|$)", sentence
    ):
        found.append((match.start(), match.group("who").strip(" ,\"'”")))
    for match in re.finditer(rf"\b(?:has |have |had )?(?:{_REPORTING})\b", sentence):
        words = re.findall(r"[\w.’'-]+|[,;:()\"“”]", sentence[: match.start()])[-8:]
        who: list[str] = []
        for word in reversed(words):
            if not re.match(r"\w", word):  # punctuation ends the speaker's name
                break
            base = re.sub(r"['’]s$", "", word)
            if base[:1].isupper() or word.lower() in _ATTRIBUTION_WORDS or base.lower() in _ATTRIBUTION_WORDS:
                who.insert(0, word)
                continue
            break
        while who and who[0].lower() in _ATTRIBUTION_WORDS:
            who.pop(0)
        if who:
            found.append((match.start(), " ".join(who)))
    return sorted(found)


# --- grouping -------------------------------------------------------------------------------------------------


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


def _mentions(paragraphs: list[list[str]], published: date, registries: Registries) -> list[_Mention]:
    mentions = []
    for number, sentences in enumerate(paragraphs):
        for sentence in sentences:
            for clause, found in _clauses(sentence, find_dates(sentence, published), registries):
                cued = {event_type for _, _, event_type in find_cues(clause, registries)}
                if not cued:
                    continue
                others = sorted(cued - {STATEMENT}, key=lambda item: _precedence(item, registries))
                event_type = others[0] if others else STATEMENT
                mentions.append(_Mention(number, sentence, clause, event_type, found, len(others) <= 1))
    return mentions


def _compatible(mention: _Mention, draft: _Group) -> bool:
    if mention.event_type != draft.event_type or mention.paragraph - draft.last_paragraph > 1:
        return False
    if mention.found_date is None or draft.found_date is None:
        return True
    ours = span_of(mention.found_date.start, mention.found_date.end, mention.found_date.precision)
    theirs = span_of(draft.found_date.start, draft.found_date.end, draft.found_date.precision)
    return ours[0] <= theirs[1] and theirs[0] <= ours[1]


@dataclass
class _Group:
    event_type: str
    mentions: list[_Mention]
    found_date: DateFound | None
    last_paragraph: int


def _group(mentions: list[_Mention]) -> list[_Group]:
    """One group per reported event: a clause joins the latest group of its type in the same or the previous
    paragraph whose dates it does not contradict (a clause without a date contradicts none)."""
    groups: list[_Group] = []
    for mention in mentions:
        recent = reversed(groups[-GROUP_LOOKBACK:])
        target = next((group for group in recent if _compatible(mention, group)), None)
        if target is not None and len(target.mentions) >= MAX_GROUP_MENTIONS:
            target = None
        if target is None:
            groups.append(_Group(mention.event_type, [mention], mention.found_date, mention.paragraph))
            continue
        target.mentions.append(mention)
        target.last_paragraph = mention.paragraph
        if target.found_date is None:
            target.found_date = mention.found_date
    return groups


# --- building records -----------------------------------------------------------------------------------------


def draft_records(
    text: str,
    published: date,
    registries: Registries,
    gazetteer: PlaceIndex | None = None,
    *,
    publisher: str | None = None,
    url: str | None = None,
    title: str | None = None,
) -> list[Draft]:
    """The draft records of the events an article reports, in the article's order (see the module's notes).

    ``gazetteer``: the places to match (default: `default_places`). ``publisher`` and ``title`` default to the
    article's second and first short lines, marked unsure. Raises ValueError for text longer than
    `MAX_ARTICLE_CHARS`.
    """
    if len(text) > MAX_ARTICLE_CHARS:
        raise ValueError(f"the text has {len(text):,} characters; an article may have at most {MAX_ARTICLE_CHARS:,}")
    places = gazetteer if gazetteer is not None else default_places(registries)
    headlines, paragraphs = article_paragraphs(text)
    source_unsure: dict[str, str] = {}
    if not title:
        title = headlines[0] if headlines else "Untitled article"
        source_unsure["sources"] = f"source title {title!r} taken from the article's first line"
    if not publisher:
        guess = headlines[1] if len(headlines) > 1 and len(headlines[1].split()) <= 5 else None
        publisher = guess or "Unknown publisher"
        reason = f"publisher {publisher!r} guessed from the article's second line" if guess else "no publisher given"
        source_unsure["sources"] = "; ".join(filter(None, (source_unsure.get("sources"), reason)))
    source = {"publisher": publisher, "title": title, **({"url": url} if url else {}), "published": published}
    drafts, ids, longest = [], set(), places.longest_name_words()
    for group in _group(_mentions(paragraphs, published, registries)):
        draft = _draft_of(group, published, registries, places, longest, copy.deepcopy(source))
        draft.unsure.update(source_unsure)
        draft.record["id"] = _unique(draft.record["id"], ids)
        drafts.append(draft)
    return drafts


def _unique(wanted: str, taken: set[str]) -> str:
    candidate, number = wanted, 2
    while candidate in taken:
        candidate, number = f"{wanted}-{number}", number + 1
    taken.add(candidate)
    return candidate


def _draft_of(
    group: _Group, published: date, registries: Registries, places: PlaceIndex, longest: int, source: dict
) -> Draft:
    unsure: dict[str, str] = {}
    sentences = list(dict.fromkeys(mention.sentence for mention in group.mentions))
    clauses = [mention.clause for mention in group.mentions]
    event_type = group.event_type
    if not all(mention.sure_type for mention in group.mentions):
        unsure["event_type"] = "the clause has cue words of several types; the most specific was taken"

    # dates
    found = group.found_date
    if found is None:
        start, end, precision = published - timedelta(days=UNDATED_DAYS), published, "year"
        unsure["date_start"] = "the article gives no date: the span is the year before publication"
        date_record: dict[str, Any] = {"start": start, "end": end, "precision": precision}
    else:
        date_record = {"start": found.start, **({"end": found.end} if found.end else {}), "precision": found.precision}
        date_record["phrase"] = found.phrase
        if found.unsure:
            unsure["date_start"] = found.unsure

    # actors: who says it is not an actor of the event, unless the event is what they say
    attributions = [who for sentence in sentences[:1] for _, who in find_attributions(sentence)]
    claimed_by = next((who for who in attributions if who.lower() not in PRONOUNS), None)
    actors, initiator_sure = _actors(
        clauses, event_type, registries, {*(attributions if event_type != STATEMENT else [])}
    )
    record_actors: dict[str, Any] = {}
    if actors:
        record_actors["initiator"] = actors[0]
        if not initiator_sure:
            unsure["initiator"] = "taken from word order; check who acted"
    else:
        unsure["initiator"] = "no actor of the registry is named: add the initiator"
    if len(actors) > 1:
        record_actors["counterpart"] = actors[1]
        if len(actors) > 2:
            record_actors["associated"] = actors[2:]
            unsure["counterpart"] = "several actors are named; check which one was acted upon"

    # place
    location: dict[str, Any] = {}
    origin: dict[str, Any] = {}
    destination: dict[str, Any] = {}
    hits = [hit for clause in clauses for hit in find_places(clause, places, longest)]
    for preposition, hit, matched in hits:
        point = {
            "place": hit.name,
            "country": hit.country,
            "lat": round(hit.latitude, 4),
            "lon": round(hit.longitude, 4),
        }
        if preposition == "from" and not origin:
            origin = point
        elif preposition in ("to", "into") and not destination:
            destination = point
        elif preposition not in ("from", "to", "into") and not location:
            location = point | {"precision": hit.precision}
            if hit.score < 100 or hit.source != "curated":
                unsure["place"] = f"{matched!r} matched {hit.name!r} ({hit.reference}, score {hit.score:.0f})"
            elif hit.precision == "country":
                unsure["place"] = f"only the country ({hit.name}) is named; the point stands for the country"
    if not location:
        stand_in = destination or origin
        if stand_in:
            location = dict(stand_in) | {"precision": "city"}
            unsure["place"] = (
                f"no place of the event is named; {stand_in['place']} (where it went or came from) stands in"
            )
        else:
            location = {"precision": "country"}
            unsure["place"] = "no place is named: add the place, or leave the event off the map"
        unsure["location_precision"] = "guessed with the place"
    if event_type not in ("arms_transfer", "troop_deployment"):
        origin, destination = {}, {}

    # weapons and figures
    weapons = [weapon for clause in clauses for weapon in find_weapons(clause, registries)]
    figures = [figure for clause in clauses for figure in find_figures(clause)]
    record_figures, notes = _figures(figures, location, record_actors, registries, weapons, unsure)

    # confidence and who says it
    wording = find_confidence(" ".join(clauses)) or find_confidence(" ".join(sentences))
    confidence: dict[str, Any] = {"level": wording[0] if wording else DEFAULT_CONFIDENCE}
    if not wording:
        unsure["confidence"] = f"no wording of certainty; {DEFAULT_CONFIDENCE!r} because the article reports it"
    if claimed_by:
        confidence["by"] = claimed_by
    else:
        unsure["claimed_by"] = "the article names no source for this; it is the article's own report"

    record: dict[str, Any] = {
        "id": _record_id(date_record["start"], event_type, record_actors.get("initiator")),
        "title": _title(event_type, record_actors, location, registries),
        "summary": " ".join(sentences),
        "type": event_type,
        "date": date_record,
        "actors": record_actors,
        "location": location,
    }
    if origin:
        record["origin"] = origin
    if destination:
        record["destination"] = destination
    if weapons:
        record["weapon"] = weapons[0][0]
        if weapons[0][2] < 100 or len({weapon[0] for weapon in weapons}) > 1:
            unsure["weapon"] = f"{weapons[0][1]!r} matched {weapons[0][0]} (score {weapons[0][2]:.0f})"
    if record_figures:
        record["figures"] = record_figures
    record["confidence"] = confidence
    record["sources"] = [source | {"quote": " ".join(sentences)}]
    if notes:
        record["notes"] = " ".join(notes)
    unsure["title"] = "written by the extractor: put it in your own words"
    unsure["summary"] = "the article's sentences: summarise in your own words, with the uncertainty"
    return Draft(record, unsure, figures, sentences)


def _actors(clauses: list[str], event_type: str, registries: Registries, speakers: set[str]) -> tuple[list[str], bool]:
    """The actors in order of role (initiator first) and whether the initiator is taken with some certainty:
    the agent after "by" in a passive clause, else the first actor before the cue word."""
    speaker_ids = {actor for who in speakers for _, actor in find_actors(who, registries)}
    ordered: list[str] = []
    sure = False
    for number, clause in enumerate(clauses):
        found = find_actors(clause, registries)
        found = [(position, actor) for position, actor in found if actor not in speaker_ids] or (
            found if number == 0 and not ordered else []
        )
        agents = [actor for position, actor in found if re.search(r"\bby\s+(?:an?\s+|the\s+)?$", clause[:position])]
        cues = [start for start, _, kind in find_cues(clause, registries) if kind == event_type]
        for actor in agents:
            if actor not in ordered:
                ordered.insert(0 if not ordered or number == 0 else len(ordered), actor)
                sure = number == 0 or sure
        for position, actor in found:
            if actor not in ordered:
                if not ordered and cues and position < cues[0]:
                    sure = True
                ordered.append(actor)
    return ordered, sure


def _figures(
    figures: list[Figure],
    location: dict,
    actors: dict,
    registries: Registries,
    weapons: list[tuple[str, str, float]],
    unsure: dict[str, str],
) -> tuple[dict[str, Any], list[str]]:
    """The schema's figures from the figures found, and notes for those without a field (a weapon's range)."""
    record: dict[str, Any] = {}
    notes: list[str] = []
    for figure in figures:
        value: float | int = int(figure.value) if figure.value.is_integer() else figure.value
        if figure.kind in ("killed", "wounded"):
            if figure.kind in record:
                continue
            record[figure.kind] = {figure.bound: value}
            unsure[f"{figure.kind}_{figure.bound}"] = f'from "{figure.phrase}": check whom the number counts'
        elif figure.kind in ("personnel", "quantity") and figure.kind not in record:
            record[figure.kind] = value
            if figure.kind == "quantity" and figure.unit:
                record["quantity_unit"] = figure.unit.lower()
            unsure[figure.kind] = f'from "{figure.phrase}"'
        elif figure.kind == "claimed_distance" and "claimed_distance" not in record:
            to = _distance_to(figure.phrase, location, actors, registries)
            record["claimed_distance"] = {"value": value, "unit": figure.unit, **({"to": to} if to else {})}
            unsure["claimed_distance_to"] = f'from "{figure.phrase}": check which border or place is meant'
        elif figure.kind == "range":
            notes.append(_range_note(figure, weapons, registries))
    return record, notes


def _distance_to(phrase: str, location: dict, actors: dict, registries: Registries) -> str | None:
    if "border" not in phrase.lower():
        return None
    countries = {location.get("country")}
    for role in ("initiator", "counterpart"):
        actor = actors.get(role)
        if actor in registries.actors.index:
            countries.add(str(registries.actors.at[actor, "country"]))
    codes = sorted(code for code in countries if code and code != "XXX")
    return f"border:{codes[0]}-{codes[1]}" if len(codes) == 2 else None


def _range_note(figure: Figure, weapons: list[tuple[str, str, float]], registries: Registries) -> str:
    km = figure.value * DISTANCE_UNITS_KM.get(figure.unit or "km", 1.0)
    note = f'The article gives a range ("{figure.phrase}", {km:.0f} km)'
    if weapons:
        weapon = weapons[0][0]
        registered = registries.weapons.at[weapon, "max_range_km"]
        if registered == registered:  # not NaN
            agrees = "agrees with" if abs(registered - km) <= 0.05 * registered else "differs from"
            note += f"; it {agrees} the weapons registry's {registered:.0f} km for {weapon}"
    return note + "."


def _record_id(start: date, event_type: str, initiator: str | None) -> str:
    parts = [start.isoformat(), event_type.replace("_", "-"), (initiator or "unknown").replace("_", "-"), "draft"]
    return "-".join(parts)


def _title(event_type: str, actors: dict, location: dict, registries: Registries) -> str:
    names = [registries.actor_name(actors[role]) for role in ("initiator", "counterpart") if role in actors]
    place = f" ({location['place']})" if location.get("place") else ""
    who = " and ".join(names) if names else "unknown actors"
    return f"{registries.event_type_label(event_type)}: {who}{place}"


# --- YAML -----------------------------------------------------------------------------------------------------

YAML_HEADER = """\
DRAFT event records made by `python -m dashboard draft` from {article}, published {published}.
They are NOT reviewed. Each record is tagged !draft, and the loader refuses it while the tag is there.
To accept a draft: check every field listed under review: (marked "# unsure" where it stands), correct it,
write the title and summary in your own words, then delete the !draft tag and the review: mapping, and move
the record into a file of data/events.
"""


def drafts_yaml(drafts: Sequence[Draft], *, article: str = "an article", published: date | None = None) -> str:
    """The drafts as a YAML list: each record tagged ``!draft`` with a ``review:`` mapping (field: why) right
    after its id, and a ``# unsure`` comment on each of those fields."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.tag import Tag

    items = CommentedSeq()
    for draft in drafts:
        record = _commented(draft.record, CommentedMap)
        if draft.unsure:
            review = CommentedMap((name, reason) for name, reason in draft.unsure.items())
            record.insert(1, REVIEW_KEY, review)
            for name in draft.unsure:
                _mark(record, name, CommentedMap)
        record.yaml_set_ctag(Tag(suffix=DRAFT_TAG))
        items.append(record)
    shown = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", article)  # a file name cannot add lines
    when = published.isoformat() if published else "on an unknown date"
    header = YAML_HEADER.format(article=shown, published=when)
    if not drafts:  # an empty list with a comment is beyond ruamel's emitter
        return "".join(f"# {line}\n" for line in header.splitlines()) + "[]\n"
    items.yaml_set_start_comment(header)
    for index in range(1, len(items)):
        items.yaml_set_comment_before_after_key(index, before="\n")
    yaml = YAML()
    yaml.width = 120
    yaml.indent(mapping=2, sequence=2, offset=0)
    yaml.representer.ignore_aliases = lambda *_: True  # the loader refuses YAML aliases: write every value out
    out = io.StringIO()
    yaml.dump(items, out)
    return out.getvalue()


def _commented(value: Any, mapping: type) -> Any:
    if isinstance(value, dict):
        result = mapping()
        for key, item in value.items():
            result[key] = _commented(item, mapping)
        return result
    if isinstance(value, list):
        from ruamel.yaml.comments import CommentedSeq

        items = CommentedSeq(_commented(item, mapping) for item in value)
        if all(isinstance(item, str) for item in value):
            items.fa.set_flow_style()
        return items
    return value


def _mark(record: Any, name: str, mapping: type) -> None:
    """A ``# unsure`` comment at the field ``name`` (a schema field name, or a top-level key)."""
    schema_field = FIELDS_BY_NAME.get(name)
    path = schema_field.path if schema_field else (name,)
    node = record
    for key in path[:-1]:
        if not isinstance(node, mapping) or key not in node:
            node = None
            break
        node = node[key]
    key = path[-1]
    if isinstance(node, mapping) and key in node and not isinstance(node[key], mapping):
        node.yaml_add_eol_comment("unsure: see review", key)
    elif isinstance(node, mapping) and key in node:
        node.yaml_set_comment_before_after_key(key, before="unsure: see review", indent=2 * len(path))


# --- measuring ------------------------------------------------------------------------------------------------


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
