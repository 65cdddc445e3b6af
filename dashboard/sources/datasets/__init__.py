"""Files of the datasets analysts already use, read as downloaded: each reader turns a dataset's rows into
records in the flat form, which validation then checks like any other records.

There is one module here per entry of `dashboard.model.datasets.DATASETS`, named as the entry; each has
``read(frame, name, order)`` and, by the entry's shape, how its files are recognised: ``matches(columns)`` for a
CSV header, ``layout(first_line)`` for tab-separated lines, ``matches(item)`` plus ``settle_dates`` and
``to_record`` for JSON. A CSV dataset whose files may lack their header line has ``is_headerless(row)``,
``HEADERLESS_COLUMNS`` and ``HEADERLESS_LABEL``.

A file is recognised by its header (or named with a prefix: ``acled:PATH``); slashed dates whose order the
file cannot settle are read as named (``dmy:PATH`` or ``mdy:PATH``).
"""

from __future__ import annotations

import importlib
from types import ModuleType

import pandas as pd

from dashboard.model.datasets import BY_NAME, DATASETS, Dataset
from dashboard.model.rawfile import RawFile
from dashboard.sources.datasets import common

READERS: dict[str, ModuleType] = {
    dataset.name: importlib.import_module(f"{__name__}.{dataset.name}") for dataset in DATASETS
}


def _of_shape(shape: str, named: str | None) -> list[Dataset]:
    """The datasets of ``shape`` to try: the one a path's prefix names, else all of them in the list's order."""
    if named is not None:
        return [BY_NAME[named]] if named in BY_NAME and BY_NAME[named].shape == shape else []
    return [dataset for dataset in DATASETS if dataset.shape == shape]


def csv_dataset(columns: list[str]) -> str | None:
    """The dataset whose export has these CSV columns, or None (the dashboard's own flat form, say)."""
    return next((dataset.name for dataset in _of_shape("csv", None) if READERS[dataset.name].matches(columns)), None)


def headerless(named: str | None, first_row: list[str]) -> ModuleType | None:
    """The reader of the CSV dataset ``named`` when ``first_row`` is a row of its columns, not their names."""
    reader = READERS.get(named) if named is not None else None
    is_headerless = getattr(reader, "is_headerless", None)
    return reader if is_headerless is not None and is_headerless(first_row) else None


def tab_separated(first_line: str, named: str | None) -> tuple[Dataset, list[str] | None] | None:
    """The tab-separated dataset a file is, by its first line, with its columns (None: not a layout the dataset
    has); a file named as such a dataset is one whatever its first line."""
    for dataset in _of_shape("tab-separated", named):
        columns = READERS[dataset.name].layout(first_line)
        if columns or named is not None:
            return dataset, columns
    return None


def json_dataset(first_item: object, named: str | None) -> ModuleType | None:
    """The reader of the JSON dataset a file is, by its first record (or as named)."""
    for dataset in _of_shape("json", named):
        reader = READERS[dataset.name]
        if named is not None or reader.matches(first_item):
            return reader
    return None


def mapped_csv_dataset(dataset: str, frame: pd.DataFrame, name: str, order: str | None = None) -> RawFile:
    """A dataset's CSV rows (text columns as read, plus ``record_line``) mapped to flat records, their text
    still on Arrow (see `common.as_read_file`)."""
    return READERS[dataset].read(frame, name, order)


def read_csv_dataset(dataset: str, frame: pd.DataFrame, name: str, order: str | None = None) -> RawFile:
    """A dataset's CSV rows as flat records, as the general checks take them."""
    return common.as_read_file(mapped_csv_dataset(dataset, frame, name, order))
