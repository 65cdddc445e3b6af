"""Shared fixtures: the registries, the bundled records loaded once, a checked loader, and AppTest set up as a real
server runs."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from dashboard.loading.loader import LoadResult, load_events
from dashboard.model.registries import Registries, load_registries

# Validated data is cached per user; tests (and the servers they start) keep theirs in a folder of their own, one
# for each worker process when the suite runs in parallel (a worker inherits the folder chosen before it started).
_cache = os.environ.get("DASHBOARD_CACHE") or tempfile.mkdtemp(prefix="dashboard-test-cache-")
if os.environ.get("PYTEST_XDIST_WORKER"):
    _cache = os.path.join(_cache, os.environ["PYTEST_XDIST_WORKER"])
    os.makedirs(_cache, exist_ok=True)
os.environ["DASHBOARD_CACHE"] = _cache


@pytest.fixture(scope="session")
def registries() -> Registries:
    return load_registries()


@pytest.fixture(scope="session")
def bundled(registries: Registries) -> LoadResult:
    """The bundled records, loaded once per test process: tests read it and never change it."""
    return load_events(registries=registries)


@pytest.fixture(scope="session")
def curated(bundled: LoadResult) -> pd.DataFrame:
    """The bundled records' events (read-only, shared by every test of the process)."""
    return bundled.events


@pytest.fixture
def load(registries: Registries):
    """``load(path, ...)`` runs the loader and checks the invariant every result must keep."""

    def run(*paths: Path) -> LoadResult:
        result = load_events(list(paths), registries)
        assert result.read == result.loaded + result.rejected
        return result

    return run


@pytest.fixture(autouse=True, scope="session")
def _apptest_runs_the_entry_script_every_time():
    """AppTest re-detects the legacy ``pages/`` folder on every run and then runs the last page without the
    entry script. A real server switches that detection off for good once ``st.navigation`` is called (and
    `dashboard.app.sidebar.current_view` does so on a first request to a page address); do the same here."""
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.pages_manager import PagesManager

    class NavigationPagesManager(PagesManager):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False

    original = app_test.PagesManager
    app_test.PagesManager = NavigationPagesManager
    yield
    app_test.PagesManager = original


@pytest.fixture(params=["libyaml", "pure-python"])
def yaml_parser(request, monkeypatch) -> str:
    """Run a test with each YAML parser PyYAML may bring: libyaml's (whose own limits change between releases:
    0.2.6 refuses 1,000 levels of nesting itself) and the pure-Python one (no limit of its own, as libyaml
    before 0.2.6). The loader's rules and messages must not depend on which one reads the file."""
    import yaml

    from dashboard.safeio import safeyaml

    if request.param == "libyaml":
        if not getattr(yaml, "__with_libyaml__", False):
            pytest.skip("this PyYAML has no libyaml parser")
        base = yaml.CSafeLoader
    else:
        base = yaml.SafeLoader
    monkeypatch.setattr(safeyaml, "_BaseLoader", base)
    monkeypatch.setattr(safeyaml, "_NoAliasLoader", safeyaml._safe_loader(base))
    return request.param


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With ``--dist loadgroup``, tests marked ``xdist_group(name)`` run on one worker, one after another.
    pytest-xdist 3.8 names the group by suffixing ``item._nodeid``, which pytest 9.2 no longer reads (a node's
    address is ``item._id``); add the suffix where pytest-xdist's could not, so the groups hold either way."""
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import coerce_node_id

    for item in items:
        groups = sorted(
            {
                str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                for mark in item.iter_markers("xdist_group")
            }
        )
        suffix = "@" + "_".join(groups)
        if groups and not item.nodeid.endswith(suffix):
            item._id = coerce_node_id(item.nodeid + suffix)
