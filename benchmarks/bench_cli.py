"""Start-up time of the command line: every ``--help``, ``validate`` on the bundled records, a missing path.

    python benchmarks/bench_cli.py [--runs R]

Prints the median wall time of R runs of each command, beside the baseline measured in the same run:
``python -c pass`` (the interpreter alone) and ``python -c "import pandas"`` (the one library `validate` needs).
The target is under 1 s for every ``--help`` and for ``validate`` on the bundled records.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from timing import median_seconds

REPO = Path(__file__).resolve().parent.parent
COMMANDS = {
    "python -c pass (baseline)": ["-c", "pass"],
    'python -c "import pandas" (reference)': ["-c", "import pandas"],
    "--help": ["-m", "dashboard", "--help"],
    "validate --help": ["-m", "dashboard", "validate", "--help"],
    "export --help": ["-m", "dashboard", "export", "--help"],
    "ingest --help": ["-m", "dashboard", "ingest", "--help"],
    "validate (bundled records)": ["-m", "dashboard", "validate"],
    "validate /no/such/path": ["-m", "dashboard", "validate", "/no/such/path"],
}
TARGET_SECONDS = 1.0


def run(arguments: list[str]) -> None:
    subprocess.run([sys.executable, *arguments], cwd=REPO, capture_output=True, check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    run(COMMANDS["validate (bundled records)"])  # warm the file cache and bytecode
    baseline = median_seconds(lambda: run(COMMANDS["python -c pass (baseline)"]), args.runs)
    print(f"{'command':40} {'median':>8} {'minus baseline':>15}  target")
    for name, arguments in COMMANDS.items():
        seconds = median_seconds(lambda arguments=arguments: run(arguments), args.runs)
        verdict = "" if "baseline" in name or "reference" in name else ("ok" if seconds < TARGET_SECONDS else "SLOW")
        print(f"{name:40} {seconds:7.3f}s {seconds - baseline:+14.3f}s  {verdict}")


if __name__ == "__main__":
    main()
