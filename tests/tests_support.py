"""Small helpers shared by tests that need one loaded event with chosen values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from conftest import record, write_yaml
from dashboard.loader import load_events
from dashboard.registries import Registries


def load_frame(folder: Path, registries: Registries, **changes: object) -> pd.DataFrame:
    """The loaded events of one valid record with ``changes`` (see `conftest.record`)."""
    result = load_events([write_yaml(folder / "one.yaml", [record(**changes)])], registries)
    assert result.loaded == 1, [str(problem) for problem in result.problems]
    return result.events


def load_one(folder: Path, registries: Registries, **changes: object) -> pd.Series:
    return load_frame(folder, registries, **changes).iloc[0]
