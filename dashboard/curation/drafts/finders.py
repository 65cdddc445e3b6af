"""What a sentence names: event-type cues, actors, weapons, places, figures (killed, wounded, personnel,
quantities, distances), the wording of certainty, and who says it. Each ``find_*`` looks at one text and knows
nothing of the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from rapidfuzz import fuzz, process

from dashboard.model.registries import Registries, name_key

# --- cues, actors, weapons -------------------------------------------------------------------------------------


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


# --- places ---------------------------------------------------------------------------------------------------

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


# --- figures --------------------------------------------------------------------------------------------------

NUMBER_WORDS = {  # no package for number words is installed; these cover what news copy spells out
    "a dozen": 12, "dozens": 24, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "hundreds": 200,
}  # fmt: skip
SCALES = {"thousand": 1_000, "million": 1_000_000}
UNITS = {"miles": "mi", "mile": "mi", "mi": "mi", "km": "km", "kilometres": "km", "kilometers": "km",
         "kilometre": "km", "kilometer": "km", "nautical miles": "nmi", "nmi": "nmi"}  # fmt: skip


@dataclass(frozen=True)
class Figure:
    """A number the article gives: ``kind`` is killed, wounded, personnel, quantity, claimed_distance or range."""

    kind: str
    value: float
    phrase: str
    unit: str | None = None
    bound: str = "best"  # best ("about 70"), low ("more than 20", "at least"), high ("up to 75")


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


# --- confidence and who says it -------------------------------------------------------------------------------

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
