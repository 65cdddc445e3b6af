"""The records shown by every session: loaded once per change of the files, shared read-only."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.records.datapaths import DataPathError, data_paths, describe_paths, record_files
from dashboard.records.loader import LoadResult, load_events
from dashboard.records.registries import Registries, load_registries
from dashboard.store import filters as flt
from dashboard.views import text

log = logging.getLogger(__name__)


@dataclass
class Data:
    """Everything loaded once and shared by all sessions (never modified after loading)."""

    result: LoadResult
    registries: Registries
    search: pd.Series
    described_as: str

    @property
    def events(self) -> pd.DataFrame:
        return self.result.events


def cli_data_paths(argv: list[str] | None = None) -> list[str]:
    """``streamlit run app.py -- --data PATH [--data PATH]``: the paths named after ``--``."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--data", action="append", default=[])
    known, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    return known.data


def _files_stamp(paths: list[Path]) -> tuple:
    """Names, sizes and modification times of the record files: a change reloads the data. Names as bytes: a
    name that is not UTF-8 cannot be hashed as text."""
    stamp = []
    for path in record_files(paths):
        status = path.stat()
        stamp.append((os.fsencode(path), status.st_size, status.st_mtime_ns))
    return tuple(stamp)


@st.cache_resource(show_spinner="Loading event records…", max_entries=4)
def _load(paths: tuple[bytes, ...], stamp: tuple) -> Data:
    registries = load_registries()
    named = [Path(os.fsdecode(path)) for path in paths]
    result = load_events(named, registries)
    return Data(result, registries, flt.search_index(result.events), describe_paths(named))


def load_data() -> Data:
    """The records named by ``--data``/``$DASHBOARD_DATA`` (else the bundled ones), loaded once per change."""
    paths = data_paths(cli_data_paths() or None)
    try:
        return _load(tuple(os.fsencode(path) for path in paths), _files_stamp(paths))
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
