"""The datasets whose files are read as their authors publish them: the one list every part derives from.

The record schema's ``dataset`` choices, the ``acled:PATH`` prefixes that name a file's format, how a file is
recognised, and which datasets' later releases revise earlier rows all come from `DATASETS`. Adding a dataset
is one entry here plus its reader, ``dashboard/sources/datasets/<name>.py`` (see docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Shape = Literal["csv", "tab-separated", "json"]


@dataclass(frozen=True)
class Dataset:
    name: str  # as records name it (``dataset.name``) and as a path's prefix names it (``acled:PATH``)
    label: str  # as messages name it
    shape: Shape  # a CSV with a header; tab-separated lines without one; or JSON
    revised_by_release: bool = False  # a later file of the dataset revises earlier rows with the same ids


DATASETS: tuple[Dataset, ...] = (
    Dataset("acled", "ACLED", "csv"),
    Dataset("ucdp", "UCDP", "csv", revised_by_release=True),
    Dataset("gdelt", "GDELT", "tab-separated"),
    Dataset("timemap", "TimeMap", "json"),
)
NAMES: tuple[str, ...] = tuple(dataset.name for dataset in DATASETS)
BY_NAME: dict[str, Dataset] = {dataset.name: dataset for dataset in DATASETS}
