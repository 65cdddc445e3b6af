"""Files of the datasets analysts already use, read as downloaded: each reader turns a dataset's rows into
records in the flat form, which validation then checks like any other records.

A file is recognised by its header (or named with a prefix: ``acled:PATH``); slashed dates whose order the
file cannot settle are read as named (``dmy:PATH`` or ``mdy:PATH``).
"""

from __future__ import annotations

import pandas as pd

from dashboard.model.rawfile import RawFile
from dashboard.sources.datasets import acled, common, ucdp

CSV_READERS = {acled.NAME: acled, ucdp.NAME: ucdp}


def csv_dataset(columns: list[str]) -> str | None:
    """The dataset whose export has these CSV columns, or None (the dashboard's own flat form, say)."""
    return next((name for name, reader in CSV_READERS.items() if reader.matches(columns)), None)


def mapped_csv_dataset(dataset: str, frame: pd.DataFrame, name: str, order: str | None = None) -> RawFile:
    """A dataset's CSV rows (text columns as read, plus ``record_line``) mapped to flat records, their text
    still on Arrow (see `common.as_read_file`)."""
    return CSV_READERS[dataset].read(frame, name, order)


def read_csv_dataset(dataset: str, frame: pd.DataFrame, name: str, order: str | None = None) -> RawFile:
    """A dataset's CSV rows as flat records, as the general checks take them."""
    return common.as_read_file(mapped_csv_dataset(dataset, frame, name, order))
