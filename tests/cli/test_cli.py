"""`python -m dashboard validate`: one line per problem, a summary, and exit status 0 / 1 / 2."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard import cli
from dashboard.cli import main
from tests_support import FIXTURES, record, write_yaml

REPO = Path(__file__).resolve().parents[2]
PROBLEM_LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): \[(?P<id>[^\]]+)\] (?P<field>[^:]+): (?P<message>.+)$")


def test_bundled_data_is_clean(capsys) -> None:
    assert main(["validate"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1
    read, loaded, rejected = map(int, re.match(r"(\d+) read, (\d+) loaded, (\d+) rejected", out[0]).groups())
    assert read == loaded >= 18 and rejected == 0


def test_problems_are_printed_as_path_line_id_field_message(tmp_path: Path, capsys) -> None:
    path = write_yaml(tmp_path / "mine.yaml", [record(id="ok"), record(id="bad", type="airstrike")])
    assert main(["validate", str(path)]) == 1
    *problems, summary = capsys.readouterr().out.splitlines()
    assert summary == "2 read, 1 loaded, 1 rejected"
    [line] = problems
    match = PROBLEM_LINE.match(line)
    assert match, line
    assert match["path"] == str(path) and match["id"] == "bad" and match["field"] == "event_type"
    assert path.read_text().splitlines()[int(match["line"]) - 1].startswith("- ")


def test_csv_fixture_problems_name_their_rows(capsys) -> None:
    assert main(["validate", str(FIXTURES / "records" / "mixed.csv")]) == 1
    out = capsys.readouterr().out
    assert "mixed.csv:4: [csv-bad-latitude] latitude:" in out
    assert "mixed.csv:6: malformed CSV row, not read" in out
    assert out.rstrip().endswith("5 read, 2 loaded, 3 rejected")


def test_missing_path_is_bad_usage(tmp_path: Path, capsys) -> None:
    assert main(["validate", str(tmp_path / "nowhere.yaml")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_folder_without_records_is_bad_usage(tmp_path: Path, capsys) -> None:
    assert main(["validate", str(tmp_path)]) == 2
    assert "holds no record files" in capsys.readouterr().err


def test_unknown_command_and_option_are_bad_usage(capsys) -> None:
    assert main(["nonsense"]) == 2
    assert main(["validate", "--frobnicate"]) == 2


def test_data_option_is_the_same_as_a_path(tmp_path: Path, capsys) -> None:
    path = write_yaml(tmp_path / "mine.yaml", [record(id="only")])
    assert main(["validate", "--data", str(path)]) == 0
    assert capsys.readouterr().out.strip() == "1 read, 1 loaded, 0 rejected"


def test_module_runs_as_a_command(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "mine.yaml", [record(id="bad", location__lat=200.0)])
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "validate", str(path)], capture_output=True, text=True, cwd=REPO
    )
    assert done.returncode == 1
    assert "[bad] latitude: latitude out of range" in done.stdout


def test_export_bad_usage_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["export", "--format", "csv", "--actor", "Narnia", "--out", str(tmp_path)]) == 2
    assert "unknown actor 'Narnia'" in capsys.readouterr().err
    assert main(["export", "--format", "csv", "--dates", "2024-13-01", "2024-12-31", "--out", str(tmp_path)]) == 2
    assert main(["export", "--format", "csv", "--ring", "70mi@place:Atlantis", "--out", str(tmp_path)]) == 2
    assert main(["export", "--format", "docx"]) == 2
    assert main(["export", "--format", "csv", "--out", str(tmp_path / "missing" / "x.csv")]) == 2
    assert list(tmp_path.iterdir()) == []


def test_export_to_a_new_folder_and_no_silent_overwrite(tmp_path: Path, capsys) -> None:
    folder = str(tmp_path / "exports") + "/"
    assert main(["export", "--format", "csv", "--out", folder, "--type", "Depot hit"]) == 0
    written = tmp_path / "exports" / "events_2024-09-18_2024-10-09.csv"
    assert written.is_file()
    assert main(["export", "--format", "csv", "--out", folder, "--type", "Depot hit"]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["export", "--format", "csv", "--out", folder, "--type", "Depot hit", "--force"]) == 0


def test_export_uses_the_dashboard_address(tmp_path: Path, capsys) -> None:
    out = tmp_path / "x.json"
    address = "http://127.0.0.1:8501/events?actor=Iran&dates=2024-01-01&dates=2024-12-31"
    assert main(["export", "--format", "json", "--out", str(out), "--query", address]) == 0
    assert capsys.readouterr().out.strip().endswith("4 of 20 events · actors: Iran · 2024-01-01 to 2024-12-31")


@pytest.mark.parametrize("command", ["export", "trends"])
def test_an_empty_query_is_bad_usage_not_every_event(tmp_path: Path, capsys, command: str) -> None:
    """``--query "$ADDRESS"`` with the variable unset passes an empty text: nothing is written."""
    for empty in ("", "  "):
        assert main([command, "--format", "csv", "--out", str(tmp_path / "x.csv"), "--query", empty]) == 2
        err = capsys.readouterr().err
        assert "--query" in err and "empty" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text", ["Depot hit", "?", "&&", "type", "=Iran", "ftp://127.0.0.1/events?actor=Iran"])
def test_a_query_that_is_no_address_is_bad_usage(tmp_path: Path, capsys, text: str) -> None:
    assert main(["export", "--format", "csv", "--out", str(tmp_path / "x.csv"), "--query", text]) == 2
    err = capsys.readouterr().err
    assert "--query" in err and "is neither the dashboard's address" in err and repr(text) in err
    assert list(tmp_path.iterdir()) == []


def test_an_address_without_filters_and_a_bare_query_are_read(tmp_path: Path, capsys) -> None:
    assert (
        main(["export", "--format", "json", "--out", str(tmp_path / "a.json"), "--query", "http://127.0.0.1:8501/"])
        == 0
    )
    assert capsys.readouterr().out.strip().endswith("All 20 events")
    assert main(["export", "--format", "json", "--out", str(tmp_path / "b.json"), "--query", "?actor=Iran"]) == 0
    assert "4 of 20 events · actors: Iran" in capsys.readouterr().out


def test_verbose_lets_spark_speak_and_quiet_is_the_default(monkeypatch) -> None:
    from dashboard.cli import build_parser
    from dashboard.settings import SPARK_VERBOSE_ENV, engine_settings

    monkeypatch.delenv(SPARK_VERBOSE_ENV, raising=False)
    for argv, verbose in ((["export", "--format", "csv"], False), (["export", "--format", "csv", "--verbose"], True)):
        args = build_parser().parse_args(argv)
        assert engine_settings(args.engine, args.dataset, args.spark_master, args.verbose).spark_verbose is verbose
    monkeypatch.setenv(SPARK_VERBOSE_ENV, "1")
    assert engine_settings().spark_verbose is True


def test_export_without_a_browser_fails_with_exit_1(tmp_path: Path) -> None:
    environment = {"PATH": str(Path(sys.executable).parent), "BROWSER_PATH": "/nonexistent", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "export", "--format", "png", "--out", str(tmp_path / "map.png")],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=environment,
    )
    assert done.returncode == 1, done.stderr
    assert "install Debian's `chromium`" in done.stderr
    assert not (tmp_path / "map.png").exists()


def test_export_draws_the_actor_network(tmp_path: Path, capsys) -> None:
    out = tmp_path / "network.html"
    assert main(["export", "--format", "html", "--chart", "network", "--out", str(out), "--actor", "Iran"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "Actor network" in page and "Iran" in page


def test_every_error_a_person_can_put_right_maps_to_one_exit_status() -> None:
    """Usage errors (options, paths, addresses, settings) exit 2; refusals (what cannot be drawn) exit 1; the
    command line decides both in one place."""
    from dashboard.errors import RefusedError, UsageError
    from dashboard.exports.outfiles import ExportError, OutputRefused
    from dashboard.geo.geodesy import GeometryError
    from dashboard.settings import SettingsError
    from dashboard.sources.datapaths import DataPathError
    from dashboard.store.dataset import DatasetError
    from dashboard.store.engine import EngineError
    from dashboard.views.params import ParameterError
    from dashboard.views.playback import WindowError

    for kind in (DataPathError, ParameterError, SettingsError, DatasetError, EngineError, WindowError, OutputRefused):
        assert issubclass(kind, UsageError) and cli.exit_status(kind("x")) == cli.EXIT_USAGE
    for kind in (ExportError, GeometryError):
        assert issubclass(kind, RefusedError) and cli.exit_status(kind("x")) == cli.EXIT_REJECTED
