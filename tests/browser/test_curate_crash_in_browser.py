"""A save cut short: the server is killed with SIGKILL (``kill -9``) while a save from the Curate form is writing
the record file. The file is afterwards the old one or the new one, never a mix: it is parsed and compared.

The kill lands inside the save by design, not by luck. The record file is large (about 30 MB: padding records
with long notes), so writing it takes tens of milliseconds, and the test watches the folder with inotify and
kills the server the moment the save creates its temporary file (``.NAME.<8 hex>.partial``). If a very busy
machine delays the kill past the rename, that try must leave the new file; tries go on until three kills have
landed while the temporary file was being written (the temporary file is then still there, the file untouched).
"""

from __future__ import annotations

import copy
import ctypes
import os
import re
import select
import signal
import struct
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from playwright.sync_api import Page, expect

from browser_support import SLOW, wait_until_settled
from dashboard.loading.loader import load_events
from dashboard.sources.datapaths import shown_path
from tests_support import record

REPO = Path(__file__).resolve().parents[2]
KARACHEV = "2024-10-09-karachev-depot-strike"
KILLS_WHILE_WRITING = 3
MAX_TRIES = 6
PADDING_RECORDS, PADDING_LINES = 8, 4_000  # about 4 MB of notes each
IN_CREATE = 0x100  # <sys/inotify.h>: a name was created in the watched folder
INOTIFY_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len; then len bytes of name

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="watches the folder with Linux's inotify")


@pytest.fixture
def app_url() -> str:
    return ""  # every try starts a server of its own (`own_server`), at its own address


@pytest.fixture(scope="module")
def big_records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """depot_strikes.yaml (Karachev first) followed by padding records, alone in a folder: about 33 MB."""
    folder = tmp_path_factory.mktemp("crash") / "cases"
    folder.mkdir()
    line = "Padding " + " ".join(["word"] * 200) + "\n"
    padding = [record(id=f"padding-{number}", notes=line * PADDING_LINES) for number in range(PADDING_RECORDS)]
    text = (REPO / "data" / "events" / "depot_strikes.yaml").read_text(encoding="utf-8")
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's writes the 33 MB in a second, not forty
    text += "\n" + yaml.dump(padding, Dumper=dumper, sort_keys=False, allow_unicode=True, width=120)
    (folder / "depot_strikes.yaml").write_text(text, encoding="utf-8")
    return folder


def parsed(path: Path) -> list[dict]:
    return yaml.load(path.read_bytes(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@contextmanager
def watching(folder: Path) -> Iterator[int]:
    """An inotify descriptor reporting each name created in ``folder``."""
    libc = ctypes.CDLL(None, use_errno=True)
    descriptor = libc.inotify_init1(os.O_CLOEXEC)
    if descriptor < 0:
        raise OSError(ctypes.get_errno(), "inotify_init1 failed")
    try:
        if libc.inotify_add_watch(descriptor, os.fsencode(folder), IN_CREATE) < 0:
            raise OSError(ctypes.get_errno(), f"cannot watch {folder}")
        yield descriptor
    finally:
        os.close(descriptor)


def created(descriptor: int, timeout: float) -> Iterator[str]:
    """The names created in the watched folder, each as soon as the kernel reports it, for ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([descriptor], [], [], left)
        if not ready:
            return
        events = os.read(descriptor, 64 * 1024)
        offset = 0
        while offset < len(events):
            *_, length = INOTIFY_EVENT.unpack_from(events, offset)
            start = offset + INOTIFY_EVENT.size
            yield os.fsdecode(events[start : start + length].rstrip(b"\0"))
            offset = start + length


def test_a_save_killed_while_writing_leaves_the_old_file_or_the_new_one(
    app: Page, own_server, big_records: Path, tmp_path: Path
) -> None:
    target = big_records / "depot_strikes.yaml"
    temporary = re.compile(rf"\.{re.escape(target.name)}\.[0-9a-f]{{8}}\.partial")
    address = f"/curate?edit={KARACHEV}&file={quote(shown_path(target))}"
    outcomes: list[str] = []
    while outcomes.count("killed while writing") < KILLS_WHILE_WRITING:
        assert len(outcomes) < MAX_TRIES, f"the kills landed: {outcomes}"
        before = target.read_bytes()
        old = parsed(target)
        new = copy.deepcopy(old)
        new[0]["title"] = f"Karachev arsenal, saved in try {len(outcomes) + 1}"
        with own_server(tmp_path / f"server-{len(outcomes)}.log", big_records, "--edit") as (url, process):
            app.goto(url + address)
            title = app.get_by_role("textbox", name="Title *")
            expect(title).to_have_value(old[0]["title"])
            title.fill(new[0]["title"])
            title.press("Tab")
            wait_until_settled(app)
            with watching(big_records) as events:
                app.get_by_role("button", name="Save the changes").click()
                name = next((name for name in created(events, SLOW) if temporary.fullmatch(name)), None)
                assert name is not None, "the save made no temporary file"
                os.kill(process.pid, signal.SIGKILL)
            assert process.wait(timeout=SLOW) == -signal.SIGKILL
        after = parsed(target)
        if (big_records / name).exists():  # killed before the rename: the file must be untouched
            outcomes.append("killed while writing")
            assert target.read_bytes() == before
            assert after == old
            (big_records / name).unlink()  # what a later save would clear once it is a minute old
        else:  # the rename came first: the new file, whole
            outcomes.append("killed after the rename")
            assert after == new
    assert load_events([big_records]).rejected == 0
