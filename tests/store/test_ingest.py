"""``python -m dashboard ingest``: the validated-events dataset, and the dashboard and exports reading it."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from dashboard.cli import main
from dashboard.model.synthetic import synthetic_frame, write_csv
from dashboard.settings import SettingsError, engine_settings
from dashboard.sources.datapaths import BUNDLED_EVENTS_DIR
from dashboard.store.engine import EventStore
from dashboard.store.filters import Filters
from dashboard.store.selection import Selection


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_ingest_prints_what_validate_prints_and_writes_a_partitioned_dataset(tmp_path, capsys) -> None:
    _, validated, _ = run(capsys, "validate", str(BUNDLED_EVENTS_DIR))
    status, out, _ = run(capsys, "ingest", str(BUNDLED_EVENTS_DIR), "--out", str(tmp_path / "dataset"))
    assert status == 0
    records_only = re.sub(r"; stories: [^\n]*", "", validated)  # validate also checks the stories beside the data
    assert out.startswith(records_only)
    assert "wrote 20 events" in out
    years = sorted(path.name for path in (tmp_path / "dataset" / "events").iterdir())
    assert years == ["year=2023", "year=2024"]
    info = json.loads((tmp_path / "dataset" / "dataset.json").read_text())
    assert info["events"] == 20 and info["longest_span_days"] >= 1


def test_ingest_reports_rejected_records_and_keeps_the_rest(tmp_path, capsys) -> None:
    frame = synthetic_frame(30, seed=2)
    frame.loc[7, "id"] = "bad id!"
    (tmp_path / "records").mkdir()
    write_csv(frame, tmp_path / "records" / "records.csv")
    status, out, _ = run(
        capsys, "ingest", str(tmp_path / "records" / "records.csv"), "--out", str(tmp_path / "dataset")
    )
    assert status == 1
    assert "[bad id!] id:" in out and "30 read, 29 loaded, 1 rejected" in out and "wrote 29 events" in out
    report = json.loads((tmp_path / "dataset" / "report.json").read_text())
    assert [problem["record_id"] for problem in report["problems"]] == ["bad id!"]


def test_ingest_never_replaces_a_folder_or_writes_into_the_records(tmp_path, capsys) -> None:
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "notes.txt").write_text("mine")
    status, _, err = run(capsys, "ingest", str(BUNDLED_EVENTS_DIR), "--out", str(kept))
    assert status == 2 and "exists" in err
    status, _, err = run(capsys, "ingest", str(BUNDLED_EVENTS_DIR), "--out", str(kept), "--force")
    assert status == 2 and "not a dataset" in err
    assert (kept / "notes.txt").read_text() == "mine"
    status, _, err = run(capsys, "ingest", str(BUNDLED_EVENTS_DIR), "--out", str(BUNDLED_EVENTS_DIR / "dataset"))
    assert status == 2 and "overlaps the records" in err
    assert not (BUNDLED_EVENTS_DIR / "dataset").exists()
    # the bundled data is read whenever no data is named: never written into, even beside a named file
    status, _, err = run(
        capsys, "ingest", str(BUNDLED_EVENTS_DIR / "arms_transfers.yaml"), "--out", str(BUNDLED_EVENTS_DIR / "x")
    )
    assert status == 2 and "is in the bundled data" in err
    assert not (BUNDLED_EVENTS_DIR / "x").exists()


def test_ingest_writes_beside_a_named_file_but_never_over_what_it_reads(tmp_path, capsys) -> None:
    records = tmp_path / "records"
    records.mkdir()
    named = records / "arms_transfers.yaml"
    named.write_bytes((BUNDLED_EVENTS_DIR / "arms_transfers.yaml").read_bytes())
    (tmp_path / "linked").mkdir()
    (tmp_path / "linked" / "more.yaml").write_bytes(named.read_bytes())
    (records / "more").symlink_to(tmp_path / "linked")
    refused = [
        (named, named),  # the file itself
        (named, records),  # the folder holding it (an existing dataset there would be replaced with --force)
        (records, records / "dataset"),  # inside a named folder
        (records, tmp_path / "linked" / "dataset"),  # inside a folder a link in a named folder leads to
        (records / "more", tmp_path),  # a folder holding a named one
    ]
    for source, out in refused:
        status, _, err = run(capsys, "ingest", str(source), "--out", str(out), "--force")
        assert status == 2 and "overlaps the records being read" in err, (source, out)
    assert sorted(path.name for path in records.iterdir()) == ["arms_transfers.yaml", "more"]
    # only the named file is read, so the folder beside it is the analyst's to use
    status, out, _ = run(capsys, "ingest", str(named), "--out", str(records / "dataset"))
    assert status == 0 and "wrote 6 events" in out
    assert (records / "dataset" / "dataset.json").is_file() and named.read_bytes() == (
        tmp_path / "linked" / "more.yaml"
    ).read_bytes()


def test_force_replaces_a_dataset(tmp_path, capsys) -> None:
    out = tmp_path / "dataset"
    assert run(capsys, "ingest", str(BUNDLED_EVENTS_DIR), "--out", str(out))[0] == 0
    status, text, _ = run(capsys, "ingest", str(BUNDLED_EVENTS_DIR), "--out", str(out), "--force")
    assert status == 0 and "wrote 20 events" in text
    assert sorted(path.name for path in tmp_path.iterdir()) == ["dataset"]  # no staging folder left behind


def test_the_dataset_answers_like_the_files_and_date_filters_prune_years(tmp_path, capsys, registries) -> None:
    out = tmp_path / "dataset"
    run(capsys, "ingest", str(BUNDLED_EVENTS_DIR), "--out", str(out))
    store, report = EventStore.from_dataset(out, registries)
    assert report.summary() == "20 read, 20 loaded, 0 rejected"
    filters = Filters(date_from=date(2024, 10, 1), date_to=date(2024, 12, 31))
    selection = Selection.of(store, filters)
    assert selection.count == 6
    sql = str(selection.table.compile())
    assert '"year" <= 2024' in sql and '"year" >= 2024' in sql  # the partition column is filtered
    assert len(ds.dataset(out / "events", partitioning="hive").files) == 2


def test_export_reads_a_dataset(tmp_path, capsys) -> None:
    out = tmp_path / "dataset"
    run(capsys, "ingest", str(BUNDLED_EVENTS_DIR), "--out", str(out))
    target = tmp_path / "iran.csv"
    status, text, _ = run(
        capsys, "export", "--dataset", str(out), "--format", "csv", "--actor", "Iran", "--out", str(target)
    )
    assert status == 0 and "4 of 20 events" in text
    rows = [
        line for line in target.read_text(encoding="utf-8").splitlines() if not line.lstrip("\ufeff").startswith("#")
    ]
    assert len(rows) == 5  # the header and 4 events


def test_export_explains_an_unusable_dataset_or_engine(tmp_path, capsys) -> None:
    status, _, err = run(capsys, "export", "--dataset", str(tmp_path), "--format", "csv")
    assert status == 2 and "not a dataset written by ingest" in err
    status, _, err = run(capsys, "export", "--engine", "spark", "--format", "csv")
    assert status == 2 and "Spark reads a dataset" in err


def test_engine_settings_come_from_options_then_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("DASHBOARD_ENGINE", "spark")
    monkeypatch.setenv("DASHBOARD_DATASET", "/data/set")
    settings = engine_settings()
    assert (settings.engine, settings.dataset, settings.spark_master) == ("spark", Path("/data/set"), "local[2]")
    assert engine_settings("duckdb").engine == "duckdb"
    with pytest.raises(SettingsError, match="unknown engine"):
        engine_settings("postgres")
