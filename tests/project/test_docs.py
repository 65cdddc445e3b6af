"""The commands printed in the README and docs/ run as printed, and write nothing outside ``out/``.

Every fenced ``bash`` block right after a ``<!-- run-in-tests -->`` line is read command by command (a line
ending in ``\\`` goes on) and its commands are run by bash one after another (a later one may read what an
earlier one wrote), each exactly as printed, in a copy of the parts of the project the commands read
(``data/``, ``tests/fixtures/``), as a newcomer would run them in a fresh clone.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
MARKER = "<!-- run-in-tests -->"
BLOCK = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)


def fenced_blocks(text: str, marked: bool) -> list[tuple[int, str]]:
    """The ``bash`` blocks of ``text`` (only those right after the marker when ``marked``), with their line."""
    found = []
    for match in BLOCK.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        if not marked or before.strip() == MARKER:
            found.append((text.count("\n", 0, match.start()) + 2, match.group(1)))
    return found


def commands(block: str, first_line: int) -> list[tuple[int, str]]:
    """Each command of a block with its line: continued lines joined as bash joins them, blank lines and
    comment lines left out."""
    found, pending, start = [], "", first_line
    for number, line in enumerate(block.splitlines(), first_line):
        if not pending:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            start = number
        pending += line + "\n"
        if not line.endswith("\\"):
            found.append((start, pending.rstrip("\n")))
            pending = ""
    assert not pending, f"a command ends in a backslash: {pending!r}"
    return found


def marked_blocks() -> list[tuple[str, list[tuple[str, str]]]]:
    """Each marked block as where it is and its commands, each with where it is."""
    found = []
    for page in PAGES:
        for line, block in fenced_blocks(page.read_text(encoding="utf-8"), marked=True):
            where = f"{page.relative_to(REPO)}:{line}"
            found.append((where, [(f"{page.relative_to(REPO)}:{n}", command) for n, command in commands(block, line)]))
    return found


BLOCKS = marked_blocks()
COMMANDS = [command for _, block in BLOCKS for command in block]


def untracked() -> set[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"], cwd=REPO, capture_output=True, text=True, check=True
    )
    return set(listed.stdout.splitlines())


def files_below(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The parts of a fresh clone the commands read: the bundled data and the test fixtures they name."""
    folder = tmp_path_factory.mktemp("clone")
    shutil.copytree(REPO / "data", folder / "data")
    shutil.copytree(REPO / "tests" / "fixtures", folder / "tests" / "fixtures")
    return folder


def newcomer_environment() -> dict[str, str]:
    """This Python first on the path, as `python` after `pip install`; none of the dashboard's own settings but
    the test cache folder (tests/conftest.py), so a command means what it says."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DASHBOARD_") or name == "DASHBOARD_CACHE"
    }
    environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environment.get("PATH", "")])
    return environment


def test_the_docs_mark_the_quick_commands() -> None:
    printed = "\n".join(command for _, command in COMMANDS)
    for wanted in ("dashboard validate", "dashboard export --format csv", "dashboard trends", "dashboard draft"):
        assert wanted in printed, wanted


@pytest.mark.parametrize("block", [block for _, block in BLOCKS], ids=[where for where, _ in BLOCKS])
def test_printed_commands_run_as_printed(block: list[tuple[str, str]], clone: Path) -> None:
    for where, command in block:
        before_checkout, before_clone = untracked(), files_below(clone)
        run = subprocess.run(
            ["bash", "-c", command], cwd=clone, env=newcomer_environment(), capture_output=True, text=True, timeout=180
        )
        output = f"{run.stdout[-2000:]}\n{run.stderr[-2000:]}"
        assert run.returncode == 0, f"{where}: exit {run.returncode}\n{command}\n{output}"
        written = {path.relative_to(clone).as_posix() for path in files_below(clone) - before_clone}
        assert all(path.startswith("out/") for path in written), f"{where} wrote outside out/: {sorted(written)}"
        assert untracked() <= before_checkout, f"{where} left files in the checkout: {untracked() - before_checkout}"


def test_every_printed_output_goes_under_out() -> None:
    """Every ``--out`` in every bash block of the README and docs/, run in tests or not, names ``out/``."""
    for page in PAGES:
        for line, block in fenced_blocks(page.read_text(encoding="utf-8"), marked=False):
            for target in re.findall(r"--out\s+(\S+)", block):
                assert target.startswith("out/"), f"{page.relative_to(REPO)}:{line}: --out {target}"


def test_the_readme_example_record_adds_an_event(clone: Path, tmp_path: Path) -> None:
    """The README's example record, added to the bundled records as it says, passes validate."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Adding an event", 1)[1]
    record = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    events = tmp_path / "events"
    shutil.copytree(clone / "data" / "events", events)
    (events / "added.yaml").write_text(record, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "dashboard", "validate", str(events)],
        env=newcomer_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "21 read, 21 loaded, 0 rejected" in run.stdout
