"""Browser tests: the app started as the README starts it, driven in headless Chromium, nothing leaving loopback.

Chromium is Debian's (``/usr/bin/chromium``, or ``$CHROMIUM_PATH``); Playwright's own browser download does
not work offline. Without Chromium these tests skip, except with ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, Route, expect

from browser_support import COUNT_SENT_MESSAGES, SLOW

REPO = Path(__file__).resolve().parents[2]
expect.set_options(timeout=SLOW * 1000)  # every expectation waits on its condition, generously on a busy machine
LOOPBACK = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/")


def chromium_path() -> str | None:
    candidates = [os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), "/usr/bin/chromium"]
    return next((path for path in candidates if path and Path(path).is_file()), None)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the group marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(item.fspath).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    path = chromium_path()
    if path is None:
        message = "Chromium not found (install Debian's chromium, or set CHROMIUM_PATH)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: browser tests must run in CI")
        pytest.skip(f"{message}: browser tests skipped")
    return {
        **browser_type_launch_args,
        "executable_path": path,
        "headless": True,
        "args": ["--disable-background-networking", "--disable-component-update", "--no-first-run"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1500, "height": 1000}}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    """Ask the health endpoint until it answers ``ok``; between tries, wait for the process to exit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        try:
            process.wait(timeout=0.3)
        except subprocess.TimeoutExpired:
            continue
        raise RuntimeError(f"the server exited with status {process.returncode}")
    raise RuntimeError(f"the server did not become healthy within {timeout:.0f} s")


@contextmanager
def streamlit_server(log_path: Path, data: Path | None = None, app_options: tuple[str, ...] = ()) -> Iterator[str]:
    """``streamlit run app.py`` on 127.0.0.1 at a free port, on ``data`` (``$DASHBOARD_DATA``) or else the
    bundled records, with ``app_options`` after ``--`` (``--edit``); yields its address, and stops this exact
    process at the end."""
    with streamlit_process(log_path, data, app_options) as (url, _):
        yield url


@contextmanager
def streamlit_process(
    log_path: Path, data: Path | None = None, app_options: tuple[str, ...] = ()
) -> Iterator[tuple[str, subprocess.Popen]]:
    """As `streamlit_server`, yielding the server's process too (for a test that kills it)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        *(["--", *app_options] if app_options else []),
    ]
    environment = {key: value for key, value in os.environ.items() if key != "DASHBOARD_DATA"}
    if data is not None:
        environment["DASHBOARD_DATA"] = str(data)
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=environment)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, process)
            yield url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def start_server(
    browser_type_launch_args: dict, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., str]]:
    """``start_server(data, *app_options)``: the address of the app on the records in ``data`` (passed as
    ``$DASHBOARD_DATA``; None for the bundled ones) with ``app_options`` (``"--edit"``), started on first use;
    every server started is stopped at the end."""
    running: dict[tuple, str] = {}
    with ExitStack() as servers:

        def start(data: Path | None = None, *app_options: str) -> str:
            if (data, app_options) not in running:
                log = tmp_path_factory.mktemp("server") / "streamlit.log"
                running[data, app_options] = servers.enter_context(streamlit_server(log, data, app_options))
            return running[data, app_options]

        yield start


@pytest.fixture(scope="session")
def own_server(browser_type_launch_args: dict) -> Callable[..., AbstractContextManager[tuple[str, subprocess.Popen]]]:
    """``with own_server(log, data, *app_options) as (url, process)``: a server for one test alone, with its
    process, for a test that stops it itself (`streamlit_process`)."""
    return lambda log, data=None, *app_options: streamlit_process(log, data, app_options)


@pytest.fixture(scope="session")
def server(start_server: Callable[..., str]) -> str:
    """The app on the bundled records."""
    return start_server(None)


@pytest.fixture
def app_url(server: str) -> str:
    """The address the ``app`` page opens: override it in a test module to drive a server on other records."""
    return server


@pytest.fixture
def app(page: Page, app_url: str) -> Iterator[Page]:
    """A page on the app that refuses, and records (``page.outside_requests``), every request that would leave
    loopback, and records (``page.dialogs``) and dismisses every dialog; fails at the end if a request left."""
    yield from guarded(page, app_url)


@pytest.fixture
def other_app(browser: Browser, browser_context_args: dict, app_url: str) -> Iterator[Page]:
    """A second browser session on the app (its own context: its own cookies and Streamlit session), guarded
    as `app` is."""
    context = browser.new_context(**browser_context_args)
    try:
        yield from guarded(context.new_page(), app_url)
    finally:
        context.close()


def guarded(tab: Page, app_url: str) -> Iterator[Page]:
    """The browser tab ``tab`` on ``app_url``, guarded as the `app` fixture says."""
    outside: list[str] = []
    dialogs: list[str] = []

    def refuse(route: Route) -> None:
        outside.append(route.request.url)
        route.abort()

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    tab.route(lambda url: not LOOPBACK.match(url) and not url.startswith(("data:", "blob:", "file:")), refuse)
    tab.on("dialog", dismiss)
    tab.add_init_script(COUNT_SENT_MESSAGES)  # lets a click tell whether it reached the app
    tab.set_default_timeout(SLOW * 1000)  # a busy machine makes every step slower; waits stay on conditions
    tab.base_url = app_url
    tab.outside_requests = outside
    tab.dialogs = dialogs
    yield tab
    assert outside == [], f"requests left the machine: {outside}"
