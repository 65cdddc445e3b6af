"""Speed of editing record files (the Curate page's library): open, edit one field, save, check one record.

    python benchmarks/bench_record_files.py [--runs R]

Prints the median wall time of R runs of each step, on a copy of data/events/depot_strikes.yaml (5 records) and
on a file of about a megabyte (the bundled records copied 20 times), beside the baseline measured in the same
run: the same bytes written atomically with no checks (`dashboard.safeio.atomic.replace_file`).
"""

from __future__ import annotations

import argparse
import itertools
import re
import shutil
import sys
import tempfile
from pathlib import Path

from timing import median_seconds

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from dashboard.curation import recordfiles  # noqa: E402
from dashboard.model.registries import load_registries  # noqa: E402
from dashboard.safeio.atomic import replace_file  # noqa: E402

EVENTS = REPO / "data" / "events"
RECORD_ID = "2024-09-29-kotluban-depot-strike"


def big_file(folder: Path) -> Path:
    others = "".join(path.read_text(encoding="utf-8") for path in sorted(EVENTS.glob("*.yaml")))
    copies = "".join(re.sub(r"^- id: (\S+)", rf"- id: \1-{n}", others, flags=re.M) + "\n" for n in range(20))
    path = folder / "big.yaml"
    path.write_text((EVENTS / "depot_strikes.yaml").read_text(encoding="utf-8") + "\n" + copies, encoding="utf-8")
    return path


def edit_and_save(path: Path, level: list[str]) -> None:
    record_file = recordfiles.open_record_file(path)
    record = record_file.record(RECORD_ID)
    level[0] = "reported" if level[0] == "claimed" else "claimed"
    record["confidence"]["level"] = level[0]
    record_file.replace(RECORD_ID, record)
    recordfiles.save(record_file)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-record-files-"))
    small = folder / "depot_strikes.yaml"
    shutil.copyfile(EVENTS / "depot_strikes.yaml", small)
    registries = load_registries()
    record = recordfiles.open_record_file(small).record(RECORD_ID)
    try:
        for path in (small, big_file(folder)):
            data = path.read_bytes()
            opened, counter = recordfiles.open_record_file(path), itertools.count()
            print(f"{path.name}: {len(data) / 1e6:.2f} MB, {len(opened.ids())} records")
            rows = {
                "atomic write of the same bytes (baseline)": lambda p=path, d=data: replace_file(p, d),
                "open": lambda p=path: recordfiles.open_record_file(p),
                "edit one field (replace)": lambda f=opened, n=counter: f.replace(
                    RECORD_ID, f.record(RECORD_ID) | {"notes": f"note {next(n)}"}
                ),
                "open + edit + save": lambda p=path, level=["claimed"]: edit_and_save(p, level),
            }
            for label, action in rows.items():
                print(f"  {label:45s} {median_seconds(action, args.runs) * 1000:9.1f} ms")
        seconds = median_seconds(lambda: recordfiles.check_record(record, registries, ["other"]), args.runs)
        print(f"check_record (one record)                       {seconds * 1000:9.1f} ms")
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
