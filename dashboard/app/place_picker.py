"""Placing a record on the Curate page: find a place in the offline gazetteer (or, when the analyst turns it on,
the online geocoder) and use it; or click the small map to put the point where it belongs."""

from __future__ import annotations

import math

import streamlit as st

from dashboard.app import form_state
from dashboard.model.registries import Registries
from dashboard.places import gazetteer
from dashboard.places.gazetteer import PlaceMatch
from dashboard.views import curation, text

FIND, ONLINE, SPAN, MAP = "curate_find_place", "curate_online", "curate_map_span", "curate_place_map"
SUGGESTIONS = 8
LANDMARKS = 25  # places named on the placing map


@st.cache_resource(show_spinner="Opening the gazetteer…")
def _gazetteer(_registries: Registries, registry_id: int) -> gazetteer.Gazetteer:
    return gazetteer.load_gazetteer(_registries)


def _use(match: PlaceMatch) -> None:  # a widget callback
    form_state.set_fields(
        {
            "place": match.name,
            "country": match.country,
            "latitude": round(float(match.latitude), 5),
            "longitude": round(float(match.longitude), 5),
            "location_precision": match.precision,
        }
    )


def describe(match: PlaceMatch) -> str:
    """One line that says what matched, where it is, and where it comes from (escaped for Markdown)."""
    matched = f" (matched “{match.matched}”)" if match.matched and match.matched != match.name else ""
    population = f", {match.population:,} people" if match.population else ""
    return text.escape_markdown(
        f"{match.name}{matched} · {match.country} · {match.kind}{population} · {match.latitude:.4f},"
        f" {match.longitude:.4f} · precision {match.precision} · {match.source}: {match.reference}"
    )


def show_place_finder(registries: Registries) -> None:
    query = st.text_input(
        "Find a place",
        key=FIND,
        placeholder="a town, a depot, an airbase… (Kharkov, Toropets, Engels)",
        help="Searches the offline gazetteer: the curated sites and GeoNames' populated places, with their"
        " other names and spellings.",
    ).strip()
    online = st.toggle(
        "Also ask OpenStreetMap's Nominatim (online)",
        key=ONLINE,
        value=False,
        help="Off by default: the query leaves this machine for nominatim.openstreetmap.org, at most one a"
        " second; answers are kept on disk so a place is never asked twice.",
    )
    if not query:
        return
    matches = _gazetteer(registries, id(registries)).lookup(query, limit=SUGGESTIONS)
    if online:
        matches = [*matches, *_online_matches(query)]
    if not matches:
        st.caption("No place of that name or one like it. Type the coordinates, or click the map.")
        return
    for index, match in enumerate(matches):
        row = st.container(horizontal=True, vertical_alignment="center")
        with row:
            st.button("Use", key=f"curate_use_{index}", on_click=_use, args=(match,))
            st.markdown(describe(match))


def _online_matches(query: str) -> list[PlaceMatch]:
    """Nominatim's answer (asked only now, with the toggle on; the same query is answered from the disk
    cache), or a warning saying why there is none."""
    from dashboard.places import geocoding

    answer = geocoding.OnlineGeocoder(enabled=True).geocode(query, limit=SUGGESTIONS)
    if answer.message:
        st.warning(f"Nominatim: {text.escape_markdown(answer.message)}")
    elif answer.from_cache:
        st.caption("Nominatim's answer from the disk cache: nothing was sent.")
    return list(answer.matches)


def _put_point(key: str) -> None:  # a widget callback
    objects = st.session_state[key]["selection"]["objects"].get(curation.PLACING_LAYER) or []
    if objects:
        form_state.set_fields({"latitude": float(objects[0]["lat"]), "longitude": float(objects[0]["lon"])})


def show_placing_map(registries: Registries) -> None:
    latitude, longitude = form_state.current("latitude"), form_state.current("longitude")
    if not _finite(latitude) or not _finite(longitude):
        st.caption("Give a latitude and longitude (or use a place found above) to place the point on a map.")
        return
    map_column, side = st.columns([3, 2])
    with side:
        span = st.segmented_control(
            "Map area", list(curation.PLACING_SPANS_KM), default="50 km", key=SPAN, help="The width of the map."
        )
        span_km = curation.PLACING_SPANS_KM.get(span or "50 km", 50.0)
        step = span_km / curation.PLACING_CELLS
        st.caption(
            f"Click the map to move the point, to within about {step:,.2f} km (a smaller area gives finer steps; or"
            " type the numbers). The grey names are the gazetteer's places nearby."
        )
    nearby = _gazetteer(registries, id(registries)).near(float(latitude), float(longitude), span_km * 0.7, LANDMARKS)
    landmarks = [(match.name, match.latitude, match.longitude) for match in nearby]
    with map_column:
        st.pydeck_chart(
            curation.placing_deck(float(latitude), float(longitude), span_km, landmarks),
            key=MAP,
            on_select=lambda: _put_point(MAP),
            selection_mode="single-object",
            height=420,
        )


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)
