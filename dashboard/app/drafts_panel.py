"""Article → draft records, on the Curate page: paste an article, give its publication date, read the drafts
(each unsure field said), download them as YAML, or open one in the record form to review and save it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import streamlit as st

from dashboard.app.sidebar import View
from dashboard.app.ui import MIME
from dashboard.curation import drafts
from dashboard.model.schema import EARLIEST_DATE, LATEST_DATE
from dashboard.views import curation, text

ARTICLE, PUBLISHED, PUBLISHER, URL, TITLE = (
    f"draft_{name}" for name in ("article", "published", "publisher", "url", "title")
)
FOUND = "_drafts_found"  # (the drafts, the article's name) of the last run


def _draft(view: View) -> None:  # a widget callback
    article = st.session_state.get(ARTICLE) or ""
    published = st.session_state.get(PUBLISHED)
    url = (st.session_state.get(URL) or "").strip() or None
    if url and not url.lower().startswith(("http://", "https://")):
        st.session_state[FOUND] = "The address must start with http:// or https://."
        return
    registries = view.data.registries
    try:
        found = drafts.draft_records(
            article,
            published,
            registries,
            drafts.default_places(registries),
            publisher=(st.session_state.get(PUBLISHER) or "").strip() or None,
            url=url,
            title=(st.session_state.get(TITLE) or "").strip() or None,
        )
    except ValueError as error:
        st.session_state[FOUND] = str(error)
        return
    st.session_state[FOUND] = found


OpenInForm = Callable[[dict[str, object], dict[str, str]], None]  # (a record's form values, its unsure fields)


def _open_in_form(draft: drafts.Draft, open_in_form: OpenInForm) -> None:  # a widget callback
    open_in_form(curation.form_values(draft.record), dict(draft.unsure))


def show_drafts(view: View, open_in_form: OpenInForm | None) -> None:
    """The drafts tab; ``open_in_form`` puts a draft in the record form (None: editing is off)."""
    st.caption(
        "Paste the article's text and give its publication date: relative dates (“on Tuesday”, “last week”) are"
        " read against it. Drafts are proposals: every field the reading was unsure of is marked, and nothing"
        " enters a record file until you save it from the form."
    )
    st.text_area("Article text", key=ARTICLE, height=220, max_chars=drafts.MAX_ARTICLE_CHARS)
    row = st.columns([1, 2, 3])
    published = row[0].date_input(
        "Published", key=PUBLISHED, value=None, min_value=EARLIEST_DATE, max_value=LATEST_DATE, format="YYYY-MM-DD"
    )
    row[1].text_input("Publisher", key=PUBLISHER, placeholder="e.g. ICARO Media Group")
    row[2].text_input("Address (URL)", key=URL, placeholder="https://…")
    st.text_input("Title", key=TITLE)
    article = st.session_state.get(ARTICLE) or ""
    ready = bool(article.strip()) and published is not None
    st.button("Draft records", type="primary", disabled=not ready, on_click=_draft, args=(view,), key="draft_go")
    if not ready:
        st.caption("Paste an article and give its publication date to draft records.")
    found = st.session_state.get(FOUND)
    if isinstance(found, str):
        st.error(text.escape_markdown(found))
        return
    if found is None:
        return
    if not found:
        st.info("No event found in this text: no drafts.")
        return
    _show_found(view, found, published, open_in_form)


def _show_found(view: View, found: list[drafts.Draft], published: date | None, open_in_form: OpenInForm | None) -> None:
    registries = view.data.registries
    unsure_total = sum(len(draft.unsure) for draft in found)
    st.markdown(f"**{len(found)} draft records**, {unsure_total} fields to check.")
    st.download_button(
        "Download the drafts (YAML)",
        # written when asked for, not on every rerun of the page
        data=lambda: drafts.drafts_yaml(found, article="the pasted article", published=published).encode("utf-8"),
        file_name=f"drafts_{published:%Y-%m-%d}.yaml" if published else "drafts.yaml",
        mime=MIME.get("yaml", "application/yaml"),
        key="draft_download",
        on_click="ignore",
    )
    for index, draft in enumerate(found):
        record = draft.record
        when = record.get("date", {})
        kind = registries.event_type_label(str(record.get("type", "")))
        heading = f"{when.get('start', '?')} ({when.get('precision', '?')}) · {kind} · {record.get('title', '')}"
        with st.expander(text.escape_markdown(heading)[:300], expanded=index == 0):
            st.markdown(curation.draft_markdown(record, registries))
            for name, reason in draft.unsure.items():
                st.warning(f"**{text.escape_markdown(name.replace('_', ' '))}**: {text.escape_markdown(reason)}")
            for sentence in draft.sentences:
                st.caption(f"“{text.escape_markdown(sentence)}”")
            if open_in_form is not None:
                st.button(
                    "Open in the record form",
                    key=f"draft_open_{index}",
                    on_click=_open_in_form,
                    args=(draft, open_in_form),
                    help="Fills the Records tab's form (Add) with this draft, its unsure fields marked.",
                )
    if open_in_form is None:
        st.caption("To review a draft in the record form and save it, start the dashboard with `--edit`.")
