"""The detail card of one event, as Markdown with every piece of record text escaped."""

from __future__ import annotations

import math

import pandas as pd

from dashboard.geo.geodesy import (
    DEFAULT_BORDER,
    BorderDistance,
    GeometryError,
    distance_to_border,
    format_distance,
    from_km,
)
from dashboard.model.registries import Registries
from dashboard.views.text import escape_markdown as esc
from dashboard.views.text import markdown_link


def _number(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return f"{float(value):,.0f}" if float(value).is_integer() else f"{float(value):,}"


def format_dates(event: pd.Series) -> str:
    """``"2024-06-18 to 2024-06-19"``, ``"2024-10-09"``, ``"week of 2024-10-07"``, ``"August 2024"``."""
    start, end, precision = event["date_start"], event["date_end"], str(event["date_precision"])
    if pd.notna(end) and end != start:
        text = f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"
    elif precision == "month":
        text = f"{start:%B %Y}"
    elif precision == "year":
        text = f"{start:%Y}"
    elif precision == "week":
        text = f"week of {start:%Y-%m-%d}"
    else:
        text = f"{start:%Y-%m-%d}"
    return f"{text} ({precision} precision)"


def figures_lines(event: pd.Series) -> list[str]:
    lines = []
    for label, prefix in (("Killed", "killed"), ("Wounded", "wounded")):
        low, best, high = (_number(event[f"{prefix}_{part}"]) for part in ("low", "best", "high"))
        if low or best or high:
            parts = [f"best {best}" if best else None, f"low {low}" if low else None, f"high {high}" if high else None]
            lines.append(f"{label}: " + ", ".join(part for part in parts if part))
    if _number(event["personnel"]):
        lines.append(f"Personnel: {_number(event['personnel'])}")
    if _number(event["quantity"]):
        lines.append(f"Quantity: {_number(event['quantity'])} {esc(event['quantity_unit'] or '')}".rstrip())
    return lines


def claimed_border(event: pd.Series) -> str | None:
    """The border a claimed distance refers to (``"border:RUS-UKR"`` → ``"RUS-UKR"``), if any."""
    target = event["claimed_distance_to"]
    if isinstance(target, str) and target.startswith("border:"):
        return target.removeprefix("border:")
    return None


def border_distance(event: pd.Series, border_id: str = DEFAULT_BORDER) -> BorderDistance | None:
    """Distance from the event to the border its claim names (else ``border_id``); None when not computable."""
    try:
        return distance_to_border(
            float(event["latitude"]), float(event["longitude"]), claimed_border(event) or border_id
        )
    except (GeometryError, TypeError, ValueError):
        return None


def distance_line(event: pd.Series, distance: BorderDistance | None, border_name: str) -> str | None:
    """``"Distance to the Russia–Ukraine border: 115 km / 71 mi (computed) · source claims 70 mi (113 km)"``."""
    if distance is None:
        return None
    line = f"Distance to the {esc(border_name)}: **{format_distance(distance.km)}** (computed, geodesic)"
    claimed_km = event["claimed_distance_km"]
    if pd.notna(claimed_km):
        unit = str(event["claimed_distance_unit"])
        claimed = f"{_number(event['claimed_distance'])} {unit}"
        difference = distance.km - claimed_km
        line += (
            f" · source claims **{claimed}** ({claimed_km:,.0f} km; computed is {difference:+,.0f} km,"
            f" {difference / claimed_km:+.0%})"
        )
        if unit != "km":
            line += f" · in {unit}: {from_km(distance.km, unit):,.0f} {unit}"
    return line


def detail_markdown(event: pd.Series, registries: Registries, distance: BorderDistance | None, border_name: str) -> str:
    """Everything the record says about one event, sources with quotes and links last."""
    name = registries.actor_name
    lines = [f"### {esc(event['title'])}"]
    confidence = f"**{esc(event['confidence'])}**" + (
        f" by {esc(event['claimed_by'])}" if pd.notna(event["claimed_by"]) else ""
    )
    lines.append(
        f"**{esc(registries.event_type_label(event['event_type']))}** · confidence {confidence} · {format_dates(event)}"
        + (f" · the source says \u201c{esc(event['date_phrase'])}\u201d" if pd.notna(event["date_phrase"]) else "")
    )
    actors = esc(name(event["initiator"]))
    if pd.notna(event["counterpart"]):
        actors += f" → {esc(name(event['counterpart']))}"
    if event["associated_actors"]:
        actors += " · with " + ", ".join(esc(name(actor)) for actor in event["associated_actors"])
    lines.append(f"Actors: {actors}")
    place = esc(event["place"]) if pd.notna(event["place"]) else "unnamed place"
    country = (
        f", {esc(registries.countries['name'].get(event['country'], event['country']))}"
        if pd.notna(event["country"])
        else ""
    )
    located = {"gazetteer": " (from the gazetteer)", "geonames": " (from GeoNames' populated places)"}.get(
        event["located_by"], ""
    )
    lines.append(
        f"Where: {place}{country} · {event['latitude']:.4f}, {event['longitude']:.4f}"
        f" ({esc(event['location_precision'])} precision{located})"
    )
    if pd.notna(event["origin_latitude"]) or pd.notna(event["destination_latitude"]):
        origin = esc(event["origin_place"]) if pd.notna(event["origin_place"]) else "origin"
        destination = esc(event["destination_place"]) if pd.notna(event["destination_place"]) else "destination"
        lines.append(f"Route: {origin} → {destination}")
    weapon = event["weapon"]
    if pd.notna(weapon) and weapon in registries.weapons.index:
        spec = registries.weapons.loc[weapon]
        lines.append(
            f"Weapon: {esc(spec['name'])} ({esc(spec['kind'])}, range up to {format_distance(spec['max_range_km'])};"
            f" range source: {esc(spec['range_source'])})"
        )
    lines.extend(figures_lines(event))
    distance_text = distance_line(event, distance, border_name)
    if distance_text:
        lines.append(distance_text)
    blocks = ["  \n".join(lines[:2]), "  \n".join(lines[2:]), esc(event["summary"])]
    sources = [f"**Sources ({len(event['sources'])})**", ""]
    for number, source in enumerate(event["sources"], start=1):
        published = f", {esc(source.published)}" if source.published else ""
        sources.append(f"{number}. {esc(source.publisher)}: {markdown_link(source.title, source.url)}{published}")
        if source.quote:
            sources.append(f"   > {esc(source.quote)}")
    blocks.append("\n".join(sources))
    if pd.notna(event["notes"]):
        blocks.append(f"Notes: {esc(event['notes'])}")
    if event["tags"]:
        blocks.append("Tags: " + ", ".join(esc(tag) for tag in event["tags"]))
    blocks.append(f"Record {esc(event['id'])} · {esc(event['record_file'])}:{event['record_line']}")
    return "\n\n".join(blocks)
