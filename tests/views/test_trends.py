"""Change against a baseline: the change levels, the engine's counts, the files and the command."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dashboard.cli import main
from dashboard.exports import trendfiles
from dashboard.exports.datafiles import ExportContext
from dashboard.loading.loader import load_events
from dashboard.model.synthetic import synthetic_frame, write_csv
from dashboard.store import queries
from dashboard.store.engine import store_from_frame
from dashboard.store.filters import Filters
from dashboard.store.selection import Selection
from dashboard.views import params, trends
from dashboard.views.trends import LARGE_DECREASE, LARGE_INCREASE, LIMITED, MODERATE_INCREASE, TrendOptions


@pytest.fixture(scope="module")
def curated(bundled, registries) -> Selection:
    return Selection.of_frame(bundled.events, registries)


@pytest.mark.parametrize(
    ("latest", "average", "level", "low"),
    [
        (3, 1.0, LIMITED, True),  # 1 -> 3 is +200%, but on a low baseline
        (5, 2.0, LIMITED, True),
        (6, 2.0, LARGE_INCREASE, False),  # more than five in the latest period: the rule no longer applies
        (3, 2.5, MODERATE_INCREASE, False),  # +20% on an average above 2: the low-baseline rule does not apply
        (11, 10.0, LIMITED, False),  # +10% exactly: limited change
        (11.5, 10.0, MODERATE_INCREASE, False),
        (12.5, 10.0, MODERATE_INCREASE, False),  # +25% exactly: moderate
        (12.6, 10.0, LARGE_INCREASE, False),
        (7.5, 10.0, LIMITED, False),  # -25% exactly: limited change
        (7.4, 10.0, LARGE_DECREASE, False),
        (0, 3.0, LARGE_DECREASE, False),
        (6, 0.0, LARGE_INCREASE, False),  # from nothing to six
    ],
)
def test_change_levels_follow_the_trendfinder_thresholds(latest, average, level, low) -> None:
    assert trends.level_of(latest, average) == (level, low)


def counts(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["period", "category", "events", "fatalities"])
    frame["period"] = pd.to_datetime(frame["period"])
    return frame


def test_the_baseline_average_counts_empty_periods_as_zero(registries) -> None:
    data = counts([("2024-01-01", "russia", 12, 0), ("2024-04-01", "russia", 10, 4), ("2024-04-01", "iran", 1, 0)])
    result = trends.compute_trends(
        data, TrendOptions(per="month", baseline=3), registries, pd.Timestamp("2023-06-01"), pd.Timestamp("2024-04-30")
    )
    russia = result.table.set_index("category").loc["russia"]
    assert russia["baseline_average"] == pytest.approx(4.0)  # 12, 0, 0 over January to March
    assert russia["latest"] == 10 and russia["change_percent"] == 150.0 and russia["level"] == LARGE_INCREASE
    assert result.compared == "2024-04 against the average of 2024-01 to 2024-03 (3 months)"
    assert list(result.table["category"]) == ["russia", "iran"]  # the biggest change first
    assert result.notes == []


def test_the_page_warns_of_a_baseline_before_the_data_and_an_incomplete_latest_period(registries) -> None:
    data = counts([("2024-03-01", "russia", 2, 0), ("2024-04-01", "russia", 9, 0)])
    result = trends.compute_trends(
        data, TrendOptions(per="month", baseline=6), registries, pd.Timestamp("2024-03-05"), pd.Timestamp("2024-04-11")
    )
    assert "before the first event of these filters (2024-03)" in result.notes[0]
    assert "runs to 2024-04-30; the data's last event is on 2024-04-11" in result.notes[1]


def test_the_curated_records_show_russia_rising_in_october_2024(curated) -> None:
    result = trends.trends_of(curated, TrendOptions(), curated.last_start)
    top = result.table.iloc[0]
    assert (top["name"], top["latest"], top["baseline_average"], top["level"]) == ("Russia", 6, 1.0, LARGE_INCREASE)
    assert result.compared == "2024-10 against the average of 2023-10 to 2024-09 (12 months)"
    north_korea = result.table.set_index("name").loc["North Korea"]
    assert north_korea["level"] == LIMITED and north_korea["low_baseline"]


def test_an_actor_gone_quiet_is_compared_in_the_datas_latest_period(curated, registries) -> None:
    china = Selection.of(store_from_frame(curated.rows(), registries), Filters(actors=("china",)))
    result = trends.trends_of(china, TrendOptions(by="actor"), curated.last_start)
    assert result.latest_start == pd.Timestamp("2024-10-01")  # not the month of China's own last event
    assert result.table.set_index("category").loc["china", "latest"] == 0


def test_a_chosen_latest_period_leaves_later_events_out(curated) -> None:
    result = trends.trends_of(
        curated, TrendOptions(by="type", per="quarter", baseline=2, latest=date(2024, 3, 5)), curated.last_start
    )
    assert result.compared == "2024-Q1 against the average of 2023-Q3 to 2023-Q4 (2 quarters)"
    assert result.series["period"].max() == pd.Timestamp("2024-01-01")


def test_engine_counts_agree_with_a_count_event_by_event(tmp_path: Path, registries) -> None:
    path = tmp_path / "events.csv"
    write_csv(synthetic_frame(3_000, seed=11), path)
    events = load_events([path], registries).events
    selection = Selection.of_frame(events, registries)
    month = events["date_start"].dt.to_period("M").dt.start_time
    fatalities = events["killed_best"].fillna(0)
    for by, keys in (("type", events["event_type"]), ("country", events["country"])):
        expected = (
            pd.DataFrame({"period": month, "category": keys, "events": 1, "fatalities": fatalities})
            .dropna(subset=["category"])
            .groupby(["period", "category"], as_index=False)
            .sum()
        )
        got = queries.trend_counts(selection.table, by, "month")
        merged = got.merge(expected, on=["period", "category"], suffixes=("", "_expected"), how="outer")
        assert (merged["events"] == merged["events_expected"]).all(), by
        assert (merged["fatalities"] - merged["fatalities_expected"]).abs().max() < 1e-6, by
    per_actor: dict[tuple, list[float]] = {}
    for event, start, killed in zip(events.itertuples(), month, fatalities, strict=True):
        actors = {a for a in (event.initiator, event.counterpart) if isinstance(a, str)} | set(event.associated_actors)
        for actor in actors:
            totals = per_actor.setdefault((start, actor), [0, 0.0])
            totals[0] += 1
            totals[1] += killed
    got = queries.trend_counts(selection.table, "actor", "month").set_index(["period", "category"])
    assert len(got) == len(per_actor)
    for key, (events_count, killed) in per_actor.items():
        assert got.loc[key, "events"] == events_count
        assert got.loc[key, "fatalities"] == pytest.approx(killed)


def test_fatalities_are_compared_when_asked(curated) -> None:
    options = TrendOptions(by="type", per="quarter", baseline=4, measure="fatalities")
    result = trends.trends_of(curated, options, curated.last_start)
    assert set(result.table["category"]) >= {"strike"}
    assert result.table["latest"].sum() + result.series["value"].sum() > 0


def dataset_actor_trends(name: str, registries) -> trends.Trends:
    """Trends of one actor of an imported dataset (its name is its id, any text)."""
    data = counts([("2024-04-01", name, 3, 0), ("2024-05-01", name, 9, 1)])
    start, end = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-05-20")
    return trends.compute_trends(data, TrendOptions(per="month", baseline=3), registries, start, end)


def test_the_table_files_open_cleanly_and_neutralise_formulas(registries) -> None:
    hostile = '=HYPERLINK("http://x")'
    result = dataset_actor_trends(hostile, registries)
    rows = list(csv.DictReader(io.StringIO(trendfiles.trends_csv(result).decode("utf-8-sig"))))
    names = {row["name"] for row in rows}
    assert "'" + hostile in names and hostile not in names
    document = json.loads(trendfiles.trends_json(result, ExportContext("caption", "test")))
    assert document["options"]["by"] == "actor" and document["rule"].startswith("Change levels")
    assert {row["name"] for row in document["rows"]} >= {hostile}  # JSON keeps the text as it is


def test_the_chart_escapes_names_and_marks_the_latest_period(registries) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    result = dataset_actor_trends(hostile, registries)
    figure = trends.trend_figure(result, result.table["category"].iloc[0])
    assert "<img" not in figure.layout.title.text and "&lt;img" in figure.layout.title.text
    assert figure.data[-1].name.startswith("latest:")


def test_the_country_filter_reads_names_and_codes(registries) -> None:
    view, notes = params.read_view({"country": ["Russia", "ukr", "Narnia"]}, registries)
    assert view.filters.countries == ("RUS", "UKR")
    assert notes == ["unknown country 'Narnia'"]


def test_the_trends_command_prints_and_writes(tmp_path: Path, capsys) -> None:
    assert main(["trends", "--format", "csv", "--by", "type", "--country", "Russia"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("dimension,category,name,measure,latest,baseline_average")
    assert all(line.split(",")[0] == "type" for line in out[1:])
    target = tmp_path / "trends.json"
    assert main(["trends", "--format", "json", "--out", str(target)]) == 0
    assert json.loads(target.read_text(encoding="utf-8"))["rows"][0]["name"] == "Russia"
    assert main(["trends", "--format", "json", "--out", str(target)]) == 2  # no silent overwrite
    assert "exists" in capsys.readouterr().err
    assert main(["trends", "--format", "json", "--out", str(target), "--force"]) == 0
    for bad in (["--baseline", "0"], ["--latest", "2024-13-01"], ["--actor", "Atlantis"], ["--per", "day"]):
        assert main(["trends", "--format", "csv", *bad]) == 2, bad
