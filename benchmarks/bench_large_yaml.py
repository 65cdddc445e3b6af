"""Speed and memory of `validate` on a large YAML record file, against a bare libyaml parse of the same file.

    python benchmarks/bench_large_yaml.py [--records N] [--runs R]

Writes N valid records (default 20,000) as one YAML file, each with a summary of about 2.5 KB in Latin and
Cyrillic letters (curated records average about 3 KB: a 195 MB file held 60,000), then measures, R times each
(default 3), in fresh processes:

- ``python -m dashboard validate --quiet FILE``;
- the baseline: ``yaml.load(FILE, Loader=yaml.CSafeLoader)``, a bare parse with no checks;
- the start-up of each: ``validate`` of a file of one record, and ``import yaml``.

Prints the medians: wall time, records a second, and peak memory (maximum resident set size of the process),
also beyond start-up and as a multiple of the file's size.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from dashboard.model.synthetic import nested_record, synthetic_frame  # noqa: E402

SUMMARY = "Колонна техники замечена у склада; a convoy of trucks was seen near the depot at night. " * 28
BARE_PARSE = "import sys, yaml; yaml.load(open(sys.argv[1], 'rb'), Loader=yaml.CSafeLoader)"


def write_records(path: Path, count: int) -> None:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    with path.open("w", encoding="utf-8") as out:
        for number, flat in enumerate(synthetic_frame(count, seed=11).to_dict("records")):
            item = nested_record(flat) | {"summary": f"{number}: {SUMMARY}"}
            out.write(yaml.dump([item], Dumper=dumper, sort_keys=False, allow_unicode=True, width=1000))


# Run from a small process: a child forked from this one (pandas loaded) would count this one's memory.
MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
sys.stderr.write(done.stderr.decode(errors="replace")[-2000:])
sys.exit(done.returncode)
"""


def measured(command: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak memory (MB) of ``command`` run in a fresh process."""
    done = subprocess.run([sys.executable, "-c", MEASURE, *command], cwd=REPO, capture_output=True, text=True)
    if done.returncode not in (0, 1):  # 1: validate found problems (none expected here)
        sys.exit(f"{command[:4]} failed: {done.stderr}")
    seconds, peak = done.stdout.split()
    return float(seconds), float(peak)


def medians(command: list[str], runs: int) -> tuple[float, float]:
    results = [measured(command) for _ in range(runs)]
    return statistics.median(seconds for seconds, _ in results), statistics.median(peak for _, peak in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-large-yaml-") as folder:
        large, one = Path(folder) / "large.yaml", Path(folder) / "one.yaml"
        write_records(large, args.records)
        write_records(one, 1)
        megabytes = large.stat().st_size / 2**20
        print(f"{large.name}: {args.records:,} records, {megabytes:.1f} MB; medians of {args.runs} run(s)")
        validate = [sys.executable, "-m", "dashboard", "validate", "--quiet"]
        runs = {
            "validate": (medians([*validate, str(one)], args.runs), medians([*validate, str(large)], args.runs)),
            "baseline: yaml.CSafeLoader parse": (
                medians([sys.executable, "-c", "import yaml"], args.runs),
                medians([sys.executable, "-c", BARE_PARSE, str(large)], args.runs),
            ),
        }
        print(f"  {'':44s} {'wall':>8s} {'records/s':>10s} {'peak':>8s}   beyond start-up")
        for label, ((start_seconds, start_peak), (seconds, peak)) in runs.items():
            beyond = peak - start_peak
            print(f"  {label + ', start-up':44s} {start_seconds:7.1f}s {'':10s} {start_peak:5.0f} MB")
            print(
                f"  {label:44s} {seconds:7.1f}s {args.records / seconds:10,.0f} {peak:5.0f} MB"
                f"   {beyond:,.0f} MB ({beyond / megabytes:.1f}x the file)"
            )
        ratio = runs["validate"][1][0] / runs["baseline: yaml.CSafeLoader parse"][1][0]
        print(f"  validate takes {ratio:.1f}x the time of the bare parse (start-ups included)")


if __name__ == "__main__":
    main()
