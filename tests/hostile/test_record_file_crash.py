"""A save killed at any moment leaves the record file whole: the old version or the new one, never a mix.

A child process saves a large record file over and over, alternating two versions, and is killed with SIGKILL
at random moments (seeded). After every kill the file must be byte-identical to one of the two versions, the
kept earlier version too, and nothing but hidden temporary files may be left over, which the next save
removes once they are stale and the loader never reads.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import time
from pathlib import Path

import pytest
import yaml

from dashboard.curation.recordfiles import FileVersion, open_record_file, previous_path, save_bytes
from dashboard.sources.datapaths import BUNDLED_EVENTS_DIR, find_record_files

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the saving process is forked")

KILLS = 40
SEED = 20241009
TEMPORARY = re.compile(r"^(\.events\.yaml|\.\.events\.yaml\.previous)\.[0-9a-f]{8}\.partial$")


def two_versions(folder: Path) -> tuple[bytes, bytes]:
    """About a megabyte of records, and the same with one field of one record edited through `RecordFile`."""
    small = folder / "small.yaml"
    shutil.copyfile(BUNDLED_EVENTS_DIR / "depot_strikes.yaml", small)
    record_file = open_record_file(small)
    record = record_file.record("2024-09-29-kotluban-depot-strike")
    record["confidence"]["level"] = "reported"
    record_file.replace("2024-09-29-kotluban-depot-strike", record)
    edited = record_file.text()
    small.unlink()
    others = "".join(
        path.read_text(encoding="utf-8") for path in sorted(BUNDLED_EVENTS_DIR.glob("*.yaml")) if path != small
    )
    filler = "".join(
        "\n" + re.sub(r"^- id: (\S+)", rf"- id: \1-copy{number}", others, flags=re.MULTILINE) for number in range(25)
    )
    old = (BUNDLED_EVENTS_DIR / "depot_strikes.yaml").read_text(encoding="utf-8") + filler
    return old.encode(), (edited + filler).encode()


def save_forever(path: Path, versions: dict[bytes, tuple[bytes, FileVersion]]) -> None:
    """The child: save the other version, again and again, until killed."""
    status = 1
    try:
        current = path.read_bytes()
        while True:
            following, expected = versions[current]
            save_bytes(path, following, expected)
            current = following
    except BaseException:  # a conflict or any failure: the parent sees the exit status
        status = 3
    finally:
        os._exit(status)


def test_a_save_killed_at_any_moment_leaves_the_old_or_the_new_file(tmp_path: Path) -> None:
    old, new = two_versions(tmp_path)
    assert len(old) > 1_000_000 and old != new
    for version in (old, new):  # both versions read as a list of records
        records = yaml.load(version, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        assert len(records) > 400 and all(isinstance(record, dict) for record in records)
    path = tmp_path / "events.yaml"
    path.write_bytes(old)
    versions = {old: (new, FileVersion.of(path, old)), new: (old, FileVersion.of(path, new))}
    delays = random.Random(SEED)
    interrupted, seen = 0, set()
    for _ in range(KILLS):
        child = os.fork()
        if child == 0:
            save_forever(path, versions)
        time.sleep(delays.uniform(0.002, 0.06))
        os.kill(child, signal.SIGKILL)
        _, status = os.waitpid(child, 0)
        assert os.WIFSIGNALED(status), f"the saving process stopped by itself (status {status})"
        assert path.read_bytes() in (old, new)
        kept = previous_path(path)
        assert not kept.exists() or kept.read_bytes() in (old, new)
        leftovers = {name for name in os.listdir(tmp_path) if TEMPORARY.match(name)}
        interrupted += bool(leftovers - seen)
        seen |= leftovers
        expected = {"events.yaml", ".events.yaml.lock", ".events.yaml.previous"}
        assert set(os.listdir(tmp_path)) - expected == leftovers
    print(f"{KILLS} kills, {interrupted} of them in the middle of writing a file")

    assert find_record_files([tmp_path])[0] == [path]  # the loader reads only the record file
    for name in os.listdir(tmp_path):  # the next save removes temporary files older than a minute
        if TEMPORARY.match(name):
            os.utime(tmp_path / name, (time.time() - 120, time.time() - 120))
    current = path.read_bytes()
    save_bytes(path, versions[current][0], FileVersion.of(path, current))
    assert sorted(os.listdir(tmp_path)) == [".events.yaml.lock", ".events.yaml.previous", "events.yaml"]
