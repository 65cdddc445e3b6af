"""Editing record files (dashboard.curation.recordfiles): minimal diffs, conflicts, undo, refusals, checks."""

from __future__ import annotations

import difflib
import multiprocessing
import os
import shutil
import stat
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.curation import recordfiles
from dashboard.curation.recordfiles import (
    NothingToUndo,
    RecordFileError,
    SaveConflict,
    can_undo,
    check_record,
    fresh_id,
    open_record_file,
    save,
    undo_last_save,
)
from dashboard.loading.loader import load_events
from dashboard.sources.datapaths import BUNDLED_EVENTS_DIR

DEPOT_FILE = BUNDLED_EVENTS_DIR / "depot_strikes.yaml"
KOTLUBAN = "2024-09-29-kotluban-depot-strike"
KARACHEV = "2024-10-09-karachev-depot-strike"

COMMENTED = """\
# Header: curated by the desk.
# Second header line.

- id: 2024-01-01-first
  title: First event   # the title as the source gives it
  summary: Something happened.
  type: depot_hit
  date:
    start: 2024-01-01
    precision: day
  actors:
    initiator: ukraine
    counterpart: russia
  location:
    place: Kharkiv
    precision: city
  # confidence checked twice
  confidence:
    level: reported
  sources:
    - publisher: AP
      title: A report
      published: 2024-01-02

# --- January ---

# about the second: a note kept with it
- id: 2024-01-05-second
  title: Second event
  summary: Something else.
  type: depot_hit
  date:
    start: 2024-01-05
    precision: day
  actors:
    initiator: ukraine
  location:
    place: Kharkiv
    precision: city
  confidence:
    level: claimed
  sources:
    - publisher: Reuters
      title: Another report

- id: 2024-01-09-third
  title: Third event
  summary: A third thing.
  type: depot_hit
  date:
    start: 2024-01-09
    precision: week
  actors:
    initiator: ukraine
  location:
    place: Kharkiv
    precision: city
  confidence:
    level: assessed
  sources:
    - publisher: BBC
      title: A third report
"""


def changed_lines(before: str, after: str) -> list[str]:
    """The ``-``/``+`` lines of a unified diff (as ``git diff`` shows them)."""
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.fixture
def depot(tmp_path: Path) -> Path:
    target = tmp_path / "depot_strikes.yaml"
    shutil.copyfile(DEPOT_FILE, target)
    return target


@pytest.fixture
def commented(tmp_path: Path) -> Path:
    target = tmp_path / "desk.yaml"
    target.write_text(COMMENTED, encoding="utf-8")
    return target


def new_record(record_id: str = "2024-02-01-new-event", **changes: object) -> dict:
    record = {
        "id": record_id,
        "title": "A new event",
        "summary": "Curated in the dashboard.",
        "type": "depot_hit",
        "date": {"start": "2024-02-01", "precision": "day"},
        "actors": {"initiator": "ukraine", "counterpart": "russia"},
        "location": {"place": "Kharkiv", "precision": "city"},
        "confidence": {"level": "reported"},
        "sources": [{"publisher": "AP", "title": "A report", "published": "2024-02-02"}],
    }
    record.update(changes)
    return record


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


# --- round trip and minimal diffs -------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(BUNDLED_EVENTS_DIR.glob("*.yaml")), ids=lambda path: path.name)
def test_opening_and_saving_without_edits_changes_nothing(path: Path, tmp_path: Path) -> None:
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    record_file = open_record_file(copy)
    assert record_file.text().encode() == path.read_bytes()
    assert not record_file.changed
    for record_id in record_file.ids():  # replacing a record by itself leaves its bytes alone
        record_file.replace(record_id, record_file.record(record_id))
    save(record_file)
    assert copy.read_bytes() == path.read_bytes()
    assert not can_undo(copy), "a save that wrote nothing must not replace the version kept for undo"


def test_editing_one_field_changes_only_that_line(depot: Path) -> None:
    before = depot.read_text(encoding="utf-8")
    record_file = open_record_file(depot)
    record = record_file.record(KOTLUBAN)
    record["confidence"]["level"] = "reported"
    record_file.replace(KOTLUBAN, record)
    save(record_file)
    after = depot.read_text(encoding="utf-8")
    assert changed_lines(before, after) == ["-    level: claimed", "+    level: reported"]
    assert open_record_file(depot).record(KOTLUBAN)["confidence"]["level"] == "reported"


def test_removed_fields_go_and_new_fields_come_after_the_others_in_schema_order(depot: Path) -> None:
    before = depot.read_text(encoding="utf-8")
    record_file = open_record_file(depot)
    record = record_file.record(KARACHEV)
    del record["date"]["phrase"]
    record["date"]["end"] = "2024-10-10"
    record["weapon"] = "shahed-136"
    record["figures"]["killed"] = {"best": 2}
    record_file.replace(KARACHEV, record)
    save(record_file)
    after = depot.read_text(encoding="utf-8")
    assert changed_lines(before, after) == [
        "-    phrase: Recently",
        "+    end: 2024-10-10",
        "+    killed:",  # after claimed_distance, the last key of figures
        "+      best: 2",
        "+  weapon: shahed-136",  # after notes, the last key of the record
    ]
    lines = after.splitlines()
    # new keys after the existing ones of their mapping; top-level ones after the last existing key
    assert lines.index("    end: 2024-10-10") == lines.index("    precision: day", lines.index(f"- id: {KARACHEV}")) + 1
    edited = open_record_file(depot).record(KARACHEV)
    assert list(edited)[-1] == "weapon" and "phrase" not in edited["date"] and edited["date"]["end"] == "2024-10-10"


def test_comments_and_styles_of_untouched_fields_survive_an_edit(commented: Path) -> None:
    record_file = open_record_file(commented)
    record = record_file.record("2024-01-01-first")
    record["summary"] = "Something else happened."
    record["location"]["precision"] = "region"
    record_file.replace("2024-01-01-first", record)
    save(record_file)
    after = commented.read_text(encoding="utf-8")
    assert changed_lines(COMMENTED, after) == [
        "-  summary: Something happened.",
        "+  summary: Something else happened.",
        "-    precision: city",
        "+    precision: region",
    ]
    assert "  title: First event   # the title as the source gives it" in after
    assert "  # confidence checked twice" in after


def test_a_new_record_is_appended_after_a_blank_line_and_loads(commented: Path) -> None:
    record_file = open_record_file(commented)
    long_summary = " ".join(["A long summary that the form gives as one line of text."] * 6)
    record_file.add(new_record(summary=long_summary, notes="yes", tags=["depot-strike", "new"]))
    save(record_file)
    after = commented.read_text(encoding="utf-8")
    assert after.startswith(COMMENTED) and after[len(COMMENTED) :].startswith("\n- id: 2024-02-01-new-event\n")
    assert "  summary: >-\n" in after and max(len(line) for line in after.splitlines()) <= 110
    assert "  tags: [depot-strike, new]" in after
    result = load_events([commented])
    assert result.errors == [] and result.loaded == 4
    added = result.events.set_index("id").loc["2024-02-01-new-event"]
    assert added["summary"] == long_summary and added["notes"] == "yes"  # "yes" stays text, not true
    assert open_record_file(commented).ids()[-1] == "2024-02-01-new-event"


def test_a_removed_record_takes_its_own_comments_and_leaves_the_header(commented: Path) -> None:
    record_file = open_record_file(commented)
    record_file.remove("2024-01-05-second")
    record_file.remove("2024-01-01-first")
    save(record_file)
    after = commented.read_text(encoding="utf-8")
    assert after == (
        "# Header: curated by the desk.\n# Second header line.\n\n# --- January ---\n\n"
        + COMMENTED[COMMENTED.index("- id: 2024-01-09-third") :]
    )
    assert load_events([commented]).loaded == 1


def test_removing_every_record_then_adding_one(commented: Path) -> None:
    record_file = open_record_file(commented)
    for record_id in record_file.ids():
        record_file.remove(record_id)
    save(record_file)
    assert open_record_file(commented).ids() == []
    record_file = open_record_file(commented)
    record_file.add(new_record())
    save(record_file)
    text = commented.read_text(encoding="utf-8")
    assert text.startswith("# Header: curated by the desk.\n") and "\n\n- id: 2024-02-01-new-event\n" in text
    assert load_events([commented]).loaded == 1


def test_sources_are_edited_in_place(depot: Path) -> None:
    before = depot.read_text(encoding="utf-8")
    record_file = open_record_file(depot)
    record = record_file.record(KARACHEV)
    record["sources"][2]["title"] = "Drones strike the Karachev arsenal"
    record["sources"].pop()  # the last source goes
    record["sources"].append({"publisher": "Reuters", "title": "A new source", "url": "https://example.org/a"})
    record_file.replace(KARACHEV, record)
    save(record_file)
    changed = changed_lines(before, depot.read_text(encoding="utf-8"))
    assert changed == [
        "-      title: Ukrainian drones strike the Karachev arsenal in Bryansk oblast",
        "+      title: Drones strike the Karachev arsenal",
        "-    - publisher: Al Jazeera",
        "-      title: Ukraine claims drone hit on North Korean weapons cache in Russia's Bryansk",
        "-      url: https://www.aljazeera.com/news/2024/10/9/ukraine-claims-drone-hit-on-north-korean-weapons-cache-in"
        "-russias-bryansk",
        "-      published: 2024-10-09",
        "+    - publisher: Reuters",
        "+      title: A new source",
        "+      url: https://example.org/a",
    ]


def test_ids_may_change_but_never_to_one_in_use(commented: Path) -> None:
    record_file = open_record_file(commented)
    record = record_file.record("2024-01-05-second")
    with pytest.raises(ValueError, match="already used"):
        record_file.replace("2024-01-05-second", record | {"id": "2024-01-09-third"})
    with pytest.raises(ValueError, match="already used"):
        record_file.add(record)
    with pytest.raises(KeyError):
        record_file.remove("no-such-record")
    record_file.replace("2024-01-05-second", record | {"id": "2024-01-05-renamed"})
    assert record_file.ids() == ["2024-01-01-first", "2024-01-05-renamed", "2024-01-09-third"]


def test_windows_line_endings_and_a_utf8_byte_order_mark_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "windows.yaml"
    original = b"\xef\xbb\xbf" + COMMENTED.replace("\n", "\r\n").encode()
    path.write_bytes(original)
    record_file = open_record_file(path)
    record = record_file.record("2024-01-09-third")
    record["confidence"]["level"] = "confirmed"
    record_file.replace("2024-01-09-third", record)
    record_file.add(new_record())
    save(record_file)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\n" not in data.replace(b"\r\n", b"")
    assert data.startswith(original[: original.index(b"    level: assessed")])
    assert load_events([path]).loaded == 4


# --- saving: conflicts, locking, undo ----------------------------------------------------------------------------


def test_a_save_over_a_file_changed_since_it_was_read_is_refused_with_a_diff(commented: Path) -> None:
    first, second = open_record_file(commented), open_record_file(commented)
    first.remove("2024-01-09-third")
    save(first)
    second.add(new_record())
    with pytest.raises(SaveConflict) as refused:
        save(second)
    assert "changed on disk since it was read" in str(refused.value)
    assert "-- id: 2024-01-09-third" in refused.value.diff and "(on disk now)" in refused.value.diff
    assert "2024-01-09-third" not in commented.read_text(encoding="utf-8")  # the first save stands
    assert "2024-02-01-new-event" not in commented.read_text(encoding="utf-8")


def test_the_same_file_object_can_save_again_and_again(commented: Path) -> None:
    record_file = open_record_file(commented)
    for number in range(3):
        record_file.add(new_record(f"2024-02-0{number + 1}-event"))
        save(record_file)
    assert open_record_file(commented).ids()[-3:] == ["2024-02-01-event", "2024-02-02-event", "2024-02-03-event"]
    assert (
        record_file.line("2024-02-03-event") == commented.read_text().splitlines().index("- id: 2024-02-03-event") + 1
    )


def test_concurrent_saves_from_threads_never_overwrite_each_other(commented: Path) -> None:
    files = [open_record_file(commented) for _ in range(6)]
    for number, record_file in enumerate(files):
        record_file.add(new_record(f"2024-03-0{number + 1}-thread"))
    start, outcomes = threading.Barrier(len(files)), []

    def run(record_file) -> None:
        start.wait()
        try:
            save(record_file)
            outcomes.append(("saved", record_file))
        except SaveConflict:
            outcomes.append(("conflict", record_file))

    threads = [threading.Thread(target=run, args=(record_file,)) for record_file in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = [record_file for outcome, record_file in outcomes if outcome == "saved"]
    assert len(saved) == 1 and len(outcomes) == len(files)
    assert commented.read_text(encoding="utf-8") == saved[0].text()


def _save_in_a_process(path: str, record_id: str, ready, go, results) -> None:
    record_file = open_record_file(Path(path))
    record_file.add(new_record(record_id))
    ready.release()  # this process has read the file: only now may any of them save
    go.wait()
    try:
        save(record_file)
        results.put("saved")
    except SaveConflict:
        results.put("conflict")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_concurrent_saves_from_processes_never_overwrite_each_other(commented: Path) -> None:
    context = multiprocessing.get_context("fork")
    ready, go, results = context.Semaphore(0), context.Event(), context.Queue()
    ids = [f"2024-04-0{number}-process" for number in range(1, 5)]
    processes = [context.Process(target=_save_in_a_process, args=(str(commented), i, ready, go, results)) for i in ids]
    for process in processes:
        process.start()
    for _ in processes:  # every process has read the same version before any saves
        assert ready.acquire(timeout=60)
    go.set()
    for process in processes:
        process.join(30)
    outcomes = sorted(results.get(timeout=5) for _ in processes)
    assert outcomes == ["conflict"] * 3 + ["saved"]
    assert sum(record_id in open_record_file(commented).ids() for record_id in ids) == 1


def test_undo_puts_the_previous_version_back_once(commented: Path) -> None:
    record_file = open_record_file(commented)
    assert not can_undo(commented)
    record_file.remove("2024-01-01-first")
    saved = save(record_file)
    assert can_undo(commented)
    restored = undo_last_save(commented, saved)
    assert commented.read_text(encoding="utf-8") == COMMENTED
    assert not can_undo(commented)
    with pytest.raises(NothingToUndo, match="nothing to undo"):
        undo_last_save(commented, restored)
    with pytest.raises(SaveConflict, match="changed on disk since your save"):  # no redo with the old version
        undo_last_save(commented, saved)
    assert files_in(commented.parent) == [".desk.yaml.lock", "desk.yaml"]


def test_undo_is_refused_when_someone_saved_after_us(commented: Path) -> None:
    ours = open_record_file(commented)
    ours.remove("2024-01-01-first")
    our_version = save(ours)
    theirs = open_record_file(commented)
    theirs.remove("2024-01-09-third")
    save(theirs)
    with pytest.raises(SaveConflict) as refused:
        undo_last_save(commented, our_version)
    assert "-- id: 2024-01-09-third" in refused.value.diff
    assert "2024-01-09-third" not in commented.read_text(encoding="utf-8")


def test_permission_bits_are_kept_and_nothing_else_is_written(commented: Path) -> None:
    os.chmod(commented, 0o640)
    record_file = open_record_file(commented)
    record_file.add(new_record())
    save(record_file)
    assert stat.S_IMODE(os.stat(commented).st_mode) == 0o640
    assert stat.S_IMODE(os.stat(commented.parent / ".desk.yaml.previous").st_mode) == 0o640
    assert files_in(commented.parent) == [".desk.yaml.lock", ".desk.yaml.previous", "desk.yaml"]
    assert load_events([commented.parent]).loaded == 4  # the hidden files are not read as records


def test_a_read_only_file_is_not_saved(commented: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root may write any file")
    os.chmod(commented, 0o444)
    record_file = open_record_file(commented)
    record_file.add(new_record())
    with pytest.raises(RecordFileError, match="read-only"):
        save(record_file)
    assert commented.read_text(encoding="utf-8") == COMMENTED


def test_stale_temporary_files_of_the_file_are_cleaned_up(commented: Path) -> None:
    folder = commented.parent
    stale, fresh, other = folder / ".desk.yaml.0badc0de.partial", folder / ".desk.yaml.12345678.partial", folder / "x"
    for path in (stale, fresh, other):
        path.write_bytes(b"half")
    os.utime(stale, (1_000_000_000, 1_000_000_000))
    record_file = open_record_file(commented)
    record_file.add(new_record())
    save(record_file)
    assert not stale.exists() and fresh.exists() and other.exists()


def test_a_new_file_is_created_with_a_header_never_over_an_existing_one(tmp_path: Path, commented: Path) -> None:
    path = tmp_path / "new.yaml"
    with pytest.raises(RecordFileError, match="no such file"):
        open_record_file(path)
    with pytest.raises(RecordFileError, match="already exists"):
        open_record_file(commented, create=True)
    record_file = open_record_file(path, create=True)
    assert not path.exists()
    record_file.add(new_record())
    save(record_file)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Event records curated in the dashboard") and "\n\n- id: 2024-02-01-new-event\n" in text
    assert load_events([path]).loaded == 1 and not can_undo(path)
    late = open_record_file(tmp_path / "late.yaml", create=True)
    (tmp_path / "late.yaml").write_text("- id: someone-else\n", encoding="utf-8")
    with pytest.raises(SaveConflict):
        save(late)
    assert (tmp_path / "late.yaml").read_text(encoding="utf-8") == "- id: someone-else\n"


# --- refusals ---------------------------------------------------------------------------------------------------


def test_links_folders_special_files_and_other_formats_are_refused(tmp_path: Path, commented: Path) -> None:
    link = tmp_path / "link.yaml"
    link.symlink_to(commented)
    with pytest.raises(RecordFileError, match="symbolic link"):
        open_record_file(link)
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    with pytest.raises(RecordFileError, match="is a folder"):
        open_record_file(folder)
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(RecordFileError, match="not a regular file"):
        open_record_file(fifo)
    with pytest.raises(RecordFileError, match=r"only YAML record files"):
        open_record_file(tmp_path / "records.csv")
    with pytest.raises(RecordFileError, match="does not exist"):
        open_record_file(tmp_path / "missing" / "x.yaml", create=True)
    # a file replaced by a link after it was opened is not written through
    record_file = open_record_file(commented)
    record_file.add(new_record())
    moved = tmp_path / "moved.yaml"
    commented.rename(moved)
    commented.symlink_to(moved)
    with pytest.raises(RecordFileError, match="symbolic link"):
        save(record_file)
    assert moved.read_text(encoding="utf-8") == COMMENTED and commented.is_symlink()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (COMMENTED.replace("  title: Second event", "  title: [unclosed"), r"desk\.yaml:\d+: invalid YAML"),
        ("id: not-a-list\ntitle: x\n", r"desk\.yaml:1: the file is not a list of records"),
        ("- just text\n- id: x\n", r"desk\.yaml:1: this item is not a record"),
        ("- &a {id: x}\n- *a\n", r"desk\.yaml:\d+: .*aliases"),
        ("[{id: x}, {id: y}]\n", r"desk\.yaml:1: only a plain list of records"),
        ("- id: x\n  title: " + "[" * 200 + "]" * 200 + "\n", r"desk\.yaml:1: nested more than"),
        ("- id: x\n  title: caf\xe9\n".encode("latin-1"), r"desk\.yaml:2: bytes that are not UTF-8 .*save the file"),
        (b"- id: x\n  title: a\x00b\n", r"desk\.yaml:2: the file holds a NUL character"),
        ("- id: x\n".encode("utf-16"), r"desk\.yaml:1: the file is saved as UTF-16"),
    ],
    ids=["broken", "mapping", "scalar-item", "alias", "flow-list", "deep", "latin-1", "nul", "utf-16"],
)
def test_files_that_cannot_be_edited_are_refused_naming_file_and_line(
    tmp_path: Path, content: str | bytes, message: str
) -> None:
    path = tmp_path / "desk.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(RecordFileError, match=message):
        open_record_file(path)


def test_a_file_too_large_to_edit_is_refused(commented: Path, monkeypatch) -> None:
    monkeypatch.setattr(recordfiles.ondisk, "MAX_EDIT_BYTES", 1000)
    with pytest.raises(RecordFileError, match=r"desk\.yaml is 0 MB, over the 0 MB that can be edited here"):
        open_record_file(commented)


def test_values_that_cannot_be_written_are_refused_and_change_nothing(commented: Path) -> None:
    record_file = open_record_file(commented)
    with pytest.raises(ValueError, match="cannot be written"):
        record_file.add(new_record(notes=object()))
    with pytest.raises(ValueError, match="cannot be saved"):
        record_file.add(new_record(notes="lone \ud800 surrogate"))
    with pytest.raises(ValueError, match="needs an id"):
        record_file.add(new_record(""))
    assert not record_file.changed


# --- checking records and proposing ids ------------------------------------------------------------------


def test_check_record_accepts_every_bundled_record(registries) -> None:
    for path in sorted(BUNDLED_EVENTS_DIR.glob("*.yaml")):
        record_file = open_record_file(path)
        for record in record_file.records():
            others = [other for other in record_file.ids() if other != record["id"]]
            errors = [problem for problem in check_record(record, registries, others) if problem[1] == "error"]
            assert errors == [], (path.name, record["id"])


def test_check_record_reports_each_problem_on_its_field(registries) -> None:
    record = new_record(
        date={"start": "2024-02-30", "precision": "day"},
        actors={"initiator": "Narnia"},
        sources=[{"publisher": "AP", "title": "A report", "url": "ftp://example.org"}],
        location={"lat": 95, "lon": 30, "precision": "exact"},
        colour="red",
    )
    problems = check_record(record, registries, ["2024-02-01-new-event", "other"])
    by_field = {field: (severity, message) for field, severity, message in problems}
    assert by_field["date_start"] == ("error", "not a date (expected YYYY-MM-DD)")
    assert by_field["initiator"][0] == "error" and by_field["initiator"][1].startswith("unknown actor")
    assert by_field["id"][0] == "error" and "duplicate id" in by_field["id"][1]
    assert by_field["latitude"][0] == "error" and "out of range" in by_field["latitude"][1]
    assert by_field["sources"][0] == "error" and by_field["sources"][1].startswith("source 1, url: address must")
    assert by_field[""] == ("warning", "colour: unknown field, ignored")
    assert check_record(new_record(), registries, ["other"]) == []


def test_fresh_id_follows_the_house_style_and_is_unique() -> None:
    record = {"title": "Drones hit the 107th GRAU arsenal near Toropets, Tver oblast", "date": {"start": "2024-09-18"}}
    assert fresh_id(record, []) == "2024-09-18-drones-hit-107th-grau-arsenal"
    taken = ["2024-09-18-drones-hit-107th-grau-arsenal", "2024-09-18-drones-hit-107th-grau-arsenal-2"]
    assert fresh_id(record, taken) == "2024-09-18-drones-hit-107th-grau-arsenal-3"
    assert fresh_id({"title": "Удар по арсеналу", "date": {"start": "2024-09-18"}}, []) == "2024-09-18"
    assert fresh_id({}, ["event"]) == "event-2"
    assert (
        fresh_id({"title": "Kim Jong Un meets Putin", "date": {"start": "bad date"}}, []) == "kim-jong-un-meets-putin"
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(min_size=1, max_size=150), notes=st.text(max_size=300))
def test_any_text_is_saved_as_given_or_refused_with_a_message(commented: Path, title: str, notes: str) -> None:
    record_file = open_record_file(commented)
    try:
        record_file.add(new_record(title=title, notes=notes))
    except ValueError as error:  # RecordFileError included: a message for the form, the file unchanged
        assert str(error) and not record_file.changed
        return
    record = record_file.record("2024-02-01-new-event")
    assert record.get("title", " ") == title if title.strip() else "title" not in record
    assert record.get("notes", " ") == notes if notes.strip() else "notes" not in record
