"""The validated-events dataset written by ``python -m dashboard ingest``: the contract between records and any
engine, for data too large to re-read on every start or kept on shared storage.

A dataset is a folder::

    DIR/dataset.json             layout version, counts, the longest event span, when it was written
    DIR/report.json              every problem found while loading, and the counts per file
    DIR/events/year=2024/*.parquet   the events (EVENT_SCHEMA), partitioned by the year of their start

Date filters prune whole years: an event overlapping [from, to] starts in a year up to ``to``'s, and no
earlier than ``from`` minus the longest span in the dataset. The folder is written beside its final place
and renamed into it, so a reader never sees half a dataset.
"""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from dashboard.errors import UsageError
from dashboard.loading.loader import LoadReport
from dashboard.safeio.atomic import staging_folder
from dashboard.store.queries import PARTITION

LAYOUT = "conflict-event-dashboard/events-v1"


class DatasetError(UsageError):
    """The folder is not a dataset this version can read, or cannot be written."""


@dataclass(frozen=True)
class DatasetInfo:
    path: Path
    events: int
    longest_span_days: int
    written: str


def write_dataset(table: pa.Table, report: LoadReport, out: Path, *, force: bool = False) -> DatasetInfo:
    """Write ``table`` and ``report`` as a dataset at ``out`` (which must not exist unless ``force``, and then
    must be a dataset itself: nothing else is ever replaced)."""
    out = Path(out)
    if out.exists():
        if not force:
            raise DatasetError(f"{out} exists: choose a new folder, or pass --force to replace that dataset")
        if not (out / "dataset.json").is_file():
            raise DatasetError(f"{out} is not a dataset written by ingest: it is left alone")
    out.parent.mkdir(parents=True, exist_ok=True)
    spans = pc.subtract(table["date_span_end"], table["date_start"]).cast(pa.int64())  # microseconds
    longest = pc.max(spans).as_py()
    longest_days = math.ceil(longest / 86_400_000_000) if longest is not None else 0
    years = pc.year(table["date_start"]).cast(pa.int32())
    with staging_folder(out) as staging:  # removed with what is left in it, on success or failure
        ds.write_dataset(
            table.append_column(PARTITION, years),
            staging / "events",
            format="parquet",
            partitioning=ds.partitioning(pa.schema([(PARTITION, pa.int32())]), flavor="hive"),
            file_options=ds.ParquetFileFormat().make_write_options(compression="zstd"),
            max_rows_per_group=256 * 1024,
            existing_data_behavior="error",
        )
        written = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        (staging / "report.json").write_bytes(report.to_json())
        info = {"layout": LAYOUT, "events": table.num_rows, "longest_span_days": longest_days, "written": written}
        (staging / "dataset.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        if out.exists():
            replaced = out.with_name(f".{out.name}.replaced")
            shutil.rmtree(replaced, ignore_errors=True)
            out.rename(replaced)
            staging.rename(out)
            shutil.rmtree(replaced, ignore_errors=True)
        else:
            staging.rename(out)
    return DatasetInfo(out, table.num_rows, longest_days, written)


def read_info(path: Path) -> tuple[DatasetInfo, LoadReport]:
    """What a dataset folder holds; raises `DatasetError` for anything else."""
    path = Path(path)
    try:
        info = json.loads((path / "dataset.json").read_text(encoding="utf-8"))
        report = LoadReport.from_json((path / "report.json").read_bytes())
    except FileNotFoundError as error:
        raise DatasetError(f"{path} is not a dataset written by ingest (no {Path(error.filename).name})") from None
    except (ValueError, KeyError, TypeError) as error:
        raise DatasetError(f"{path}: damaged dataset description ({error})") from None
    if info.get("layout") != LAYOUT:
        raise DatasetError(f"{path}: written by another version ({info.get('layout')!r}); ingest the records again")
    return DatasetInfo(path, int(info["events"]), int(info["longest_span_days"]), str(info["written"])), report
