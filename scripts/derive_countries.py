"""Write data/registries/countries.csv (ISO alpha-3 code and English name) from the Natural Earth countries file.

Usage: python scripts/derive_countries.py [path/to/ne_10m_admin_0_countries_deu.geojson.gz]
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO.parent / "shared" / "data" / "ne_10m_admin_0_countries_deu.geojson.gz"
# Codes for parties that are not countries, used by the actor registry.
EXTRA = {"XXX": "International organisation"}


def main(source: Path = DEFAULT_SOURCE) -> None:
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    rows = {f["properties"]["iso_a3"]: f["properties"]["name"] for f in features}
    rows = {code: name for code, name in rows.items() if len(code) == 3 and code.isalpha()} | EXTRA
    with open(REPO / "data" / "registries" / "countries.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["iso_a3", "name"])
        writer.writerows(sorted(rows.items()))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE)
