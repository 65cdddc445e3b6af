"""Later releases of a dataset replace earlier ones: the monthly UCDP GED Candidate files revise events of
earlier releases under the same UCDP id, so when several files of such a dataset hold one id, the row of the
latest release loads and the earlier rows are counted as replaced (not loaded, not rejected).

A file's release is read from the numbers in its name (``GEDEvent_v25_0_10.csv`` is after
``GEDEvent_v25_0_3.csv``); files whose names give the same numbers are in the order they are loaded.
"""

from __future__ import annotations

import re
from pathlib import PurePath

import numpy as np
import pandas as pd

from dashboard.model.datasets import DATASETS
from dashboard.model.problems import Problem, Severity

REVISED_BY_RELEASE = frozenset(dataset.name for dataset in DATASETS if dataset.revised_by_release)
_LABELS = {dataset.name: dataset.label for dataset in DATASETS}


def release_key(path: str) -> tuple[int, ...]:
    """The numbers in a file's name, in order: ``GEDEvent_v25_0_10.csv`` → ``(25, 0, 10)``."""
    return tuple(int(number) for number in re.findall(r"\d+", PurePath(path).name))


def identities(path: str, records: pd.DataFrame) -> tuple[str, pd.Series, pd.Series]:
    """A file's path and the ``dataset`` and ``dataset_id`` of each of its rows (missing where not given)."""
    missing = pd.Series(None, index=pd.RangeIndex(len(records)), dtype=object)
    dataset, dataset_id = (
        records[name].reset_index(drop=True) if name in records else missing for name in ("dataset", "dataset_id")
    )
    return path, dataset, dataset_id


def _revisable(dataset: pd.Series, dataset_id: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The dataset and id of each row, normalised, and which rows a later release could revise."""
    dataset = dataset.astype("str").str.strip().str.lower()
    identity = dataset_id.astype("str").str.strip()
    return dataset, identity, dataset.isin(REVISED_BY_RELEASE) & identity.notna() & identity.ne("")


def revisable(file: tuple[str, pd.Series, pd.Series]) -> bool:
    """Whether a later release could replace any row of a file (its `identities`)."""
    return bool(_revisable(file[1], file[2])[2].any())


def replaced_rows(files: list[tuple[str, pd.Series, pd.Series]]) -> list[tuple[np.ndarray, list[Problem]]]:
    """For each file's `identities`, which rows a later release replaces, and a warning for a file that has
    such rows."""
    order = sorted(range(len(files)), key=lambda number: (release_key(files[number][0]), number))
    rank = {number: position for position, number in enumerate(order)}
    keyed = []
    for number, (_path, dataset, dataset_id) in enumerate(files):
        dataset, identity, revised = _revisable(dataset, dataset_id)
        keyed.append(
            pd.DataFrame({"file": number, "rank": rank[number], "dataset": dataset, "id": identity})[revised.to_numpy()]
        )
    results = [(np.zeros(len(dataset), dtype=bool), []) for _path, dataset, _id in files]
    every = pd.concat(keyed) if keyed else pd.DataFrame()
    if every.empty or every.groupby(["dataset", "id"])["file"].nunique().max() < 2:
        return results
    latest = every.groupby(["dataset", "id"])["rank"].transform("max")
    replaced = every[every["rank"] < latest]
    latest_file = every[every["rank"] == latest].drop_duplicates(["dataset", "id"]).set_index(["dataset", "id"])["file"]
    for number, rows in replaced.groupby("file"):
        results[number][0][rows.index.to_numpy()] = True
        by = latest_file.reindex(pd.MultiIndex.from_frame(rows[["dataset", "id"]])).to_numpy()
        later = ", ".join(f"{files[later][0]} ({int((by == later).sum())})" for later in sorted(set(by.tolist())))
        label = _LABELS.get(str(rows["dataset"].iloc[0]), str(rows["dataset"].iloc[0]))
        examples = ", ".join(rows["id"].head(3))
        events = f"1 {label} event is" if len(rows) == 1 else f"{len(rows)} {label} events are"
        message = f"{events} replaced by a later release of the same ids (e.g. {examples}): {later}"
        results[number][1].append(Problem(files[number][0], None, None, "dataset_id", None, message, Severity.WARNING))
    return results
