"""A very large record file loads in bounded memory and time, with no record lost."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from dashboard.model.synthetic import synthetic_frame, write_csv

REPO = Path(__file__).resolve().parents[2]


def run_loader(path: Path) -> dict:
    """Load ``path`` in a fresh process and report its counts and peak memory (MB)."""
    code = textwrap.dedent(
        f"""
        import json, resource
        from dashboard.loading.loader import load_events
        result = load_events([{str(path)!r}])
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({{"read": result.read, "loaded": result.loaded, "rejected": result.rejected,
                          "problems": len(result.problems), "peak_mb": peak}}))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_fifty_megabyte_csv_loads_every_record_in_bounded_memory(tmp_path: Path) -> None:
    frame = synthetic_frame(120_000)
    frame.loc[7, "latitude"] = 123.0  # one bad record among them
    path = tmp_path / "large.csv"
    write_csv(frame, path)
    assert path.stat().st_size > 50e6
    report = run_loader(path)
    assert (report["read"], report["loaded"], report["rejected"]) == (120_000, 119_999, 1)
    assert report["peak_mb"] < 2_500


@pytest.mark.slow
def test_large_file_of_garbage_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "garbage.yaml"
    with path.open("wb") as out:
        for _ in range(50):
            out.write(b"\x00\xff{[: - ]\n" * 100_000)
    report = run_loader(path)
    assert report["loaded"] == 0 and report["problems"] >= 1
    assert report["peak_mb"] < 2_500


# --- validate on a folder holding a large YAML file ---------------------------------------------------------

SUMMARY = "Колонна техники замечена у склада; a convoy of trucks was seen near the depot at night. " * 40
VALIDATE = textwrap.dedent(
    """
    import resource, subprocess, sys
    done = subprocess.run([sys.executable, "-m", "dashboard", "validate", *sys.argv[1:]])
    print(f"peak {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024}", flush=True)
    sys.exit(done.returncode)
    """
)


def write_long_records(path: Path, count: int) -> None:
    """``count`` valid records with summaries of about 5 KB in Latin and Cyrillic letters (curated records
    average about 3 KB: a 195 MB file held 60,000)."""
    from dashboard.model.synthetic import nested_record

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    with path.open("w", encoding="utf-8") as out:
        for number, flat in enumerate(synthetic_frame(count, seed=11).to_dict("records")):
            item = nested_record(flat) | {"summary": f"{number}: {SUMMARY}"}
            out.write(yaml.dump([item], Dumper=dumper, sort_keys=False, allow_unicode=True, width=1000))


def run_validate(folder: Path, terminal: bool) -> tuple[list[tuple[str, str]], int, int]:
    """``validate folder`` in a fresh process, stdout on a pipe and stderr on a terminal (``terminal``) or a
    pipe: what it printed on each, in the order it came (``("out" | "err", text)``), its exit status and its
    peak memory in MB."""
    if terminal:
        err_read, err_write = pty.openpty()
        fcntl.ioctl(err_write, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 200, 0, 0))  # 200 columns
    else:
        err_read, err_write = os.pipe()
    process = subprocess.Popen(
        [sys.executable, "-c", VALIDATE, str(folder)], cwd=REPO, stdout=subprocess.PIPE, stderr=err_write
    )
    os.close(err_write)
    streams = {process.stdout.fileno(): "out", err_read: "err"}
    chunks: list[tuple[str, str]] = []
    deadline = time.monotonic() + 900
    while streams and time.monotonic() < deadline:
        ready, _, _ = select.select(list(streams), [], [], 5)
        for descriptor in ready:
            try:
                data = os.read(descriptor, 65536)
            except OSError:  # a terminal whose other end has closed
                data = b""
            if data:
                chunks.append((streams[descriptor], data.decode("utf-8", "replace")))
            else:
                del streams[descriptor]
    os.close(err_read)
    status = process.wait(timeout=60)
    out = "".join(text for stream, text in chunks if stream == "out")
    peak = int(re.search(r"^peak (\d+)$", out, re.MULTILINE).group(1))
    return chunks, status, peak


def record_with(record_id: str, lat: float) -> dict:
    from dashboard.model.synthetic import nested_record

    record = nested_record(synthetic_frame(1, seed=3).to_dict("records")[0])
    record["id"] = record_id
    record["location"]["lat"] = lat
    return record


@pytest.fixture(scope="module")
def validated_large_yaml(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """``validate`` on a folder holding a small file with a bad record and a large YAML file (about 48 MB),
    on a terminal; and on a folder holding half the large file."""
    folder = tmp_path_factory.mktemp("large-yaml")
    small = folder / "2023.yaml"
    small.write_text(yaml.safe_dump([record_with("small-1", lat=123.0)], sort_keys=False), encoding="utf-8")
    large = folder / "2024.yaml"
    write_long_records(large, 8_800)
    half = tmp_path_factory.mktemp("half") / "2024.yaml"
    lines = large.read_text(encoding="utf-8").splitlines(keepends=True)
    starts = [number for number, line in enumerate(lines) if line.startswith("- ")]
    half.write_text("".join(lines[: starts[len(starts) // 2]]), encoding="utf-8")
    chunks, status, peak = run_validate(folder, terminal=True)
    _, half_status, half_peak = run_validate(half.parent, terminal=False)
    assert half_status == 0
    return {
        "small": small,
        "large": large,
        "chunks": chunks,
        "status": status,
        "peak": peak,
        "half_peak": half_peak,
        "added": large.stat().st_size - half.stat().st_size,
    }


@pytest.mark.slow
def test_validate_prints_each_file_when_it_is_done_and_shows_progress_on_a_terminal(validated_large_yaml) -> None:
    chunks, small, large = validated_large_yaml["chunks"], validated_large_yaml["small"], validated_large_yaml["large"]
    assert validated_large_yaml["status"] == 1  # the small file's bad record
    # the problem's line on the output (a progress line on the error stream names the file too, when slow)
    problem = next(number for number, (stream, text) in enumerate(chunks) if stream == "out" and f"{small}:" in text)
    assert "latitude out of range" in chunks[problem][1]
    progress = [
        number
        for number, (stream, text) in enumerate(chunks)
        if stream == "err" and re.search(rf"checking {re.escape(str(large))}: [\d,]+ records, [\d.,]+ MB of", text)
    ]
    assert progress, "no progress line for the large file"
    assert any(number > problem for number in progress), "the small file's problems came only at the end"
    out = "".join(text for stream, text in chunks if stream == "out")
    assert "8801 read, 8800 loaded, 1 rejected" in out
    assert "\r" not in out and "checking" not in out  # the progress never reaches the output
    err = "".join(text for stream, text in chunks if stream == "err")
    assert re.search(r"\r +\r$", err), err[-300:]  # and is wiped from the terminal at the end


@pytest.mark.slow
def test_validate_of_a_large_yaml_file_needs_about_its_size_in_memory(validated_large_yaml) -> None:
    """Half the file more costs about the half's size (its bytes, held once; records are read, checked and let
    go a part at a time), never several times it: at most three times, allowing for the allocator."""
    grown = validated_large_yaml["peak"] - validated_large_yaml["half_peak"]
    assert grown * 2**20 < 3 * validated_large_yaml["added"], (grown, validated_large_yaml["added"] / 2**20)


def test_ids_stay_unique_across_files_and_across_the_parts_of_a_large_file(tmp_path: Path) -> None:
    """A large file is checked a thousand records at a time, yet an id used again anywhere (in a later part, in
    a later file read by the Arrow path) is reported where it comes second, naming where it came first."""
    from dashboard.loading.fastload import load_table
    from dashboard.loading.loader import load_events
    from dashboard.model.synthetic import write_yaml

    small = tmp_path / "1-small.yaml"
    small.write_text(
        yaml.safe_dump([record_with("shared", 50.0), record_with("only-small", 51.0)], sort_keys=False),
        encoding="utf-8",
    )
    large = tmp_path / "2-large.yaml"
    frame = synthetic_frame(1_500, seed=4)
    frame.loc[1_200, "id"] = "shared"  # in the second part: used first in the small file
    frame.loc[1_300, "id"] = "syn-000010"  # in the second part: used first in the first part
    write_yaml(frame, large)
    rows = synthetic_frame(30, seed=5)
    rows["id"] = [f"csv-{number}" for number in range(30)]
    rows.loc[0, "id"], rows.loc[1, "id"] = "only-small", "syn-000020"
    write_csv(rows, tmp_path / "3-rows.csv")
    starts = {
        path.name: [number for number, line in enumerate(path.read_text().splitlines(), 1) if line.startswith("- ")]
        for path in (small, large)
    }
    expected = {
        (f"{large}", starts[large.name][1_200], f"{small}:{starts[small.name][0]}"),
        (f"{large}", starts[large.name][1_300], f"{large}:{starts[large.name][10]}"),
        (f"{tmp_path / '3-rows.csv'}", 2, f"{small}:{starts[small.name][1]}"),
        (f"{tmp_path / '3-rows.csv'}", 3, f"{large}:{starts[large.name][20]}"),
    }
    general = load_events([tmp_path])
    _, report = load_table([tmp_path])
    for found in (general.report, report):
        duplicates = {
            (problem.file, problem.line, problem.message.removeprefix("duplicate id: first used at "))
            for problem in found.problems
            if problem.message.startswith("duplicate id")
        }
        assert duplicates == expected
        assert (found.read, found.loaded, found.rejected) == (1_532, 1_528, 4)
    assert report.problems == general.report.problems and report.files == general.report.files
