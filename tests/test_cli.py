"""`python -m dashboard validate`: one line per problem, a summary, and exit status 0 / 1 / 2."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from dashboard.cli import main
from tests_support import FIXTURES, record, write_yaml

REPO = Path(__file__).resolve().parent.parent
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
