"""Load event records from files into one validated DataFrame, with every problem found.

>>> result = load_events()                      # the bundled data/events
>>> result.events.columns[:3].tolist()
['id', 'title', 'summary']
>>> result.read == result.loaded + result.rejected + result.replaced
True
"""

from __future__ import annotations

import itertools
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.loading.validation import check_records
from dashboard.model.problems import Problem, Severity, problems_frame, shorten
from dashboard.model.rawfile import RawFile, subset_rows
from dashboard.model.registries import Registries, load_registries
from dashboard.model.releases import identities, replaced_rows, revisable
from dashboard.model.schema import CONFIDENCE_LEVELS, DATE_PRECISIONS, FIELDS, LOCATION_PRECISIONS
from dashboard.sources.datapaths import SkippedFile, data_paths, find_record_files, shown_path
from dashboard.sources.readers import PART_ROWS, read_file, read_file_parts

log = logging.getLogger(__name__)


@dataclass
class FileCount:
    """Records read, loaded, rejected and replaced (by a later release of a dataset) for one file."""

    file: str
    read: int
    loaded: int
    rejected: int
    errors: int
    warnings: int
    replaced: int = 0


@dataclass
class LoadReport:
    """What loading found: every problem and the counts per file. ``read == loaded + rejected + replaced``
    always (``replaced``: rows a later release of a dataset revises, see `dashboard.model.releases`)."""

    problems: list[Problem]
    files: list[FileCount] = field(default_factory=list)

    @property
    def read(self) -> int:
        return sum(count.read for count in self.files)

    @property
    def loaded(self) -> int:
        return sum(count.loaded for count in self.files)

    @property
    def rejected(self) -> int:
        return sum(count.rejected for count in self.files)

    @property
    def replaced(self) -> int:
        return sum(count.replaced for count in self.files)

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity is Severity.ERROR]

    def to_json(self) -> bytes:
        """The report as JSON (ASCII), as the cache and an ingested dataset keep it beside the events."""
        problems = [asdict(problem) for problem in self.problems]
        return json.dumps({"problems": problems, "files": [asdict(c) for c in self.files]}, ensure_ascii=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> LoadReport:
        raw = json.loads(data)
        problems = [Problem(**{**item, "severity": Severity(item["severity"])}) for item in raw["problems"]]
        return cls(problems, [FileCount(**item) for item in raw["files"]])

    def summary(self) -> str:
        """``"18 read, 18 loaded, 0 rejected"`` (and how many later releases replaced, when any did)."""
        replaced = f", {self.replaced} replaced by later releases" if self.replaced else ""
        return f"{self.read} read, {self.loaded} loaded, {self.rejected} rejected{replaced}"

    def files_frame(self) -> pd.DataFrame:
        return pd.DataFrame([vars(count) for count in self.files], columns=list(FileCount.__dataclass_fields__))

    def problems_frame(self) -> pd.DataFrame:
        return problems_frame(self.problems)


@dataclass(kw_only=True)
class LoadResult(LoadReport):
    """The valid events with the report of loading them."""

    events: pd.DataFrame

    @property
    def loaded(self) -> int:
        return len(self.events)

    @property
    def report(self) -> LoadReport:
        return LoadReport(self.problems, self.files)


@dataclass(frozen=True)
class Progress:
    """How far loading has gone: the file being read, the records read so far (of every file), and the bytes
    of the files read so far against the bytes of all of them."""

    file: str
    records: int
    done: int
    total: int


OnProblems = Callable[[Sequence[Problem]], None]  # told each file's problems as soon as the file is checked
OnProgress = Callable[[Progress], None]


def load_events(
    paths: Sequence[str | Path] | None = None,
    registries: Registries | None = None,
    on_problems: OnProblems | None = None,
    on_progress: OnProgress | None = None,
) -> LoadResult:
    """Read, check and type every record in ``paths`` (default: see `dashboard.sources.datapaths.data_paths`).

    Files are read and checked one after another, large ones part by part (see `Checking`): ``on_problems``
    is told each file's problems when that file is done, ``on_progress`` how far the reading has gone.

    Raises `dashboard.sources.datapaths.DataPathError` when a named path does not exist or is not a file or folder;
    every other fault is a problem. No exception raised by a file's content escapes: a file that breaks the
    reader or the checks is reported as a problem of that file, and every other file still loads.
    """
    registries = registries or load_registries()
    files, skipped = find_record_files(data_paths(paths))
    checking = Checking(files, registries, keep=lambda events: events, on_problems=on_problems, on_progress=on_progress)
    checking.report([*skipped_problems(skipped), *registries.problems])
    for number, path in enumerate(files):
        checking.read(number, path)
    checking.finish()
    frames = [frame for kept in checking.kept for frame in kept] or [_no_events(registries)]
    events = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return LoadResult(events=final_dtypes(events, registries), problems=checking.problems, files=checking.counts)


def _no_events(registries: Registries) -> pd.DataFrame:
    nothing = RawFile("", pd.DataFrame(columns=["record_line"]), pd.DataFrame(columns=["row"]))
    return _checked_rows([nothing], registries)[0].events


def skipped_problems(skipped: Sequence[SkippedFile]) -> list[Problem]:
    """A warning for each path found under a data folder but not read (a FIFO, a looping link, ...)."""
    return [
        Problem(shown_path(item.path), None, None, None, None, f"skipped: {item.reason}", Severity.WARNING)
        for item in skipped
    ]


class _Ids:
    """The ids of the rows checked so far, each with where it was first used; kept as Arrow text, compact at
    millions of rows."""

    def __init__(self) -> None:
        self._files: list[str] = []
        self._chunks: list[tuple[pa.Array, np.ndarray, np.ndarray]] = []  # ids, file numbers, lines (-1: none)
        self._joined: tuple[pa.Array, np.ndarray, np.ndarray] | None = None

    def add(self, file: str, ids: pa.Array | pd.Series, lines: np.ndarray) -> None:
        """The ids of rows of ``file`` (None where missing) on ``lines`` (-1 where not known)."""
        ids = _arrow_text(ids)
        new = _numpy(pc.is_valid(ids)) & (self.first_used(ids) < 0) & _first_of_each(ids)
        if not new.any():
            return
        if not self._files or self._files[-1] != file:
            self._files.append(file)
        kept = np.flatnonzero(new)
        files = np.full(len(kept), len(self._files) - 1, dtype=np.int32)
        self._chunks.append((ids.take(pa.array(kept)), files, np.asarray(lines, dtype=np.int64)[kept]))
        self._joined = None

    def extend(self, other: _Ids) -> None:
        """Every id of ``other`` (checked after these) added after these."""
        for ids, files, lines in other._chunks:
            names = np.array(other._files, dtype=object)[files]
            for name in dict.fromkeys(names):
                chosen = np.flatnonzero(names == name)
                self.add(name, ids.take(pa.array(chosen)), lines[chosen])

    def first_used(self, ids: pa.Array) -> np.ndarray:
        """For each id, its position among the ids kept (-1 for an id not used before)."""
        if not self._chunks:
            return np.full(len(ids), -1, dtype=np.int64)
        values = self._all()[0]
        return pc.fill_null(pc.index_in(ids, value_set=values), -1).to_numpy().astype(np.int64)

    def where(self, ids: pd.Series) -> pd.Series:
        """For each id, ``"file:line"`` of the row that first used it (None for an id not used before)."""
        found = pd.Series(None, index=ids.index, dtype=object)
        positions = self.first_used(_arrow_text(ids))
        hits = np.flatnonzero(positions >= 0)
        if len(hits):
            _, files, lines = self._all()
            chosen = positions[hits]
            found.iloc[hits] = [
                f"{self._files[file]}:{line if line >= 0 else '<NA>'}"
                for file, line in zip(files[chosen], lines[chosen], strict=True)
            ]
        return found

    def _all(self) -> tuple[pa.Array, np.ndarray, np.ndarray]:
        if self._joined is None:
            self._joined = (
                pa.concat_arrays([ids for ids, _, _ in self._chunks]),
                np.concatenate([files for _, files, _ in self._chunks]),
                np.concatenate([lines for _, _, lines in self._chunks]),
            )
        return self._joined


def _arrow_text(ids: pa.Array | pa.ChunkedArray | pd.Series) -> pa.Array:
    if isinstance(ids, pd.Series):
        return pa.array(ids.to_numpy(dtype=object, na_value=None), type=pa.string())
    return ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids


def _first_of_each(ids: pa.Array) -> np.ndarray:
    """True where a value comes for the first time in ``ids``."""
    codes = pc.fill_null(pc.dictionary_encode(ids).indices, -1).to_numpy()
    first = np.zeros(len(ids), dtype=bool)
    first[np.unique(codes, return_index=True)[1]] = True
    return first


def _numpy(mask: pa.Array) -> np.ndarray:
    return np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)


class _File:
    """One file being checked: the counts and problems of its parts so far, the events kept, its ids."""

    def __init__(self, number: int, name: str) -> None:
        self.number, self.name = number, name
        self.read = self.loaded = self.rejected = self.errors = self.warnings = self.replaced = 0
        self.problems: list[Problem] = []
        self.kept: list[object] = []
        self.ids = _Ids()
        self.failed: tuple[Exception, int] | None = None  # the error, and the records read before it

    def fail(self, error: Exception, records: int = 0) -> None:
        """Everything checked so far is dropped: the file's records (and ``records`` more) are counted as read
        and rejected."""
        self.failed = (error, (self.failed[1] if self.failed else 0) + self.read + records)
        self.read = self.loaded = self.rejected = self.errors = self.warnings = self.replaced = 0
        self.problems, self.kept, self.ids = [], [], _Ids()

    def count(self) -> FileCount:
        failed = self.failed[1] if self.failed else 0
        return FileCount(
            self.name,
            self.read + failed,
            self.loaded,
            self.rejected + failed,
            self.errors + (self.failed is not None),
            self.warnings,
            self.replaced,
        )

    def failure(self) -> list[Problem]:
        if self.failed is None:
            return []
        error, failed = self.failed
        message = (
            f"this file could not be checked, its {failed} records are not loaded"
            f" (internal error: {type(error).__name__}: {shorten(str(error), 200)}); other files are not affected"
        )
        return [Problem(self.name, None, None, None, None, message)]


class Checking:
    """Record files checked one after another, each file part by part (`readers.PART_ROWS` records), each part
    against the ids of every row checked before it: a large file is never held whole, ids stay unique across
    files, and every file is reported (``on_problems``) as soon as it is done. Small files in a row are checked
    together, up to a part's worth of records, as checking has a cost for each part however small.

    A file a later release of its dataset may revise (`dashboard.model.releases`) waits: once every other
    file is checked, the waiting files are read whole and checked, each without the rows a later one replaces.
    A defect of the reader or the checks costs the file it met (reported as its problem), never the others.
    """

    def __init__(
        self,
        files: Sequence[Path],
        registries: Registries,
        keep: Callable[[pd.DataFrame], object] | None = None,
        on_problems: OnProblems | None = None,
        on_progress: OnProgress | None = None,
    ) -> None:
        self.names = [shown_path(path) for path in files]
        self.registries = registries
        self.keep = keep  # turns a part's loaded events (typed, not yet `final_dtypes`) into what is kept
        self.kept: list[list[object]] = [[] for _ in files]  # by file, in file order
        self.counts: list[FileCount] = [FileCount(name, 0, 0, 0, 0, 0) for name in self.names]
        self.problems: list[Problem] = []
        self.ids = _Ids()
        self.on_problems, self.on_progress = on_problems, on_progress
        self.sizes = [_size(path) for path in files]
        self.bytes_done, self.records = 0, 0
        self.waiting: list[tuple[int, Callable[[], tuple[tuple, Callable[[np.ndarray, list[Problem]], None]]]]] = []
        self.small: list[tuple[_File, RawFile]] = []  # whole small files read, to be checked together

    def report(self, problems: Sequence[Problem]) -> None:
        """Problems found (before the files, or one file's), told at once."""
        self.problems.extend(problems)
        if self.on_problems is not None and problems:
            self.on_problems(problems)

    def start(self, number: int) -> _File:
        self.progress(number, 0.0)
        return _File(number, self.names[number])

    def read(self, number: int, path: Path) -> None:
        """Read and check one file, part by part (a small file waits to be checked with the ones after it)."""
        file = self.start(number)
        try:
            parts = read_file_parts(path, file.name)
            first = next(parts)
            following = next(parts, None)
            if following is None and not revisable(identities(first.path, first.records)):
                self._add_small(file, first)
                return
            for raw in itertools.chain([first], [following] if following is not None else [], parts):
                if revisable(identities(raw.path, raw.records)):  # a later release may replace rows: wait
                    self.records -= file.read
                    self.later(number, lambda: self._whole(path, number))
                    return
                self.check(file, raw)
                self.progress(number, raw.read_to)
        except Exception as error:  # a reader defect must cost one file, never the whole load
            log.exception("reading %s failed", file.name)
            file.fail(error)
        self.done(file)

    def _add_small(self, file: _File, raw: RawFile) -> None:
        self.small.append((file, raw))
        if sum(len(part.records) for _, part in self.small) >= PART_ROWS:
            self.flush()

    def flush(self) -> None:
        """Check the small files read so far, together, and report each."""
        small, self.small = self.small, []
        if not small:
            return
        try:
            checked = _checked_rows([raw for _, raw in small], self.registries, self.ids.where)
            kept = [self.keep(one.events) if self.keep is not None else None for one in checked]
        except Exception:  # a defect of the checks: each file on its own, so it costs only the file it met
            log.exception("checking %s together failed; checking them one by one", ", ".join(f.name for f, _ in small))
            for file, raw in small:
                self.check(file, raw)
        else:
            for (file, _), one, part in zip(small, checked, kept, strict=True):
                self._take(file, one, part)
        for file, _ in small:
            self._done(file)

    def _whole(self, path: Path, number: int) -> tuple[tuple, Callable[[np.ndarray, list[Problem]], None]]:
        """A waiting file read whole: its identities, and how to check it without the rows a later release
        replaces."""
        name = self.names[number]
        try:
            raw = read_file(path, name)
        except Exception as error:
            log.exception("reading %s failed", name)
            raw = RawFile(name, pd.DataFrame(columns=["record_line"]), pd.DataFrame(columns=["row"]))
            failed = error
        else:
            failed = None

        def check(replaced: np.ndarray, problems: list[Problem]) -> None:
            file = self.start(number)
            if failed is not None:
                file.fail(failed)
            self.check(file, without_rows(raw, replaced, problems) if replaced.any() else raw)
            self.done(file)

        return identities(raw.path, raw.records), check

    def later(self, number: int, read: Callable[[], tuple[tuple, Callable[[np.ndarray, list[Problem]], None]]]) -> None:
        """Check file ``number`` once every other file is checked: ``read()`` gives its `identities` and how to
        check it given the rows a later release replaces (and the warning saying so)."""
        self.waiting.append((number, read))

    def check(self, file: _File, raw: RawFile) -> None:
        """Check the rows of ``raw`` (a part of ``file``) against every row before them, and keep the result."""
        self.flush()  # the small files before it come first
        records = len(raw.records) + raw.unreadable + raw.replaced
        if file.failed is not None:  # counted only
            file.fail(file.failed[0], records)
            self.records += records
            return
        try:
            [checked] = _checked_rows([raw], self.registries, lambda ids: self._earlier(file, ids))
            kept = self.keep(checked.events) if self.keep is not None else None
        except Exception as error:  # a defect of the checks costs this file, never the others
            log.exception("checking %s failed", file.name)
            file.fail(error, records)
            self.records += records
            return
        self._take(file, checked, kept)

    def _take(self, file: _File, checked: _Checked, kept: object) -> None:
        count = checked.count
        file.read += count.read
        file.loaded += count.loaded
        file.rejected += count.rejected
        file.errors += count.errors
        file.warnings += count.warnings
        file.replaced += count.replaced
        file.problems += checked.problems
        if kept is not None:
            file.kept.append(kept)
        file.ids.add(file.name, checked.ids, checked.lines)
        self.records += count.read

    def add_checked(self, file: _File, rows: int, kept: object, ids: pa.Array, lines: np.ndarray) -> None:
        """``rows`` rows of ``file`` checked and typed elsewhere (every one of them loads): counted and kept."""
        file.read += rows
        file.loaded += rows
        self.records += rows
        if rows:
            file.kept.append(kept)
            if self._later_rows(file):
                file.ids.add(file.name, ids, lines)

    def _later_rows(self, file: _File) -> bool:
        """Whether rows will be checked after the last ones of ``file`` (which then need its ids)."""
        return file.number < len(self.names) - 1 or bool(self.waiting)

    def _earlier(self, file: _File, ids: pd.Series) -> pd.Series:
        found = self.ids.where(ids)
        mine = found.isna()
        if mine.any():
            found[mine] = file.ids.where(ids[mine])
        return found

    def done(self, file: _File) -> None:
        """The file's counts, events and ids are final: report its problems (after the small files before it)."""
        self.flush()
        self._done(file)

    def _done(self, file: _File) -> None:
        self.counts[file.number] = file.count()
        self.kept[file.number] = file.kept
        if self._later_rows(file):
            self.ids.extend(file.ids)
        self.bytes_done += self.sizes[file.number]
        self.progress(file.number, None)
        self.report([*file.failure(), *file.problems])

    def finish(self) -> None:
        """Check the small files still waiting to be, then the files waiting for every other (see the class)."""
        self.flush()
        waiting = [(number, read()) for number, read in self.waiting]
        found = replaced_rows([files for _, (files, _) in waiting])
        for (_number, (_, check)), (replaced, problems) in zip(waiting, found, strict=True):
            check(replaced, problems)
        self.waiting = []

    def progress(self, number: int, share: float | None) -> None:
        """Tell how far the reading has gone (``share``: of file ``number``, None once it is done)."""
        if self.on_progress is None:
            return
        within = 0 if share is None else int(self.sizes[number] * min(max(share, 0.0), 1.0))
        progress = Progress(self.names[number], self.records, self.bytes_done + within, sum(self.sizes))
        self.on_progress(progress)


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def without_rows(raw: RawFile, replaced: np.ndarray, problems: list[Problem]) -> RawFile:
    """``raw`` without the ``replaced`` rows, counting them and noting why."""
    kept = subset_rows(raw, ~replaced)
    kept.replaced, kept.problems = int(replaced.sum()), kept.problems + problems
    return kept


def combine(raws: list[RawFile], registries: Registries) -> LoadResult:
    """Check the rows of all files together (ids must be unique across files) and build the result."""
    checked = _checked_rows(raws, registries)
    problems = [*registries.problems, *(problem for one in checked for problem in one.problems)]
    events = pd.concat([one.events for one in checked], ignore_index=True) if checked else _no_events(registries)
    return LoadResult(events=final_dtypes(events, registries), problems=problems, files=[one.count for one in checked])


@dataclass
class _Checked:
    """One file's (or part's) rows checked: the rows that load (typed, not yet `final_dtypes`), its problems
    (those found reading it first, then its rows'), its counts, and the typed id and line of every row."""

    events: pd.DataFrame
    problems: list[Problem]
    count: FileCount
    ids: pd.Series
    lines: np.ndarray  # -1 where not known


def _checked_rows(
    raws: list[RawFile], registries: Registries, earlier: Callable[[pd.Series], pd.Series] | None = None
) -> list[_Checked]:
    """The rows of ``raws`` checked together (each checks ids against the others' and ``earlier``'s, see
    `validation.check_records`), the result of each."""
    frames, source_frames, offsets = [], [], [0]
    for raw in raws:
        records = raw.records.copy()
        records["record_file"] = raw.path
        sources = raw.sources.copy()
        sources["row"] = sources["row"].astype("int64") + offsets[-1]
        frames.append(records)
        source_frames.append(sources)
        offsets.append(offsets[-1] + len(records))
    records = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["record_line", "record_file"])
    sources = pd.concat(source_frames, ignore_index=True) if source_frames else pd.DataFrame(columns=["row"])
    lines = pd.to_numeric(records["record_line"], errors="coerce").astype("Int64")
    where = records["record_file"].astype(str) + ":" + lines.astype(str)
    read_issues = [  # issues found while reading, re-numbered to rows of the combined frame
        issue._replace(row=issue.row + offset)
        for raw, offset in zip(raws, offsets[:-1], strict=True)
        for issue in raw.issues
    ]
    typed, issues = check_records(records, sources, registries, where, read_issues, earlier)
    issues.extend(read_issues)

    ids = typed["id"]
    rejected = np.zeros(len(typed), dtype=bool)
    rejected[[issue.row for issue in issues if issue.severity is Severity.ERROR]] = True
    files_of_rows = records["record_file"].astype(str).tolist()  # plain lists: one lookup per problem
    lines_of_rows = [None if pd.isna(line) else int(line) for line in lines.tolist()]
    ids_of_rows = [None if pd.isna(record_id) else str(record_id) for record_id in ids.tolist()]
    row_problems = [
        Problem(
            file=files_of_rows[issue.row],
            line=lines_of_rows[issue.row],
            record_id=ids_of_rows[issue.row],
            field=issue.field,
            value=shorten(issue.value),
            message=issue.message,
            severity=issue.severity,
        )
        for issue in sorted(issues, key=lambda item: (item.row, item.field))
    ]
    rows_of_problems = [issue.row for issue in sorted(issues, key=lambda item: (item.row, item.field))]
    typed["record_file"] = records["record_file"].astype(str)
    typed["record_line"] = lines
    known_lines = lines.fillna(-1).to_numpy(dtype=np.int64)
    checked = []
    for number, raw in enumerate(raws):
        first, stop = offsets[number], offsets[number + 1]
        low, high = np.searchsorted(rows_of_problems, [first, stop])
        problems = [*raw.problems, *row_problems[low:high]]
        errors = sum(problem.severity is Severity.ERROR for problem in problems)
        rows, rejected_rows = stop - first, int(rejected[first:stop].sum())
        count = FileCount(
            raw.path,
            rows + raw.unreadable + raw.replaced,
            rows - rejected_rows,
            rejected_rows + raw.unreadable,
            errors,
            len(problems) - errors,
            raw.replaced,
        )
        events = typed.iloc[first:stop][~rejected[first:stop]].reset_index(drop=True)
        checked.append(_Checked(events, problems, count, ids.iloc[first:stop], known_lines[first:stop]))
    return checked


def final_dtypes(events: pd.DataFrame, registries: Registries) -> pd.DataFrame:
    """Categoricals for coded fields (in registry order), so filters and legends list every category; columns
    in schema order. Also types rows read back from the engine (any subset of the columns)."""
    categories = {
        "event_type": (list(registries.event_types.index), False),
        "initiator": (list(registries.actors.index), False),
        "counterpart": (list(registries.actors.index), False),
        "date_precision": (DATE_PRECISIONS, True),
        "location_precision": (LOCATION_PRECISIONS, True),
        "confidence": (CONFIDENCE_LEVELS, True),
    }
    for name, (values, ordered) in categories.items():
        if name in events:
            if name in ("initiator", "counterpart"):  # a dataset's own actors come after the registry's
                others = set(events[name].dropna().astype(str)) - set(values)
                values = [*values, *sorted(others)]
            events[name] = pd.Categorical(events[name], categories=values, ordered=ordered)
    for name in ("country", "weapon", "located_by", "record_file"):
        if name in events:
            events[name] = events[name].astype("category")
    ordered_names = [schema_field.name for schema_field in FIELDS]
    return events[[name for name in ordered_names if name in events] + [c for c in events if c not in ordered_names]]
