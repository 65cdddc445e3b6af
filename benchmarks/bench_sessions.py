"""Time for 20 browser sessions opened at once, each with its own filters in the address, to show their view.

    python benchmarks/bench_sessions.py [--sessions N] [--runs R] [--page /events]

Starts the app as the browser tests do (``streamlit run app.py`` on a free loopback port, headless) and opens
N sessions at once in one headless Chromium (a browser context each, so nothing is shared but the server).
Each address holds different filters (actors, types, dates, search words); a session has rendered when its
caption shows, and every caption must be the one the package computes for those filters (loader, address
parameters, filters). Prints the median of R runs of all N sessions at once, against one session alone
measured in the same run, and the median and slowest session within the concurrent runs.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
from playwright.async_api import Browser, async_playwright

from dashboard.loading.loader import load_events
from dashboard.model.registries import Registries, load_registries
from dashboard.sources.datapaths import BUNDLED_EVENTS_DIR
from dashboard.store import filters as flt
from dashboard.store.engine import EventStore, store_from_frame
from dashboard.store.selection import Selection
from dashboard.views.params import parse_query, view_from_params

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CAPTION = "[data-testid='stMain'] [data-testid='stCaptionContainer']"
TIMEOUT_MS = 300_000
DATE_RANGES = [None, ("2024-01-01", "2024-12-31"), ("2024-06-01", "2024-10-31"), ("2023-01-01", "2024-06-30")]
SEARCH_WORDS = [None, "drone", "missile", "border"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1"]
    command += ["--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    environment = {key: value for key, value in os.environ.items() if key != "DASHBOARD_DATA"}
    with log.open("w") as output:
        return subprocess.Popen(command, cwd=REPO, stdout=output, stderr=subprocess.STDOUT, env=environment)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``), to tell server work from browser work."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def browser_cpu_seconds() -> float:
    """CPU time so far of every Chromium process on the machine (the renderers that draw the sessions)."""
    total = 0.0
    for process in Path("/proc").iterdir():
        try:
            if process.name.isdigit() and b"chrom" in (process / "cmdline").read_bytes():
                total += cpu_seconds(int(process.name))
        except (OSError, ValueError, IndexError):
            continue  # the process ended while we looked
    return total


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        try:
            process.wait(timeout=0.3)  # the pace of the polls, and the check that the server is still up
        except subprocess.TimeoutExpired:
            continue
        raise RuntimeError(f"the server exited with status {process.returncode}")
    raise RuntimeError(f"the server did not become healthy within {timeout:.0f} s")


_STORES: dict[int, EventStore] = {}


def matches(query: str, events: pd.DataFrame, registries: Registries) -> tuple[flt.Filters, pd.DataFrame]:
    """The filters of an address and the events they match, as the engine finds them."""
    filters = view_from_params(parse_query(query), registries).filters
    if id(events) not in _STORES:
        _STORES[id(events)] = store_from_frame(events, registries)
    return filters, Selection.of(_STORES[id(events)], filters).rows()


def expected_caption(query: str, events: pd.DataFrame, registries: Registries) -> str:
    """The caption the app must show for this address: computed by the package, not by the page."""
    filters, shown = matches(query, events, registries)
    return flt.caption(filters, len(shown), len(events), registries)


def session_queries(count: int, events: pd.DataFrame, registries: Registries) -> list[str]:
    """``count`` different filter combinations, each of two filters or more that some event matches, as
    address queries (names as the sidebar shows them)."""
    actors = [None, *(registries.actor_name(actor) for actor in ("russia", "iran", "north_korea", "ukraine"))]
    types = [None, *(registries.event_type_label(kind) for kind in ("strike", "depot_hit", "arms_transfer"))]
    queries = []
    for actor, kind, dates, words in itertools.product(actors, types, DATE_RANGES, SEARCH_WORDS):
        params: list[tuple[str, str]] = [("actor", actor)] if actor else []
        params += [("type", kind)] if kind else []
        params += [("dates", day) for day in dates] if dates else []
        params += [("q", words)] if words else []
        query = urlencode(params)
        filters = sum(value is not None for value in (actor, kind, dates, words))
        if filters >= 2 and not matches(query, events, registries)[1].empty:
            queries.append(query)
    step = max(len(queries) // count, 1)
    return queries[::step][:count]


async def open_sessions(
    browser: Browser, url: str, page: str, queries: list[str], expected: dict[str, str]
) -> tuple[list[float], float]:
    """Open one session per query at the same moment: the seconds until each showed its expected caption, and
    the browser's CPU seconds meanwhile (read before the sessions' renderer processes close)."""
    cpu_before = browser_cpu_seconds()
    contexts = [await browser.new_context(viewport={"width": 1500, "height": 1000}) for _ in queries]
    pages = [await context.new_page() for context in contexts]

    async def one(tab, query: str, started: float) -> float:
        await tab.goto(f"{url}{page}?{query}", wait_until="commit", timeout=TIMEOUT_MS)
        try:
            await tab.wait_for_function(
                """([selector, wanted]) => {
                    const caption = document.querySelector(selector);
                    return caption !== null && caption.textContent.replaceAll('\\u2060', '').trim() === wanted;
                }""",
                arg=[CAPTION, expected[query]],
                timeout=TIMEOUT_MS,
                polling="raf",
            )
        except Exception:
            shown = await tab.locator(CAPTION).all_text_contents()  # no wait: whatever the page shows now
            raise AssertionError(f"?{query}: captions {shown!r}, expected {expected[query]!r}") from None
        return time.perf_counter() - started

    try:
        started = time.perf_counter()
        times = await asyncio.gather(*(one(tab, query, started) for tab, query in zip(pages, queries, strict=True)))
        return list(times), browser_cpu_seconds() - cpu_before
    finally:
        for context in contexts:
            await context.close()


async def bench(url: str, server: int, page: str, queries: list[str], expected: dict[str, str], runs: int) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--disable-background-networking", "--disable-component-update", "--no-first-run"],
        )
        await open_sessions(browser, url, page, queries, expected)  # warm the server's caches and the browser
        alone, together, sessions, server_alone, server_cpu, renderer_cpu = [], [], [], [], [], []
        for run in range(runs):
            before = cpu_seconds(server)
            alone.append(max((await open_sessions(browser, url, page, [queries[run % len(queries)]], expected))[0]))
            server_alone.append(cpu_seconds(server) - before)
            before = cpu_seconds(server)
            times, browser_cpu = await open_sessions(browser, url, page, queries, expected)
            server_cpu.append(cpu_seconds(server) - before)
            renderer_cpu.append(browser_cpu)
            together.append(max(times))
            sessions += times
        await browser.close()
    one, many = statistics.median(alone), statistics.median(together)
    print(f"{page}: median of {runs} runs; every caption matched the filters in its address")
    print(f"  1 session alone (baseline)        {one:6.2f} s")
    print(f"  {len(queries):2} sessions at once, all rendered {many:6.2f} s   ({many / one:4.1f}x baseline)")
    middle, slowest = statistics.median(sessions), max(sessions)
    print(f"  each session in those runs        median {middle:6.2f} s, slowest {slowest:6.2f} s")
    print(f"  server CPU time, 1 session alone  {statistics.median(server_alone):6.2f} s")
    print(f"  server CPU time, {len(queries):2} at once      {statistics.median(server_cpu):6.2f} s")
    print(
        f"  browser CPU time, {len(queries):2} at once     {statistics.median(renderer_cpu):6.2f} s (one headless"
        " Chromium: renderers, GPU and browser processes, on the server's CPUs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--page", default="/", help="the page every session opens: /, /map, /events, ...")
    args = parser.parse_args()
    registries = load_registries()
    events = load_events([BUNDLED_EVENTS_DIR], registries).events  # what the server reads without $DASHBOARD_DATA
    queries = session_queries(args.sessions, events, registries)
    assert len(set(queries)) == args.sessions, f"only {len(set(queries))} different filter combinations"
    expected = {query: expected_caption(query, events, registries) for query in queries}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        server = start_server(port, Path(folder) / "streamlit.log")
        try:
            wait_healthy(url, server)
            print(f"{len(events)} events; {args.sessions} sessions, e.g. ?{queries[0]} → {expected[queries[0]]!r}")
            asyncio.run(bench(url, server.pid, args.page, queries, expected, args.runs))
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


if __name__ == "__main__":
    main()
