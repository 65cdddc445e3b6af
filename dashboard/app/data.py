"""The records shown by every session: loaded once per change of the files, shared read-only."""

from __future__ import annotations

import argparse
import functools
import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import settings
from dashboard.settings import DATASET_ENV, ENGINE_ENV, EngineSettings, SettingsError
from dashboard.sources.datapaths import DataPathError, data_paths, record_files
from dashboard.store import workspace
from dashboard.store.dataset import DatasetError
from dashboard.store.engine import EngineError
from dashboard.store.workspace import Workspace
from dashboard.views import text

log = logging.getLogger(__name__)


APP_OPTIONS = ("--data", "--dataset", "--engine", "--spark-master", "--edit")


@dataclass(frozen=True)
class OptionNote:
    """What the dashboard did not use on its command line: words, and commands or options shown as code."""

    parts: tuple[tuple[str, bool], ...]  # (text, whether it is a command or an option), read with spaces between

    @property
    def text(self) -> str:
        return " ".join(part for part, _ in self.parts)

    @property
    def markdown(self) -> str:
        return " ".join(text.code_span(part) if code else text.escape_markdown(part) for part, code in self.parts)


def _note(*parts: str | tuple[str]) -> OptionNote:
    """``_note(("--data",), "needs a value after it")``: a one-element tuple is a command or an option."""
    return OptionNote(tuple((part[0], True) if isinstance(part, tuple) else (part, False) for part in parts))


def _option_parser() -> argparse.ArgumentParser:
    # whole names only (--dat is not --data), and an error is raised to be named, not printed before an exit
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False, exit_on_error=False)
    parser.add_argument("--data", action="append", default=[])
    parser.add_argument("--dataset")
    parser.add_argument("--engine")
    parser.add_argument("--spark-master")
    parser.add_argument("--edit", action="store_true")
    return parser


def _app_arguments() -> list[str]:
    """What follows ``--`` in ``streamlit run app.py -- …``: Streamlit leaves it among the process's arguments,
    after the app's path. Under another program running the app (a test runner), the arguments are its own."""
    ctx = get_script_run_ctx()
    main = getattr(getattr(ctx, "pages_manager", None), "main_script_path", None)
    program, words = settings.command_line()
    if main and program and Path(program).name != Path(main).name:
        return []
    return words


def read_options(argv: list[str]) -> tuple[argparse.Namespace, list[OptionNote]]:
    """The app's options in ``argv``, and a note for each part of it the app does not use (unknown options,
    Streamlit's own given after ``--``, an option without its value)."""
    parser = _option_parser()
    notes: list[OptionNote] = []
    remaining = list(argv)
    while True:
        try:
            known, unknown = parser.parse_known_args(remaining)
            break
        except argparse.ArgumentError as error:  # "--data" at the end, "--edit=yes": that option is left out
            name = error.argument_name or ""
            if "expected one argument" in error.message:
                notes.append(_note((name,), "needs a value after it"))
            elif "ignored explicit argument" in error.message:
                notes.append(_note((name,), f"takes no value ({error.message.rsplit(' ', 1)[-1]})"))
            else:
                notes.append(_note((name,), error.message))
            left = [token for token in remaining if token.split("=", 1)[0] != name]
            if len(left) == len(remaining):  # nothing to leave out: none of the options is used
                notes.append(_note((" ".join(remaining),), "not read"))
                left = []
            remaining = left
    return known, notes + _unknown_option_notes(unknown)


def _unknown_option_notes(unknown: list[str]) -> list[OptionNote]:
    """``["--server.port", "8611", "--x"]`` → a note for ``--server.port 8611`` and one for ``--x``."""
    groups: list[list[str]] = []
    for token in unknown:
        if token.startswith("-") or not groups:
            groups.append([token])
        else:
            groups[-1].append(token)  # a value of the option before it
    notes = []
    for option, *values in groups:
        given = " ".join([option, *values])
        if re.fullmatch(r"--\w+\.\w+(=.*)?", option):  # --server.port, --theme.base: Streamlit's own
            command = f"python -m streamlit run app.py {given} -- --data PATH"
            notes.append(
                _note(
                    (given,),
                    "is an option of Streamlit. Streamlit's own options go before the",
                    ("--",),
                    "as in",
                    (command,),
                )
            )
        elif option.startswith("-"):
            options = ", ".join(APP_OPTIONS)
            notes.append(
                _note((given,), "is not an option of the dashboard, which takes", (options,), "after the", ("--",))
            )
        else:
            notes.append(_note((given,), "is a value without an option: record files are named with", ("--data PATH",)))
    return notes


def cli_options(argv: list[str] | None = None) -> argparse.Namespace:
    """``streamlit run app.py -- --data PATH [--data PATH] [--edit]`` or ``-- --dataset DIR [--engine spark]``."""
    return read_options(_app_arguments() if argv is None else argv)[0]


@functools.cache
def _say_on_terminal(notes: tuple[str, ...]) -> None:
    """Once per server and options: the terminal that started the dashboard reads what it ignored."""
    for note in notes:
        print(f"Conflict Event Dashboard: ignored on the command line: {text.terminal_safe(note)}", file=sys.stderr)


def name_ignored_options() -> None:
    """Say, on the page and on the terminal, which of the options after ``--`` the dashboard does not use."""
    notes = read_options(_app_arguments())[1]
    if notes:
        _say_on_terminal(tuple(note.text for note in notes))
        for note in notes:
            st.warning("Ignored on the command line: " + note.markdown)


@dataclass(frozen=True)
class Editing:
    """Where the Curate page may write: YAML record files among the paths the analyst named, and the named
    folders (for a new file). ``refusal`` says why editing is off, and how to turn it on."""

    files: tuple[Path, ...] = ()
    folders: tuple[Path, ...] = ()
    refusal: str | None = None


EDIT_HINT = "python -m streamlit run app.py -- --edit --data FOLDER_OR_FILE"


def editing(argv: list[str] | None = None) -> Editing:
    """Editing is on only with ``--edit``, for record files named with ``--data`` or ``$DASHBOARD_DATA``: the
    bundled data is written only when named."""
    options = cli_options(argv)
    if not options.edit:
        return Editing(refusal=f"Editing is off. To add and change records, start the dashboard with `{EDIT_HINT}`.")
    given = settings.current()
    if options.dataset or given.dataset:
        return Editing(
            refusal="A prepared dataset is shown: edit the record files it was made from, then run `ingest` again."
        )
    if not options.data and not given.data:
        return Editing(
            refusal="No record files are named: the bundled data is written only when named. Name your files or"
            f" folder: `{EDIT_HINT}`."
        )
    try:
        paths = data_paths(options.data or None)
        files = tuple(path for path in record_files(paths) if path.suffix.lower() in (".yaml", ".yml"))
    except DataPathError as error:
        return Editing(refusal=f"The named record files cannot be read: {error}")
    folders = tuple(path for path in paths if path.is_dir())
    if not files and not folders:
        return Editing(refusal="None of the named paths is a YAML record file or a folder to make one in.")
    return Editing(files, folders)


def _files_stamp(paths: list[Path]) -> tuple:
    """Names, sizes and modification times of the record files: a change reloads the data. Names as bytes: a
    name that is not UTF-8 cannot be hashed as text."""
    stamp = []
    for path in record_files(paths):
        status = path.stat()
        stamp.append((os.fsencode(path), status.st_size, status.st_mtime_ns))
    return tuple(stamp)


@st.cache_resource(show_spinner="Loading event records…", max_entries=4)
def _load(paths: tuple[bytes, ...], stamp: tuple) -> Workspace:
    return workspace.open_records([Path(os.fsdecode(path)) for path in paths])


@st.cache_resource(show_spinner="Opening the dataset…", max_entries=2)
def _open_dataset(engine: EngineSettings, stamp: int) -> Workspace:
    return workspace.open_ingested(engine)


def load_data() -> Workspace:
    """The dataset named by ``--dataset``/``$DASHBOARD_DATASET`` on its engine, else the records named by
    ``--data``/``$DASHBOARD_DATA`` (else the bundled ones); loaded once per change of the files. Options after
    ``--`` that the dashboard does not use are named first."""
    name_ignored_options()
    options = cli_options()
    try:
        wanted = workspace.request(
            settings.current(), options.data, options.engine, options.dataset, options.spark_master
        )
        if wanted.engine.dataset is not None:
            description = wanted.engine.dataset / "dataset.json"
            return _open_dataset(wanted.engine, description.stat().st_mtime_ns if description.exists() else 0)
        paths = wanted.paths
        return _load(tuple(os.fsencode(path) for path in paths), _files_stamp(paths))
    except (SettingsError, DatasetError, EngineError) as error:
        st.error(f"**The event dataset cannot be opened.** {text.escape_markdown(error)}")
        st.info(f"Check `--dataset DIR` / `{DATASET_ENV}` and `--engine` / `{ENGINE_ENV}`, or unset them.")
    except DataPathError as error:
        st.error(f"**The event records cannot be read.** {text.escape_markdown(error)}")
        st.info("Name record files or folders with `--data PATH` or the `DASHBOARD_DATA` environment variable.")
    except Exception as error:  # the loader reports bad data as problems; this is a defect of ours
        log.exception("loading the records failed")
        st.error(
            "**The event records could not be loaded** because of an internal error"
            f" ({text.escape_markdown(f'{type(error).__name__}: {error}')}). The server log has the details."
        )
    st.stop()
    raise AssertionError("unreachable: st.stop() ends the run")
