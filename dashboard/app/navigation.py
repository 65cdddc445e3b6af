"""The way to the pages: Streamlit's navigation, except that an address naming no page opens the default page.

Streamlit answers an address whose path names no page (``/nowhere``, or ``/timeline``: the default page is served
at ``/``) with a "Page not found" dialog over the default page. Here such an address opens the default page with
a note in the page instead, and no note for another name of the default page (``/timeline``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard.model.problems import shorten
from dashboard.views import text

_NOTE = "_page_not_found_note"  # the note for the address's path, kept while the default page is shown


def _path_asked_for() -> str | None:
    """The page the browser's address names when this run was asked for by address (the first run of a
    session); None when it was asked for by page (a click in the app names the page itself)."""
    ctx = get_script_run_ctx()
    manager = getattr(ctx, "pages_manager", None)
    if manager is None or getattr(manager, "intended_page_script_hash", None):
        return None
    return getattr(manager, "intended_page_name", None) or None


def _open_default_page() -> None:
    """Resolve this run to the default page, as Streamlit does for ``/``, so it sends no "Page not found"."""
    manager = get_script_run_ctx().pages_manager  # type: ignore[union-attr]
    manager.set_script_intent("", "")


def page_note(
    asked: str, page_paths: Collection[str], default_names: Collection[str], default_title: str
) -> str | None:
    """The note for an address whose path is ``asked``: None when it names a page (or the default page by
    another name), else what the analyst reads instead of the page they asked for."""
    if asked in page_paths or asked in default_names:
        return None
    return f"This dashboard has no page {shorten(asked)}: here is the {default_title}. The sidebar lists every page."


def navigate(pages: Sequence[st.Page], default_names: Collection[str] = ()) -> st.Page:  # type: ignore[valid-type]
    """``st.navigation(pages)``; an address whose path names none of them opens the default page, with a note
    unless the path is one of ``default_names`` (the default page's other names, such as ``timeline``)."""
    paths = {page.url_path for page in pages}  # the default page's is "": it is served at /
    asked = _path_asked_for()
    if asked is not None and asked not in paths:
        _open_default_page()
        default_title = next((page.title for page in pages if not page.url_path), pages[0].title)
        st.session_state[_NOTE] = page_note(asked, paths, default_names, default_title)
    page = st.navigation(pages)
    if page.url_path:  # another page than the default: the note was about the first one shown
        st.session_state.pop(_NOTE, None)
    elif st.session_state.get(_NOTE):
        st.info(text.escape_markdown(st.session_state[_NOTE]))
    return page
