"""From an article's text to one `Draft` per reported event: its clauses grouped into events
(`dashboard.curation.drafts.grouping`), then each event's record built field by field from what the finders
found, noting every field the extractor guessed and why.
"""

from __future__ import annotations

import copy
import re
from datetime import date, timedelta
from typing import Any

from dashboard.curation.drafts.dates import DateFound
from dashboard.curation.drafts.finders import (
    DEFAULT_CONFIDENCE,
    Figure,
    PlaceIndex,
    default_places,
    find_actors,
    find_attributions,
    find_confidence,
    find_cues,
    find_figures,
    find_places,
    find_weapons,
)
from dashboard.curation.drafts.grouping import STATEMENT, EventGroup, find_mentions, group_mentions
from dashboard.curation.drafts.output import Draft
from dashboard.curation.drafts.text import article_paragraphs
from dashboard.model.registries import Registries
from dashboard.model.schema import DISTANCE_UNITS_KM

MAX_ARTICLE_CHARS = 200_000  # about 30,000 words: an article, not a book; longer text is refused
UNDATED_DAYS = 365  # an event the article gives no date for: the year before publication
PRONOUNS = {"he", "she", "they", "it", "we"}


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
    """The draft records of the events an article reports, in the article's order (see `dashboard.curation.drafts`).

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
    for group in group_mentions(find_mentions(paragraphs, published, registries)):
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
    group: EventGroup, published: date, registries: Registries, places: PlaceIndex, longest: int, source: dict
) -> Draft:
    """The draft of one event: each part of the record found in turn, every guess noted in ``unsure``."""
    unsure: dict[str, str] = {}
    sentences = list(dict.fromkeys(mention.sentence for mention in group.mentions))
    clauses = [mention.clause for mention in group.mentions]
    event_type = group.event_type
    if not all(mention.sure_type for mention in group.mentions):
        unsure["event_type"] = "the clause has cue words of several types; the most specific was taken"
    date_record = _date_of(group.found_date, published, unsure)
    record_actors, claimed_by = _actors_of(sentences, clauses, event_type, registries, unsure)
    location, origin, destination = _places_of(clauses, event_type, places, longest, unsure)
    weapons = [weapon for clause in clauses for weapon in find_weapons(clause, registries)]
    figures = [figure for clause in clauses for figure in find_figures(clause)]
    record_figures, notes = _figures(figures, location, record_actors, registries, weapons, unsure)
    confidence = _confidence_of(clauses, sentences, claimed_by, unsure)

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


def _date_of(found: DateFound | None, published: date, unsure: dict[str, str]) -> dict[str, Any]:
    """The record's ``date``: the group's date phrase, or the year before publication when it has none."""
    if found is None:
        start, end, precision = published - timedelta(days=UNDATED_DAYS), published, "year"
        unsure["date_start"] = "the article gives no date: the span is the year before publication"
        return {"start": start, "end": end, "precision": precision}
    date_record = {"start": found.start, **({"end": found.end} if found.end else {}), "precision": found.precision}
    date_record["phrase"] = found.phrase
    if found.unsure:
        unsure["date_start"] = found.unsure
    return date_record


def _actors_of(
    sentences: list[str], clauses: list[str], event_type: str, registries: Registries, unsure: dict[str, str]
) -> tuple[dict[str, Any], str | None]:
    """The record's ``actors`` by role, and who the article says it (for ``confidence.by``, or None). Who says
    it is not an actor of the event, unless the event is what they say."""
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
    return record_actors, claimed_by


def _places_of(
    clauses: list[str], event_type: str, places: PlaceIndex, longest: int, unsure: dict[str, str]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The record's ``location``, ``origin`` and ``destination`` (the last two only for a transfer or a
    deployment; else empty): the first place named after "from", after "to" or "into", and after the others."""
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
        location = _stand_in_location(origin, destination, unsure)
    if event_type not in ("arms_transfer", "troop_deployment"):
        origin, destination = {}, {}
    return location, origin, destination


def _stand_in_location(origin: dict[str, Any], destination: dict[str, Any], unsure: dict[str, str]) -> dict[str, Any]:
    """The location of an event whose own place is not named: where it went or came from, else the country."""
    stand_in = destination or origin
    if stand_in:
        location = dict(stand_in) | {"precision": "city"}
        unsure["place"] = f"no place of the event is named; {stand_in['place']} (where it went or came from) stands in"
    else:
        location = {"precision": "country"}
        unsure["place"] = "no place is named: add the place, or leave the event off the map"
    unsure["location_precision"] = "guessed with the place"
    return location


def _confidence_of(
    clauses: list[str], sentences: list[str], claimed_by: str | None, unsure: dict[str, str]
) -> dict[str, Any]:
    """The record's ``confidence``: the level the wording gives (the clauses', else the sentences'), and who
    says it."""
    wording = find_confidence(" ".join(clauses)) or find_confidence(" ".join(sentences))
    confidence: dict[str, Any] = {"level": wording[0] if wording else DEFAULT_CONFIDENCE}
    if not wording:
        unsure["confidence"] = f"no wording of certainty; {DEFAULT_CONFIDENCE!r} because the article reports it"
    if claimed_by:
        confidence["by"] = claimed_by
    else:
        unsure["claimed_by"] = "the article names no source for this; it is the article's own report"
    return confidence


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
