"""Text from records and addresses, always shown as written: never as Markdown, links, images or icons."""

from __future__ import annotations

import streamlit as st

from dashboard.views import text


def caption(message: str, where: object = st) -> None:
    """A caption whose text (filters, file names, record text) is shown as written, never as Markdown."""
    where.caption(text.escape_markdown(message))  # type: ignore[attr-defined]


def warning(message: str, where: object = st) -> None:
    """A warning whose text (a ring spec, an ignored parameter) is shown as written, never as Markdown."""
    where.warning(text.escape_markdown(message))  # type: ignore[attr-defined]
