"""Figure and map builders: every mark knows its event, imprecise dates are spans, the map stays offline."""

from __future__ import annotations

import json
from itertools import pairwise

import pandas as pd
import pytest

from dashboard.geo import geodesy, overlays
from dashboard.loading.loader import load_events
from dashboard.model.synthetic import synthetic_frame, write_csv
from dashboard.store.selection import Selection
from dashboard.views import figures, layers, tables
from tests_support import load_frame


def trace_ids(figure) -> set[str]:
    return {row[0] for trace in figure.data if trace.customdata is not None for row in trace.customdata}


def test_every_event_is_on_the_timeline_with_its_id(curated, registries) -> None:
    figure = figures.timeline_figure(Selection.of_frame(curated, registries), "actor")
    assert trace_ids(figure) == set(curated["id"])


def lanes_of_marks(figure) -> set[str]:
    """The lane names of the marks: each mark sits within half a lane of its lane's line."""
    names = dict(zip(figure.layout.yaxis.tickvals, figure.layout.yaxis.ticktext, strict=True))
    return {names[round(value)] for trace in figure.data for value in trace.y}


def test_actor_lanes_hold_every_actor_involved(curated, registries) -> None:
    figure = figures.timeline_figure(Selection.of_frame(curated, registries), "actor")
    assert {"Russia", "North Korea", "Iran", "Ukraine"} <= lanes_of_marks(figure)


def test_type_lanes_are_event_type_labels(curated, registries) -> None:
    figure = figures.timeline_figure(Selection.of_frame(curated, registries), "type")
    assert lanes_of_marks(figure) <= set(registries.event_types["label"])


def test_events_of_one_lane_on_the_same_day_are_side_by_side(registries) -> None:
    day = pd.Timestamp("2024-10-09")
    events = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "event_type": pd.Categorical(["strike"] * 4, categories=registries.event_types.index),
            "date_start": [day, day, day, day + pd.Timedelta(days=30)],
            "date_span_end": [day, day, day, day + pd.Timedelta(days=30)],
            "date_precision": "day",
            "date_phrase": None,
            "title": ["A", "B", "C", "D"],
            "confidence": "confirmed",
            "initiator": "russia",
            "counterpart": None,
            "associated_actors": [[], [], [], []],
        }
    )
    figure = figures.events_timeline_figure(events, registries, "actor")
    marks = {row[0]: y for trace in figure.data for row, y in zip(trace.customdata, trace.y, strict=True)}
    same_day = sorted(marks[key] for key in "abc")
    assert len(set(same_day)) == 3 and min(b - a for a, b in pairwise(same_day)) >= 0.19
    assert max(abs(value - round(value)) for value in marks.values()) < 0.5  # each within its own lane
    assert marks["d"] == round(marks["d"])  # alone on its day: on the lane's line


def test_month_precision_is_drawn_as_a_span_not_a_point(curated, registries) -> None:
    figure = figures.timeline_figure(Selection.of_frame(curated, registries), "type")
    spans = [trace for trace in figure.data if trace.type == "bar"]
    span_ids = {row[0] for trace in spans for row in trace.customdata}
    assert "2024-summer-russian-personnel-fath-360-training-in-iran" in span_ids
    assert "2024-10-09-karachev-depot-strike" not in span_ids  # known to the day
    training = next(
        trace
        for trace in spans
        if "2024-summer-russian-personnel-fath-360-training-in-iran" in {row[0] for row in trace.customdata}
    )
    days = max(training.x) / figures.DAY_MS
    assert days >= 90  # June to August


def test_hover_text_is_escaped(registries, tmp_path) -> None:
    frame = load_frame(tmp_path, registries, title="<b onmouseover=x>bold</b>")
    figure = figures.timeline_figure(Selection.of_frame(frame, registries))
    assert all("<b onmouseover" not in text for trace in figure.data for text in trace.hovertext)


def test_counts_add_up_to_the_number_of_events(curated, registries) -> None:
    for frequency in figures.FREQUENCIES:
        figure = figures.counts_figure(Selection.of_frame(curated, registries), frequency)
        assert sum(sum(trace.y) for trace in figure.data) == len(curated)


def deck_json(model: layers.MapModel) -> dict:
    return json.loads(model.deck.to_json())


def test_map_layers_are_pickable_with_ids_and_carry_event_ids(curated, registries) -> None:
    spec = deck_json(layers.build_map(Selection.of_frame(curated, registries)))
    by_id = {layer["id"]: layer for layer in spec["layers"]}
    assert by_id["events"]["pickable"] is True
    assert {point["id"] for point in by_id["events"]["data"]} == set(curated["id"])
    assert by_id["countries"]["pickable"] is False


def test_map_is_offline_by_default_and_online_only_when_asked(curated, registries) -> None:
    offline = deck_json(layers.build_map(Selection.of_frame(curated, registries)))
    assert "mapProvider" not in offline and offline.get("mapStyle") in (None, "__MAP_STYLE__")
    assert "cartocdn" not in json.dumps(offline)
    online = deck_json(layers.build_map(Selection.of_frame(curated, registries), online_tiles=True))
    assert online["mapProvider"] == "carto"


def test_arcs_join_origin_and_destination_of_transfers(curated, registries) -> None:
    spec = deck_json(layers.build_map(Selection.of_frame(curated, registries)))
    arcs = next(layer for layer in spec["layers"] if layer["id"] == "arcs")
    assert arcs["greatCircle"] is True and arcs["pickable"] is True
    najin = [arc for arc in arcs["data"] if arc["id"] == "2023-09-07-dprk-munitions-najin-to-dunay"]
    assert najin and najin[0]["source"] == pytest.approx([130.3003, 42.2489], abs=0.01)


def test_precision_is_drawn_as_a_halo(curated, registries) -> None:
    spec = deck_json(layers.build_map(Selection.of_frame(curated, registries)))
    halos = next(layer for layer in spec["layers"] if layer["id"] == "precision-halos")
    by_id = {halo["id"]: halo["halo_px"] for halo in halos["data"]}
    assert by_id["2024-summer-russian-personnel-fath-360-training-in-iran"] > by_id.get(
        "2024-10-07-kim-birthday-message-to-putin", 0
    )
    assert "2024-10-09-karachev-depot-strike" not in by_id  # exact: no halo


def test_rings_are_geodesic_polygons_labelled_with_system_range_and_source(curated, registries) -> None:
    rings, errors = overlays.build_rings(
        ["fath-360@event:2024-10-09-karachev-depot-strike", "70mi@place:Kharkiv"], curated, registries
    )
    assert errors == []
    spec = deck_json(layers.build_map(Selection.of_frame(curated, registries), rings))
    ring_layer = next(layer for layer in spec["layers"] if layer["id"] == "rings")
    assert ring_layer["@@type"] == "PolygonLayer" and len(ring_layer["data"]) == 2
    labels = next(layer for layer in spec["layers"] if layer["id"] == "ring-labels")
    assert [item["label"] for item in labels["data"]] == ["Fath-360 · 120 km / 75 mi", "70 mi · 113 km / 70 mi"]
    assert "US statements" in ring_layer["data"][0]["tooltip"]
    assert not any(
        layer["@@type"] == "ScatterplotLayer" and "radius" in str(layer.get("getRadius")) and layer["id"] == "rings"
        for layer in spec["layers"]
    )


def test_band_layer_is_drawn_when_asked(curated, registries) -> None:
    spec = deck_json(layers.build_map(Selection.of_frame(curated, registries), band=overlays.DEFAULT_BAND))
    ids = [layer["id"] for layer in spec["layers"]]
    assert "border-band" in ids and "border-line" in ids


def test_tooltips_are_plain_text_never_html(registries, tmp_path) -> None:
    frame = load_frame(tmp_path, registries, title="<script>alert(1)</script>")
    model = layers.build_map(Selection.of_frame(frame, registries), band=overlays.DEFAULT_BAND)
    assert set(model.deck._tooltip) == {"text", "style"}  # shown with innerText: markup stays text
    spec = deck_json(model)
    events_layer = next(layer for layer in spec["layers"] if layer["id"] == "events")
    assert events_layer["data"][0]["tooltip"].startswith("<script>alert(1)</script>\n")


def test_many_events_are_aggregated_and_the_payload_stays_small(registries, tmp_path) -> None:
    path = tmp_path / "many.csv"
    write_csv(synthetic_frame(30_000), path)
    many = load_events([path], registries).events
    model = layers.build_map(Selection.of_frame(many, registries), band=overlays.DEFAULT_BAND)
    payload = model.deck.to_json()
    assert model.aggregated and any("cells" in note for note in model.notes)
    assert len(payload) < 5_000_000
    assert "event-cells" in {layer["id"] for layer in json.loads(payload)["layers"]}
    arcs = next(layer for layer in json.loads(payload)["layers"] if layer["id"] == "arcs")["data"]
    assert len(arcs) <= layers.FLOW_LIMIT  # the largest routes only: more would bury the map
    widths = [arc["width"] for arc in arcs]
    assert min(widths) >= layers.FLOW_MIN_WIDTH_PX and max(widths) == layers.FLOW_MAX_WIDTH_PX
    assert any("largest of" in note and "% of these events" in note for note in model.notes)


def test_many_events_on_the_timeline_are_one_cell_per_lane_and_week(registries, tmp_path) -> None:
    path = tmp_path / "many.csv"
    write_csv(synthetic_frame(4_000), path)
    selection = Selection.of_frame(load_events([path], registries).events, registries)
    figure = figures.timeline_figure(selection, "actor")
    [heatmap] = figure.data
    counts = selection.lane_counts("actor")
    assert heatmap.type == "heatmap" and list(heatmap.y)[-1] == counts.groupby("lane")["events"].sum().idxmax()
    assert int(sum(value for row in heatmap.z for value in row if value == value)) == int(counts["events"].sum())
    assert "events" in heatmap.text[-1][0] or heatmap.text[-1][0] == ""


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("fath-360", "RANGE@CENTRE"),
        ("12parsecs@place:Kyiv", "number with km, mi or nmi"),
        ("70mi@place:Atlantis", "not in the gazetteer"),
        ("70mi@event:nope", "no event with that id"),
        ("70mi@95,30", "latitude must be"),
        ("70mi@somewhere", "event:ID, place:NAME or LAT,LON"),
    ],
)
def test_bad_ring_specs_are_refused_with_a_reason(curated, registries, spec: str, message: str) -> None:
    rings, errors = overlays.build_rings([spec], curated, registries)
    assert rings == [] and message in errors[0]


def test_ring_spec_by_coordinates_and_nautical_miles(curated, registries) -> None:
    [ring], _ = overlays.build_rings(["50nmi@50.0,36.25"], curated, registries)
    assert ring.radius_km == pytest.approx(92.6) and (ring.lat, ring.lon) == (50.0, 36.25)


def test_aggregated_cells_stay_small_however_many_events_they_hold() -> None:
    import pandas as pd

    from dashboard.model.registries import load_registries
    from dashboard.views import layers

    cells = pd.DataFrame({"cy": [100, 101, 102], "cx": [60, 61, 62], "count": [1, 2_500, 10_000], "type": "strike"})
    radius = layers._cells(cells, load_registries())["radius"].tolist()
    assert radius[0] < radius[1] < radius[2] == layers.CELL_MAX_RADIUS_PX
    assert radius[0] >= layers.CELL_MIN_RADIUS_PX


def test_the_map_opens_on_the_events_not_on_a_lone_statement_far_away(curated, registries) -> None:
    model = layers.build_map(Selection.of_frame(curated, registries))
    view = model.deck.initial_view_state
    assert 30 < view.longitude < 110 and view.zoom > 1.2  # Ukraine to Korea, not a world centred on the Atlantic
    (note,) = [note for note in model.notes if "far from the rest" in note]
    assert "New York" in note and "London" in note and note.startswith("2 events")
    korea = curated[curated["place"].isin(["Pyongyang", "Najin", "Vladivostok", "Vostochny Cosmodrome"])]
    framed, _ = layers.framing(korea)  # a cluster is never left out, however far it lies
    assert len(framed) == len(korea)


def test_a_selected_event_is_ringed_and_the_map_opens_on_it(curated, registries) -> None:
    karachev = curated.set_index("id").loc["2024-10-09-karachev-depot-strike"].copy()
    karachev["id"] = "2024-10-09-karachev-depot-strike"
    model = layers.build_map(Selection.of_frame(curated, registries), selected=karachev)
    view = model.deck.initial_view_state
    assert (view.latitude, view.longitude) == (53.1424, 34.9498) and view.zoom >= layers.SELECTED_ZOOM
    ring = next(layer for layer in deck_json(model)["layers"] if layer["id"] == "selected-event")
    assert ring["data"] == [{"position": [34.9498, 53.1424]}]


def test_the_selected_event_is_ringed_on_the_timeline(curated, registries) -> None:
    figure = figures.timeline_figure(Selection.of_frame(curated, registries), "actor")
    marked = figures.highlighted(figure, "2024-10-09-karachev-depot-strike")
    ring = marked.data[-1]
    assert ring.name == "Selected event" and len(ring.x) == 3  # one ring in each lane it sits in
    assert figures.highlighted(figure, "not-shown") is figure and figures.highlighted(figure, None) is figure


def test_the_events_table_shows_date_spans_and_the_selected_row(curated, registries) -> None:
    table = tables.events_table(curated, registries)
    dates = dict(zip(table["id"], table["Date"], strict=True))
    assert dates["2024-10-09-karachev-depot-strike"] == "2024-10-09"
    assert any(" – " in text and text.endswith("(month)") for text in dates.values())
    styled = tables.with_selected_row(table, "2024-10-09-karachev-depot-strike").to_html()
    assert styled.count(tables.SELECTED_ROW_STYLE.split(";")[0]) >= 1
    assert tables.with_selected_row(table, "not-here") is table


def test_the_map_names_places_and_countries_has_a_scale_bar_and_arcs_that_show_direction(curated, registries) -> None:
    spec = deck_json(layers.build_map(Selection.of_frame(curated, registries)))
    by_id = {layer["id"]: layer for layer in spec["layers"]}
    places = {item["text"] for item in by_id["place-labels"]["data"]}
    assert {"Najin", "Pyongyang", "Ashgabat"} <= places and len(places) <= layers.PLACE_LABELS
    assert {"RUSSIA", "UKRAINE", "MONGOLIA"} <= {item["text"] for item in by_id["country-names"]["data"]}
    (bar,) = by_id["scale-bar"]["data"]
    (label,) = by_id["scale-bar-label"]["data"]
    km = int(label["text"].split(" km")[0].replace(",", ""))
    (west, lat), (east, _) = bar["path"]
    assert geodesy.geodesic_km(lat, west, lat, east) == pytest.approx(km, rel=0.01)  # true at its latitude
    for arc in by_id["arcs"]["data"]:  # faint at the origin, full colour at the destination
        assert arc["source_colour"][3] < arc["colour"][3] and arc["source_colour"][:3] == arc["colour"][:3]


def test_place_labels_never_overlap_at_the_opening_zoom() -> None:
    places = pd.DataFrame(index=["Toropets arsenal", "Oktyabrsky arsenal", "Far away"])
    sides = layers.label_sides(places, [100, 104, 600], [100, 102, 300], 13)
    assert sides["Toropets arsenal"] == "right" and sides["Oktyabrsky arsenal"] == "left"
    assert sides["Far away"] == "right"
    crowded = layers.label_sides(pd.DataFrame(index=["a" * 20, "b" * 20, "c" * 20]), [100] * 3, [100] * 3, 13)
    assert len(crowded) == 2  # no room for a third at the same spot
