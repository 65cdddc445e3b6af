"""Filters (run by the engine) and the plain-English caption of the active filters."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.store import queries
from dashboard.store.engine import store_from_frame
from dashboard.store.filters import Filters, caption
from dashboard.store.selection import Selection


@pytest.fixture(scope="module")
def store(curated, registries):
    return store_from_frame(curated, registries)


@pytest.fixture
def apply_filters(store):
    """``apply_filters(events, filters)``: the matching events, as the engine finds them."""
    return lambda _events, filters: Selection.of(store, filters).rows()


def ids(frame) -> set[str]:
    return set(frame["id"])


def test_no_filter_keeps_everything(curated, apply_filters) -> None:
    assert len(apply_filters(curated, Filters())) == len(curated)


def test_actor_filter_matches_any_role(curated, apply_filters) -> None:
    shown = apply_filters(curated, Filters(actors=("iran",)))
    assert ids(shown) == {
        event.id
        for event in curated.itertuples()
        if "iran" in (event.initiator, event.counterpart) or "iran" in event.associated_actors
    }
    assert "2024-10-11-putin-pezeshkian-ashgabat" in ids(shown)


def test_several_actors_widen_the_selection(curated, apply_filters) -> None:
    one = apply_filters(curated, Filters(actors=("iran",)))
    two = apply_filters(curated, Filters(actors=("iran", "ukraine")))
    assert ids(one) < ids(two)


def test_type_filter(curated, apply_filters) -> None:
    shown = apply_filters(curated, Filters(event_types=("depot_hit",)))
    assert len(shown) == 5 and set(shown["event_type"]) == {"depot_hit"}


def test_date_range_keeps_events_whose_span_overlaps_it(curated, apply_filters) -> None:
    shown = apply_filters(curated, Filters(date_from=date(2024, 7, 1), date_to=date(2024, 7, 31)))
    # the Fath-360 training is known only as "summer 2024" (June to August): it overlaps July
    assert "2024-summer-russian-personnel-fath-360-training-in-iran" in ids(shown)
    assert all(shown["date_start"] <= "2024-07-31") and all(shown["date_span_end"] >= "2024-07-01")


def test_confidence_and_precision_filters(curated, apply_filters) -> None:
    confirmed = apply_filters(curated, Filters(confidence=("confirmed",)))
    assert set(confirmed["confidence"]) == {"confirmed"}
    country_level = apply_filters(curated, Filters(location_precision=("country",)))
    assert set(country_level["location_precision"]) == {"country"}


def test_free_text_searches_sources_too(curated, apply_filters) -> None:
    assert ids(apply_filters(curated, Filters(text="Kyiv Post"))) == {"2024-10-09-karachev-depot-strike"}
    assert apply_filters(curated, Filters(text="KARACHEV arsenal")).shape[0] >= 1
    assert apply_filters(curated, Filters(text="no such words here")).empty


def test_search_is_case_insensitive(curated, apply_filters) -> None:
    assert ids(apply_filters(curated, Filters(text="kyiv post"))) == ids(
        apply_filters(curated, Filters(text="KYIV POST"))
    )


def test_filters_combine(curated, apply_filters) -> None:
    shown = apply_filters(curated, Filters(actors=("russia",), event_types=("diplomatic",), confidence=("confirmed",)))
    assert not shown.empty
    assert set(shown["event_type"]) == {"diplomatic"} and set(shown["confidence"]) == {"confirmed"}


def test_actor_counts_count_each_event_once_per_actor(curated, apply_filters, store) -> None:
    counts = queries.actor_counts(store.table)
    assert counts["russia"] == len(apply_filters(curated, Filters(actors=("russia",))))
    assert counts.index[0] == "russia"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), "All 20 events"),
        (
            Filters(
                actors=("russia", "north_korea"),
                date_from=date(2024, 6, 1),
                date_to=date(2024, 10, 31),
                confidence=("confirmed", "reported"),
            ),
            "9 of 20 events · actors: Russia, North Korea · 2024-06-01 to 2024-10-31 · confidence: confirmed, reported",
        ),
        (Filters(event_types=("depot_hit",), text="glide"), '9 of 20 events · types: Depot hit · matching "glide"'),
        (Filters(date_from=date(2024, 1, 1)), "9 of 20 events · from 2024-01-01"),
        (Filters(location_precision=("city",)), "9 of 20 events · location precision: city"),
    ],
)
def test_caption_says_what_is_shown(registries, filters: Filters, expected: str) -> None:
    assert caption(filters, 9, 20, registries) == expected
