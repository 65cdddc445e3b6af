"""The Curate form's values, given to its widgets as their defaults, never written into a widget's state.

A value the page sets itself (a record loaded, a place used, a point clicked on the map) becomes the default of
a new widget: the field's key carries a generation that moves on with every such change. Writing a widget's
state instead is lost when the run that carries it is cut short by the analyst's next click (the browser then
keeps or sends its own older value), and a save could then write a field the analyst never saw change.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

PREFIX = "curate_"
_BASE = "_curate_base"  # field name -> the value its widget starts from
_GENERATION = "_curate_generation"  # moves on when a whole record is loaded
_FIELD_GENERATIONS = "_curate_field_generations"  # field name -> moves on when the page sets that field


def key(name: str) -> str:
    """The widget key of field ``name`` now (``curate_title_3_0``)."""
    generation = st.session_state.get(_GENERATION, 0)
    return f"{PREFIX}{name}_{generation}_{st.session_state.get(_FIELD_GENERATIONS, {}).get(name, 0)}"


def default(name: str) -> object:
    """The value field ``name``'s widget starts from."""
    return st.session_state.get(_BASE, {}).get(name)


def current(name: str) -> object:
    """The field's value as the analyst left it (its widget's), else the value it started from."""
    widget = key(name)
    return st.session_state[widget] if widget in st.session_state else default(name)


def load(values: Mapping[str, object]) -> None:
    """Start every field afresh from ``values`` (a record loaded, a draft opened)."""
    st.session_state[_BASE] = dict(values)
    st.session_state[_GENERATION] = st.session_state.get(_GENERATION, 0) + 1
    st.session_state[_FIELD_GENERATIONS] = {}


def set_fields(changes: Mapping[str, object]) -> None:
    """Give the fields in ``changes`` these values (the others keep what the analyst typed)."""
    base = dict(st.session_state.get(_BASE, {}))
    generations = dict(st.session_state.get(_FIELD_GENERATIONS, {}))
    for name, value in changes.items():
        base[name] = value
        generations[name] = generations.get(name, 0) + 1
    st.session_state[_BASE] = base
    st.session_state[_FIELD_GENERATIONS] = generations
