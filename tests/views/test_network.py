"""The actor network: ties from the engine, the graph, its layout, measures, period comparison and figure."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.exports import images
from dashboard.exports.datafiles import ExportContext
from dashboard.loading.columns import COLUMNS
from dashboard.loading.loader import load_events
from dashboard.model.registries import OTHER_TIE, TIE_KINDS, default_registry_dir, load_registries
from dashboard.model.synthetic import synthetic_frame, write_csv
from dashboard.store import queries
from dashboard.store.engine import store_from_frame
from dashboard.store.filters import Filters
from dashboard.store.selection import Selection
from dashboard.views import network, params, tables

TIE_KEYS = ["source", "target", "role", "event_type"]


@pytest.fixture(scope="module")
def curated(bundled, registries) -> Selection:
    return Selection.of(store_from_frame(bundled.events, registries), Filters())


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory, registries) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("synthetic") / "events.csv"
    frame = synthetic_frame(3_000, seed=11)
    frame.loc[::7, "associated_actors"] = ""  # some events without associated actors
    frame.loc[::5, "associated_actors"] = "ukraine;russia;ukraine"  # one listed twice
    write_csv(frame, path)
    result = load_events([path], registries)
    assert result.loaded == 3_000
    return result.events


def ties_frame(rows: list[tuple]) -> pd.DataFrame:
    """Ties as `queries.actor_ties` returns them, from (source, target, role, event_type, events) rows."""
    frame = pd.DataFrame(rows, columns=[*TIE_KEYS, "events"])
    frame["first"] = pd.Timestamp("2024-01-01")
    frame["last"] = pd.Timestamp("2024-03-01")
    return frame


# --- the registry ---------------------------------------------------------------------------------------


def test_every_event_type_says_how_it_ties_its_actors(registries) -> None:
    ties = registries.type_ties
    assert set(ties) == set(registries.event_types.index)
    assert set(ties.values()) <= {*TIE_KINDS, OTHER_TIE}
    assert [ties[kind] for kind in ("arms_transfer", "troop_deployment", "training")] == ["supplies"] * 3
    assert {ties[kind] for kind in ("strike", "depot_hit", "battle", "shelling", "air_drone_strike")} == {"fights"}
    assert (ties["diplomatic"], ties["statement"], ties["policy"]) == ("meets", "says", "says")
    assert registries.event_type_tie("no-such-type") == OTHER_TIE


def test_a_missing_tie_is_other_and_an_unknown_one_is_a_registry_problem(tmp_path: Path) -> None:
    folder = tmp_path / "registries"
    shutil.copytree(default_registry_dir(), folder)
    path = folder / "event_types.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("  tie: fights\n", "  tie: hugs\n", 1).replace("  tie: meets\n", "", 1)
    path.write_text(text, encoding="utf-8")
    registries = load_registries(folder)
    [problem] = [problem for problem in registries.problems if problem.field == "tie"]
    assert problem.record_id == "strike" and "must be one of supplies, fights, meets, says, other" in problem.message
    assert registries.event_type_tie("strike") == OTHER_TIE  # the unknown value counts as other
    assert registries.event_type_tie("diplomatic") == OTHER_TIE  # no tie: other


# --- the query ------------------------------------------------------------------------------------------


def reference_ties(events: pd.DataFrame, split: date | None = None) -> pd.DataFrame:
    """The ties, computed event by event in plain Python."""
    found: dict[tuple, list] = {}
    for event in events.itertuples():
        initiator, counterpart = event.initiator, event.counterpart
        if not isinstance(initiator, str):
            continue
        targets = []
        if isinstance(counterpart, str) and counterpart != initiator:
            targets.append((counterpart, "counterpart"))
        for actor in dict.fromkeys(event.associated_actors):
            if actor != initiator and actor != counterpart:
                targets.append((actor, "associated"))
        for target, role in targets:
            key = (initiator, target, role, event.event_type)
            if split is not None:
                key = (event.date_start >= pd.Timestamp(split), *key)
            count, first, last = found.get(key, (0, event.date_start, event.date_start))
            found[key] = [count + 1, min(first, event.date_start), max(last, event.date_start)]
    keys = TIE_KEYS if split is None else ["later", *TIE_KEYS]
    rows = [(*key, *value) for key, value in sorted(found.items())]
    frame = pd.DataFrame(rows, columns=[*keys, "events", "first", "last"])
    frame["events"] = frame["events"].astype("int64")
    return frame


@pytest.mark.parametrize("split", [None, date(2024, 1, 1)])
def test_the_ties_query_agrees_with_a_plain_computation(synthetic, registries, split) -> None:
    store = store_from_frame(synthetic, registries)
    found = queries.actor_ties(store.table, split)
    expected = reference_ties(synthetic, split)
    keys = list(expected.columns[:-3])
    found = found.sort_values(keys).reset_index(drop=True)
    expected = expected.sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(found, expected[found.columns], check_dtype=False)
    assert found["events"].dtype == "int64" and str(found["first"].dtype) == "datetime64[us]"


@pytest.mark.parametrize("split", [date(2023, 1, 1), date(2024, 1, 1), date(2030, 1, 1)])
def test_the_ties_of_both_periods_together_are_the_ties_without_a_split(synthetic, registries, split) -> None:
    store = store_from_frame(synthetic, registries)
    together = network.whole_period(queries.actor_ties(store.table, split))
    pd.testing.assert_frame_equal(together, queries.actor_ties(store.table))


def test_the_events_of_one_tie_are_those_it_counts(synthetic, registries) -> None:
    store = store_from_frame(synthetic, registries)
    ties = queries.actor_ties(store.table).groupby(["source", "target", "role"])["events"].sum()
    for (source, target, role), count in list(ties.items())[:6]:
        events = queries.tie_events(store.table, registries, source, target, role, 10_000)
        assert len(events) == count
        assert (events["initiator"] == source).all()
        assert events["date_start"].is_monotonic_decreasing
    assert queries.tie_events(store.table, registries, "russia", "russia", "counterpart", 10).empty
    source, target, role = next(iter(ties.index))
    few = queries.tie_events(store.table, registries, source, target, role, 50, network.TIE_EVENT_COLUMNS)
    assert list(few.columns) == [name for name in COLUMNS if name in network.TIE_EVENT_COLUMNS]
    table = tables.events_table(few, registries)  # all the page's table needs
    assert len(table) == 50 and table["Actors"].str.startswith(registries.actor_name(source)).all()


def test_the_selection_remembers_its_ties(curated) -> None:
    assert curated.actor_ties() is curated.actor_ties()
    split = curated.actor_ties_split(date(2024, 6, 1))
    assert split is curated.actor_ties_split(date(2024, 6, 1))
    assert split["events"].sum() == curated.actor_ties()["events"].sum()


# --- the graph ------------------------------------------------------------------------------------------


def test_north_korea_supplies_russia_in_the_curated_records(curated, registries) -> None:
    ties = curated.actor_ties()
    transfers = ties[
        (ties["source"] == "north_korea") & (ties["target"] == "russia") & (ties["event_type"] == "arms_transfer")
    ]
    assert transfers[["role", "events"]].to_dict("records") == [{"role": "counterpart", "events": 4}]
    graph = network.build_network(ties, registries)
    edge = graph.edges.set_index(["source", "target", "role"]).loc[("north_korea", "russia", "counterpart")]
    assert (edge["events"], edge["kind"]) == (7, "supplies")  # 4 transfers, 1 deployment, a summit, a message
    assert edge["types"].startswith("Arms transfer 4 · ")
    assert (edge["first"], edge["last"]) == (pd.Timestamp("2023-09-07"), pd.Timestamp("2024-10-08"))


def test_associated_actors_are_tied_to_the_initiator(curated, registries) -> None:
    edges = network.build_network(curated.actor_ties(), registries).edges.set_index(["source", "target", "role"])
    associated = edges.loc[("ukraine", "north_korea", "associated")]  # depot strikes "with" North Korean shells
    assert (associated["events"], associated["kind"]) == (3, "fights")
    assert ("turkmenistan", "russia", "associated") not in edges.index  # from initiator to associated only
    assert edges.loc[("russia", "turkmenistan", "associated"), "kind"] == "meets"


def test_the_dominant_kind_has_most_events_and_a_draw_goes_to_the_first_kind(registries) -> None:
    ties = ties_frame(
        [
            ("a", "b", "counterpart", "statement", 3),
            ("a", "b", "counterpart", "strike", 2),
            ("a", "b", "counterpart", "depot_hit", 2),  # fights: 4 against says: 3
            ("c", "d", "counterpart", "statement", 1),
            ("c", "d", "counterpart", "arms_transfer", 1),  # a draw: supplies comes before says
            ("e", "f", "associated", "strategic_development", 1),
        ]
    )
    kinds = network.edges_from_ties(ties, registries).set_index(["source", "target"])["kind"]
    assert kinds.to_dict() == {("a", "b"): "fights", ("c", "d"): "supplies", ("e", "f"): OTHER_TIE}


def test_the_same_ties_give_the_same_picture(curated, registries) -> None:
    first = network.build_network(curated.actor_ties(), registries)
    second = network.build_network(curated.actor_ties().sample(frac=1, random_state=3), registries)
    pd.testing.assert_frame_equal(first.nodes, second.nodes)
    drawn = [network.network_figure(graph, registries).to_json() for graph in (first, second)]
    assert drawn[0] == drawn[1]
    positions = first.nodes[["x", "y"]]
    assert (positions.round(4) == positions).all().all()
    assert positions["x"].between(-network.ASPECT, network.ASPECT).all() and positions["y"].between(-1, 1).all()


def many_actors(count: int) -> pd.DataFrame:
    """Ties of ``count`` actors: actor 0 tied to every other, actor i to i + 1, fewer events the later."""
    rows = [(f"actor {0:02}", f"actor {i:02}", "counterpart", "strike", count - i + 1) for i in range(1, count)]
    rows += [(f"actor {i:02}", f"actor {i + 1:02}", "associated", "training", 1) for i in range(1, count - 1)]
    return ties_frame(rows)


def test_at_most_fifty_actors_are_drawn_and_the_rest_named_as_left_out(registries) -> None:
    graph = network.build_network(many_actors(60), registries)
    assert len(graph.nodes) == network.MAX_ACTORS == 50
    assert (graph.actors_total, graph.actors_left_out) == (60, 10)
    assert set(graph.edges["source"]) | set(graph.edges["target"]) <= set(graph.nodes.index)
    notes = network.network_notes(graph, len(network.figure_labels(graph)))
    assert notes[0].startswith("10 of 60 actors are left out: the chart shows the 50 with the most events")
    assert "actor 59" not in graph.nodes.index and "actor 00" in graph.nodes.index
    labels = network.figure_labels(graph)
    assert 5 <= len(labels) <= network.LABELS_AT_MOST and "actor 00" in labels  # the busiest is always named


def test_few_actors_are_all_named_and_nothing_is_left_out(curated, registries) -> None:
    graph = network.build_network(curated.actor_ties(), registries)
    assert len(network.figure_labels(graph)) == len(graph.nodes) == 9
    assert network.network_notes(graph, 9) == []


def test_degree_measures_and_the_strongest_ties(curated, registries) -> None:
    graph = network.build_network(curated.actor_ties(), registries)
    degrees = network.degree_table(graph).set_index("Actor")
    assert degrees.index[0] == "Russia"
    russia = degrees.loc["Russia"]
    assert (russia["Events out"], russia["Events in"], russia["Events (all ties)"]) == (10, 15, 25)
    assert russia["Partners"] == 8
    strongest = network.strongest_ties(graph, registries)
    assert len(strongest) == 10
    assert strongest.iloc[0].to_dict() == {
        "From": "North Korea",
        "To": "Russia",
        "Tie": "supplies",
        "Events": 7,
        "First": "2023-09-07",
        "Last": "2024-10-08",
    }
    assert strongest["Events"].is_monotonic_decreasing


def test_the_periods_compared_show_new_and_gone_ties(curated, registries) -> None:
    split = date(2024, 6, 1)
    change = network.compare_periods(curated.actor_ties_split(split), registries, split)
    new = {(row.From, row.To, row.Tie): row.Events for row in change.new.itertuples()}
    gone = {(row.From, row.To, row.Tie): row.Events for row in change.gone.itertuples()}
    assert new[("Ukraine", "Russia", "fights")] == 5  # the depot strikes of September and October 2024
    assert new[("Russia", "Iran", "supplies")] == 2
    assert gone == {  # the missile strike of December 2023 and the veto of March 2024
        ("Russia", "North Korea", "fights (acts with)"): 2,  # a draw of fights and says goes to fights
        ("Russia", "China", "says (acts with)"): 1,
        ("Russia", "UN Security Council", "says"): 1,
        ("Russia", "Ukraine", "fights"): 1,
        ("Russia", "United States", "says (acts with)"): 1,
    }
    assert list(change.gone["Events"]) == [2, 1, 1, 1, 1] and len(change.new) == 12
    changes = change.changes.set_index(["From", "To", "Tie"])
    assert changes.loc[("North Korea", "Russia", "supplies")].to_dict() == {"Before": 4, "After": 3, "Change": -1}
    assert change.changes["Change"].abs().is_monotonic_decreasing
    actors = change.actors.set_index("Actor")
    assert actors.loc["Ukraine"].to_dict() == {"Before": 1, "After": 11, "Change": 10}
    assert not set(new) & set(gone)


def test_the_default_split_is_the_middle_of_the_period() -> None:
    bounds = (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-31"))
    assert network.default_split(bounds) == date(2024, 1, 16)
    assert network.default_split(None) is None


def test_ties_are_chosen_by_a_label_of_their_actors(curated, registries) -> None:
    graph = network.build_network(curated.actor_ties(), registries)
    choices = network.tie_choices(graph, registries)
    assert next(iter(choices)) == "North Korea → Russia"  # the strongest first
    assert choices["Ukraine with North Korea"] == ("ukraine", "north_korea", "associated")
    assert network.tie_total(graph, "ukraine", "north_korea", "associated") == 3


# --- the figure ------------------------------------------------------------------------------------------


def test_the_figure_is_valid_and_every_mark_says_what_a_click_picks(curated, registries) -> None:
    graph = network.build_network(curated.actor_ties(), registries)
    figure = network.network_figure(graph, registries, chosen=("iran",))
    go.Figure(figure.to_dict())  # plotly's own checks (the figure is built without them)
    picked = [tuple(row) for trace in figure.data if trace.customdata is not None for row in trace.customdata]
    assert {row[1] for row in picked if row[0] == "actor"} == set(graph.nodes.index)
    assert {row[1:] for row in picked if row[0] == "tie"} == set(
        zip(graph.edges["source"], graph.edges["target"], graph.edges["role"], strict=True)
    )
    legend = [trace.name for trace in figure.data if trace.showlegend is not False]
    assert legend[:4] == [network.KIND_GLOSSES[kind] for kind in TIE_KINDS]
    assert "acts with (associated actor)" in legend
    nodes = figure.data[-1]
    rings = dict(zip([row[1] for row in nodes.customdata], nodes.marker.line.color, strict=True))
    assert rings["iran"] == network.CHOSEN_OUTLINE and rings["russia"] == network.NODE_OUTLINE
    arrows = [trace for trace in figure.data if trace.mode == "lines+markers"]
    assert arrows and all(trace.marker.symbol == "arrow" for trace in arrows)
    dashed = [trace for trace in figure.data if trace.line.dash == "dash" and trace.showlegend is False]
    assert dashed and all(trace.mode == "lines" for trace in dashed)  # "acts with": no arrowhead


def test_tie_colours_are_fixed_and_distinct() -> None:
    assert len(set(network.KIND_COLOURS.values())) == len(network.KINDS)
    assert network.KIND_COLOURS["supplies"] == "#0072B2" and network.KIND_COLOURS["fights"] == "#D55E00"


HOSTILE = "<script>alert('x')</script> <b>bold</b> &amp; \x1b[31mred\x00 nul"


def test_hostile_actor_names_are_shown_as_text(registries) -> None:
    ties = ties_frame([(HOSTILE, "russia", "counterpart", "strike", 3), ("russia", HOSTILE, "associated", "policy", 1)])
    graph = network.build_network(ties, registries)
    figure = network.network_figure(graph, registries)
    shown = [  # every text plotly draws (customdata only carries the ids back to a click)
        text for trace in figure.data for text in [trace.name, *(trace.hovertext or ()), *(trace.text or ())] if text
    ]
    drawn = json.dumps(shown)
    assert "<script>" not in drawn and "<b>bold" not in drawn and "\\u001b" not in drawn and "\\u0000" not in drawn
    assert "&lt;script&gt;" in drawn and "&amp;amp;" in drawn and "\\ufffd[31mred\\ufffd" in drawn
    assert any("&lt;b&gt;bold&lt;/b&gt;" in text for text in figure.data[-1].text)  # the node's label
    assert sum("&lt;script&gt;" in text for text in figure.data[-1].hovertext) == 1
    assert network.tie_label(HOSTILE, "russia", "counterpart", registries).endswith("→ Russia")
    assert network.strongest_ties(graph, registries)["From"].iloc[0] == HOSTILE  # tables show text as it is


def test_long_names_are_wrapped_never_cut() -> None:
    name = "Military Forces of Russia (2000-) Air Force and Aerospace Defence"
    lines = network.label_lines(name)
    assert " ".join(lines) == name and all(len(line) <= network.LABEL_LINE for line in lines)


# --- exports and the address ----------------------------------------------------------------------------


def test_the_network_exports_as_html(curated) -> None:
    html = images.chart_file("network", "html", curated, ExportContext("All 20 events", "data/events")).decode()
    assert "Actor network" in html and "North Korea" in html and '<script src="http' not in html


@pytest.mark.skipif(images.find_browser() is None, reason="image export needs Chrome or Chromium")
def test_the_network_image_has_labels_at_print_size(curated) -> None:
    svg = images.chart_file("network", "svg", curated, ExportContext("All 20 events", "data/events")).decode()
    assert "Actor network" in svg and ">North Korea<" in svg
    assert f"font-size: {images.PRINT_FONT_PX}px" in svg
    assert network.PRINT.font == images.PRINT_FONT_PX


def test_the_split_and_tie_parameters_are_known(registries) -> None:
    _, notes = params.read_view({"split": ["2024-06-01"], "tie": ["North Korea → Russia"]}, registries)
    assert notes == []
    _, notes = params.read_view({"split": ["June"]}, registries)
    assert notes == ["split: 'June' is not a date (YYYY-MM-DD) from 1900-01-01 to 2100-12-31"]
    assert "network" in images.CHARTS


def test_kinds_count_every_type_once(registries) -> None:
    kinds = Counter(registries.type_ties.values())
    assert sum(kinds.values()) == len(registries.event_types)
    assert kinds["fights"] >= 7  # every attack type
