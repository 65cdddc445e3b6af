"""Time loading an ACLED-sized export as downloaded, against a bare read of the same file.

    python benchmarks/bench_datasets.py [--rows 200000] [--runs 3]

It writes ``--rows`` invented rows in ACLED's current 31-column layout (ISO dates, the codebook's categories,
actor names the mapping files know and some they do not), then prints medians of ``--runs`` runs of the
dashboard's load (read, map, check and type, without the cache) beside ``pyarrow.csv.read_csv`` of the file.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pcsv
from timing import median_seconds

from dashboard.loading.fastload import load_table
from dashboard.model.registries import load_registries

SUB_TYPES = {
    "Shelling/artillery/missile attack": "Explosions/Remote violence",
    "Air/drone strike": "Explosions/Remote violence",
    "Armed clash": "Battles",
    "Attack": "Violence against civilians",
    "Peaceful protest": "Protests",
    "Agreement": "Strategic developments",
}
ACTORS = [
    "Military Forces of Russia (2000-)",
    "Military Forces of Ukraine (2019-)",
    "Civilians (Ukraine)",
    "Unidentified Armed Group (Ukraine)",
    "Protesters (Ukraine)",
]


def acled_frame(rows: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sub = rng.choice(list(SUB_TYPES), rows)
    days = pd.Timestamp("2022-02-24") + pd.to_timedelta(rng.integers(0, 1000, rows), unit="D")
    return pd.DataFrame(
        {
            "event_id_cnty": [f"UKR{number}" for number in range(100_000, 100_000 + rows)],
            "event_date": days.strftime("%Y-%m-%d"),
            "year": days.year,
            "time_precision": rng.choice(["1", "1", "1", "2", "3"], rows),
            "disorder_type": "Political violence",
            "event_type": [SUB_TYPES[name] for name in sub],
            "sub_event_type": sub,
            "actor1": rng.choice(ACTORS, rows),
            "assoc_actor_1": "",
            "inter1": "State forces",
            "actor2": rng.choice(ACTORS, rows),
            "assoc_actor_2": "",
            "inter2": "Civilians",
            "interaction": "State forces-Civilians",
            "civilian_targeting": "",
            "iso": "804",
            "region": "Europe",
            "country": "Ukraine",
            "admin1": "Kharkiv",
            "admin2": "",
            "admin3": "",
            "location": rng.choice(["Kharkiv", "Kupiansk", "Izium", "Chuhuiv"], rows),
            "latitude": np.round(rng.uniform(48.5, 50.5, rows), 4),
            "longitude": np.round(rng.uniform(35.5, 38.5, rows), 4),
            "geo_precision": rng.choice(["1", "2", "3"], rows),
            "source": rng.choice(["Suspilne", "Ukrainska Pravda; Suspilne", "ISW"], rows),
            "source_scale": "National",
            "notes": [f"On {day:%d %B %Y}, an invented event for timing." for day in days],
            "fatalities": rng.integers(0, 5, rows),
            "tags": "",
            "timestamp": 1_700_000_000,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    registries = load_registries()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "acled.csv"
        acled_frame(args.rows).to_csv(path, index=False)
        bare = median_seconds(lambda: pcsv.read_csv(path), args.runs)
        table, report = load_table([path], registries)
        assert report.rejected == 0 and table.num_rows == args.rows, report.summary()
        load = median_seconds(lambda: load_table([path], registries), args.runs)
        size = path.stat().st_size / 1e6
        print(f"{args.rows:,} ACLED rows ({size:.0f} MB); median of {args.runs} runs")
        print(f"  load as downloaded (map + check + type)  {load:6.2f} s")
        print(f"  baseline: bare pyarrow.csv.read_csv      {bare:6.2f} s   ({load / bare:4.1f}x; target at most 2x)")


if __name__ == "__main__":
    main()
