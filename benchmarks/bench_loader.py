"""Load + validation time for 100,000 synthetic records, as CSV and as YAML.

    python benchmarks/bench_loader.py [--records N] [--runs R]

Prints the median of R runs for each format, and the ratio to a baseline measured in the same run: parsing
the same file without any checking (pandas.read_csv for CSV, PyYAML's C loader for YAML).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
from pathlib import Path

import pandas as pd
import yaml
from timing import median_seconds

from dashboard.loading.loader import load_events
from dashboard.model.registries import load_registries
from dashboard.model.synthetic import synthetic_frame, write_csv, write_yaml


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--formats", default="csv,yaml", help="comma-separated: csv, yaml")
    args = parser.parse_args()
    registries = load_registries()
    frame = synthetic_frame(args.records)
    with tempfile.TemporaryDirectory() as folder:
        csv_path, yaml_path = Path(folder) / "events.csv", Path(folder) / "events.yaml"
        write_csv(frame, csv_path)
        formats = set(args.formats.split(","))
        if "yaml" in formats:
            write_yaml(frame, yaml_path)
        result = load_events([csv_path], registries)
        assert result.loaded == args.records, result.summary()
        print(f"{args.records:,} records; median of {args.runs} runs; load = read + validate + type")
        for label, path, baseline_label, baseline in (
            ("CSV", csv_path, "pandas.read_csv", lambda: pd.read_csv(csv_path, dtype=str)),
            ("YAML", yaml_path, "yaml CSafeLoader", lambda: yaml.load(yaml_path.read_text(), Loader=yaml.CSafeLoader)),
        ):
            if label.lower() not in formats:
                continue
            size = path.stat().st_size / 1e6
            loaded = median_seconds(lambda path=path: load_events([path], registries), args.runs)
            parsed = median_seconds(baseline, args.runs)
            print(
                f"{label:4} {size:6.1f} MB  load {loaded:6.2f} s   baseline ({baseline_label}) {parsed:6.2f} s"
                f"   ratio {loaded / parsed:4.1f}x   {args.records / loaded:9,.0f} records/s"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
