"""The Curate form's values, given to its widgets as their defaults, never written into a widget's state.

A value the page sets itself (a record loaded, a place used, a point clicked on the map) becomes the default of
a new widget: the field's key carries a generation that moves on with every such change. Writing a widget's
state instead is lost when the run that carries it is cut short by the analyst's next click (the browser then
keeps or sends its own older value), and a save could then write a field the analyst never saw change.

It also keeps which fields' problems the form shows: a new, empty record's only once the analyst has changed
the field or pressed Save (a blank form is not a list of mistakes); a record read from a file or a draft's, all
of them at once.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

PREFIX = "curate_"
_BASE = "_curate_base"  # field name -> the value its widget starts from
_GENERATION = "_curate_generation"  # moves on when a whole record is loaded
_FIELD_GENERATIONS = "_curate_field_generations"  # field name -> moves on when the page sets that field
_TOUCHED = "_curate_touched"  # fields changed since the form was filled: their problems are shown
_ALL_CHECKED = "_curate_all_checked"  # every field's problems are shown


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


def load(values: Mapping[str, object], *, check_all: bool = True) -> None:
    """Start every field afresh from ``values`` (a record loaded, a draft opened); ``check_all=False`` (a new,
    empty record) shows each field's problems only once the field is changed or Save is pressed."""
    st.session_state[_BASE] = dict(values)
    st.session_state[_GENERATION] = st.session_state.get(_GENERATION, 0) + 1
    st.session_state[_FIELD_GENERATIONS] = {}
    st.session_state[_TOUCHED] = set()
    st.session_state[_ALL_CHECKED] = check_all


def touch(name: str) -> None:  # a field widget's on_change
    """The analyst changed field ``name``: its problems are shown from now on."""
    st.session_state[_TOUCHED] = {*st.session_state.get(_TOUCHED, ()), name}


def check_all() -> None:  # Save's on_click
    """Show every field's problems (Save was pressed)."""
    st.session_state[_ALL_CHECKED] = True


def shows_problems(name: str) -> bool:
    """Whether the problems of field ``name`` are shown; ``""``, the record's own problems, once any field's are."""
    if st.session_state.get(_ALL_CHECKED, True):
        return True
    touched = st.session_state.get(_TOUCHED, set())
    return name in touched if name else bool(touched)


def set_fields(changes: Mapping[str, object]) -> None:
    """Give the fields in ``changes`` these values (the others keep what the analyst typed); the analyst asked
    for them (a place used, a point clicked), so their problems are shown."""
    base = dict(st.session_state.get(_BASE, {}))
    generations = dict(st.session_state.get(_FIELD_GENERATIONS, {}))
    for name, value in changes.items():
        base[name] = value
        generations[name] = generations.get(name, 0) + 1
    st.session_state[_BASE] = base
    st.session_state[_FIELD_GENERATIONS] = generations
    st.session_state[_TOUCHED] = {*st.session_state.get(_TOUCHED, ()), *changes}
