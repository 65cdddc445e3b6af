"""Helpers shared by the tests: valid records to start from, files of them, one loaded event with chosen values,
the pages and the app under AppTest."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pandas as pd
import yaml
from streamlit.testing.v1 import AppTest

from dashboard.loading.loader import LoadResult, load_events
from dashboard.model.registries import Registries

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]
PAGES = [
    "pages/timeline.py",
    "pages/map.py",
    "pages/events.py",
    "pages/data_quality.py",
    "pages/export.py",
    "pages/playback.py",
    "pages/story.py",
    "pages/trends.py",
    "pages/network.py",
    "pages/curate.py",
]

VALID_RECORD = {
    "id": "2024-10-09-karachev-test",
    "title": "Drone strike on an arsenal near Karachev",
    "summary": "Test record.",
    "type": "depot_hit",
    "date": {"start": "2024-10-09", "precision": "day", "phrase": "Recently"},
    "actors": {"initiator": "ukraine", "counterpart": "russia", "associated": ["north_korea"]},
    "location": {"place": "Karachev", "country": "RUS", "lat": 53.1424, "lon": 34.9498, "precision": "exact"},
    "figures": {"claimed_distance": {"value": 70, "unit": "mi", "to": "border:RUS-UKR"}},
    "confidence": {"level": "claimed", "by": "Ukrainian General Staff"},
    "sources": [
        {
            "publisher": "AP",
            "title": "Drone strikes another arms depot inside Russia",
            "url": "https://example.org/ap",
            "published": "2024-10-09",
            "quote": "about 70 miles from the border",
        }
    ],
    "tags": ["test"],
}


def record(**changes: object) -> dict:
    """A valid nested record with changes; ``date__start="x"`` sets ``date.start``; None removes a key."""
    result = copy.deepcopy(VALID_RECORD)
    for dotted, value in changes.items():
        *parents, key = dotted.split("__")
        target = result
        for parent in parents:
            target = target.setdefault(parent, {})
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return result


def write_yaml(path: Path, records: list) -> Path:
    path.write_text(yaml.safe_dump(records, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def only_errors(result: LoadResult) -> list:
    return [problem for problem in result.problems if problem.severity == "error"]


def load_frame(folder: Path, registries: Registries, **changes: object) -> pd.DataFrame:
    """The loaded events of one valid record with ``changes`` (see `conftest.record`)."""
    result = load_events([write_yaml(folder / "one.yaml", [record(**changes)])], registries)
    assert result.loaded == 1, [str(problem) for problem in result.problems]
    return result.events


def load_one(folder: Path, registries: Registries, **changes: object) -> pd.Series:
    return load_frame(folder, registries, **changes).iloc[0]


def as_shown(markdown: str) -> str:
    """Markdown source as the analyst reads it: backslash escapes resolved, invisible word joiners removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def app_test(*, timeout: float = 60, **query: str | list[str]) -> AppTest:
    """The app's entry script under AppTest, as a server runs it, opened from an address holding ``query``
    (not yet run); ``timeout``: seconds each run may take."""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=timeout)
    for key, value in query.items():
        at.query_params[key] = value
    return at
