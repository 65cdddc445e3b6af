"""A very large record file loads in bounded memory and time, with no record lost."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dashboard.records.synthetic import synthetic_frame, write_csv

REPO = Path(__file__).resolve().parent.parent


def run_loader(path: Path) -> dict:
    """Load ``path`` in a fresh process and report its counts and peak memory (MB)."""
    code = textwrap.dedent(
        f"""
        import json, resource
        from dashboard.records.loader import load_events
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
