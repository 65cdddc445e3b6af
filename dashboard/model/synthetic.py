"""Synthetic but valid event records in bulk, for benchmarks and large-input tests.

>>> frame = synthetic_frame(3, seed=1)
>>> len(frame), frame["id"].iloc[0]
(3, 'syn-000000')
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from dashboard.model.schema import csv_source_column

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_TYPES = ["troop_deployment", "strike", "depot_hit", "arms_transfer", "training", "diplomatic", "statement", "policy"]
_ACTORS = ["russia", "north_korea", "iran", "ukraine", "south_korea", "united_states"]
_CONFIDENCE = ["confirmed", "reported", "assessed", "claimed", "unverified"]
_DATE_PRECISION = ["day", "day", "day", "week", "month"]
_LOCATION_PRECISION = ["exact", "near", "city", "region", "country"]


def synthetic_frame(count: int, seed: int = 0) -> pd.DataFrame:
    """``count`` valid records in the flat (CSV) form, spread over Ukraine, western Russia and Korea."""
    rng = np.random.default_rng(seed)
    numbers = np.arange(count)
    ids = pd.Series(numbers).map("syn-{:06d}".format)
    types = rng.choice(_TYPES, count)
    start = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, count), unit="D")
    lat = np.round(rng.uniform(44.0, 56.0, count), 4)
    lon = np.round(rng.uniform(28.0, 45.0, count), 4)
    korea = rng.random(count) < 0.15
    lat[korea] = np.round(rng.uniform(37.5, 42.5, korea.sum()), 4)
    lon[korea] = np.round(rng.uniform(124.5, 130.5, korea.sum()), 4)
    frame = pd.DataFrame(
        {
            "id": ids,
            "title": "Synthetic " + pd.Series(types) + " event " + ids,
            "summary": "Generated record for load and rendering benchmarks; not a real event.",
            "event_type": types,
            "date_start": start.strftime("%Y-%m-%d"),
            "date_precision": rng.choice(_DATE_PRECISION, count),
            "date_phrase": "last week",
            "initiator": rng.choice(_ACTORS, count),
            "counterpart": rng.choice(_ACTORS, count),
            "associated_actors": "north_korea;iran",
            "place": "Synthetic place",
            "country": np.where(korea, "PRK", "UKR"),
            "latitude": lat,
            "longitude": lon,
            "location_precision": rng.choice(_LOCATION_PRECISION, count),
            "killed_best": rng.integers(0, 30, count),
            "confidence": rng.choice(_CONFIDENCE, count),
            "claimed_by": "Synthetic claimant",
            "tags": "synthetic;benchmark",
            csv_source_column(1, "publisher"): "Synthetic Wire",
            csv_source_column(1, "title"): "Synthetic report " + ids,
            csv_source_column(1, "url"): "https://example.org/synthetic/" + ids,
            csv_source_column(1, "published"): start.strftime("%Y-%m-%d"),
            csv_source_column(1, "quote"): "A short quote from the synthetic source.",
        }
    )
    transfers = np.isin(types, ["arms_transfer", "troop_deployment"])
    frame["origin_latitude"] = np.where(transfers, 42.2489, np.nan)
    frame["origin_longitude"] = np.where(transfers, 130.3003, np.nan)
    frame["destination_latitude"] = np.where(transfers, lat, np.nan)
    frame["destination_longitude"] = np.where(transfers, lon, np.nan)
    return frame


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)


def write_yaml(frame: pd.DataFrame, path: Path) -> None:
    """Write the records in the nested (curated) form, one ``- `` item per record."""
    with path.open("w", encoding="utf-8") as out:
        for record in frame.to_dict("records"):
            out.write(
                yaml.dump([nested_record(record)], Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)
            )


def nested_record(flat: dict) -> dict:
    """The nested (YAML/JSON) form of a flat synthetic record."""

    def has(value: object) -> bool:
        return value is not None and not (isinstance(value, float) and np.isnan(value))

    record = {
        "id": flat["id"],
        "title": flat["title"],
        "summary": flat["summary"],
        "type": flat["event_type"],
        "date": {"start": flat["date_start"], "precision": flat["date_precision"], "phrase": flat["date_phrase"]},
        "actors": {
            "initiator": flat["initiator"],
            "counterpart": flat["counterpart"],
            "associated": flat["associated_actors"].split(";"),
        },
        "location": {
            "place": flat["place"],
            "country": flat["country"],
            "lat": float(flat["latitude"]),
            "lon": float(flat["longitude"]),
            "precision": flat["location_precision"],
        },
        "figures": {"killed": {"best": int(flat["killed_best"])}},
        "confidence": {"level": flat["confidence"], "by": flat["claimed_by"]},
        "sources": [
            {name: flat[csv_source_column(1, name)] for name in ("publisher", "title", "url", "published", "quote")}
        ],
        "tags": flat["tags"].split(";"),
    }
    if has(flat.get("origin_latitude")):
        record["origin"] = {"lat": float(flat["origin_latitude"]), "lon": float(flat["origin_longitude"])}
        record["destination"] = {
            "lat": float(flat["destination_latitude"]),
            "lon": float(flat["destination_longitude"]),
        }
    return record
