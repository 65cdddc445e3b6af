"""Shared helpers: valid records to start from, and a loader run on files written to a temp folder."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from dashboard.loader import LoadResult, load_events
from dashboard.registries import Registries, load_registries

FIXTURES = Path(__file__).parent / "fixtures"

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


@pytest.fixture(scope="session")
def registries() -> Registries:
    return load_registries()


@pytest.fixture
def load(registries: Registries):
    """``load(path, ...)`` runs the loader and checks the invariant every result must keep."""

    def run(*paths: Path) -> LoadResult:
        result = load_events(list(paths), registries)
        assert result.read == result.loaded + result.rejected
        return result

    return run


def only_errors(result: LoadResult) -> list:
    return [problem for problem in result.problems if problem.severity == "error"]


@pytest.fixture(autouse=True, scope="session")
def _apptest_runs_the_entry_script_every_time():
    """AppTest re-detects the legacy ``pages/`` folder on every run and then runs the last page without the
    entry script. A real server switches that detection off for good once ``st.navigation`` is called (and
    `dashboard.ui.current_view` does so on a first request to a page address); do the same here."""
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.pages_manager import PagesManager

    class NavigationPagesManager(PagesManager):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False

    original = app_test.PagesManager
    app_test.PagesManager = NavigationPagesManager
    yield
    app_test.PagesManager = original
