"""The gazetteer: building the GeoNames index, loading it, exact and fuzzy lookups.

    python benchmarks/bench_gazetteer.py [--runs R] [--build-runs B]

Prints medians next to baselines measured in the same run: a plain Python dict lookup of the normalised name
(the fastest an exact lookup could be) and, for fuzzy lookups, rapidfuzz over every Latin name at once
(what the length window saves). The index is built in a temporary folder, never in the user's cache.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
from pathlib import Path

from rapidfuzz import fuzz, process
from timing import median_seconds

from dashboard.model.registries import load_registries
from dashboard.places import gazetteer as gazetteer_module
from dashboard.places.gazetteer import Gazetteer, build_geonames_index, geonames_index, normalise_name

EXACT = ["Kharkov", "Kursk", "Toropets", "Харків", "Moscow", "Springfield", "Kramatorsk", "Nowhereville"]
FUZZY = ["Toropetz", "Vladivostock", "Dnepropetrovs", "Bakhmutt", "Sevastapol", "Karachov", "Kurks", "Pokrovks"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--build-runs", type=int, default=3)
    args = parser.parse_args()
    registries = load_registries()
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder)
        build = median_seconds(lambda: build_geonames_index(cache), args.build_runs)

        def warm_load() -> None:
            gazetteer_module.forget_loaded_indexes()
            geonames_index(cache)

        load = median_seconds(warm_load, args.runs)
        index = geonames_index(cache)
        gazetteer = Gazetteer(registries.gazetteer, geonames=lambda: index)
        gazetteer.exact("Kyiv")  # the curated places GeoNames repeats are found once, here
        first_fuzzy = median_seconds(lambda: gazetteer.lookup("Toropetz"), 1)  # builds the fuzzy choices

        baseline_dict: dict[str, list[int]] = {}
        for key, row in zip(index.keys.to_pylist(), index.rows.tolist(), strict=True):
            baseline_dict.setdefault(key, []).append(row)
        keys = [normalise_name(query) for query in EXACT]
        repeat = 200

        def exact_all() -> None:
            for _ in range(repeat):
                for query in EXACT:
                    gazetteer.exact(query)

        def dict_all() -> None:
            for _ in range(repeat):
                for key in keys:
                    baseline_dict.get(key)

        calls = repeat * len(EXACT)
        exact = median_seconds(exact_all, args.runs) / calls
        plain = median_seconds(dict_all, args.runs) / calls
        fuzzy = median_seconds(lambda: [gazetteer.lookup(query) for query in FUZZY], args.runs) / len(FUZZY)
        choices = [name for _, names in index._fuzzy_choices(None).buckets.values() for name in names]
        scan = median_seconds(
            lambda: [
                process.extract(normalise_name(query), choices, scorer=fuzz.ratio, processor=None, limit=200)
                for query in FUZZY
            ],
            args.runs,
        ) / len(FUZZY)

    print(f"GeoNames index: {len(index.names):,} places, {len(index.rows):,} names and aliases")
    print(f"  cold build (parse JSON, normalise, sort, write) {build:7.2f} s   (median of {args.build_runs})")
    print(f"  warm load (read Parquet)                        {load:7.3f} s")
    print(f"  first fuzzy lookup (builds the Latin name list) {first_fuzzy:7.3f} s")
    print(f"exact lookup   {exact * 1e6:9.1f} µs   baseline (dict.get of the key) {plain * 1e6:7.2f} µs")
    print(f"fuzzy lookup   {fuzzy * 1e3:9.1f} ms   baseline (rapidfuzz over all {len(choices):,} Latin names) "
          f"{scan * 1e3:7.1f} ms   ratio {fuzzy / scan:4.2f}x")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
