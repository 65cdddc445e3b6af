"""The Curate page: add, edit, duplicate and delete records in the analyst's record files, place them with the
gazetteer (or, on request, an online geocoder) and a small map, and turn an article into draft records.

Saving goes through `dashboard.curation.recordfiles`: round-trip YAML (comments and layout kept), atomic, refused
when the file changed on disk since this page read it, and undoable. Editing is off unless the dashboard was
started with ``--edit`` and record files were named (`dashboard.app.data.editing`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.app import data as app_data
from dashboard.app import drafts_panel, form_state, sidebar
from dashboard.app.sidebar import View
from dashboard.curation import recordfiles
from dashboard.model.problems import shorten
from dashboard.model.registries import Registries
from dashboard.model.schema import (
    EARLIEST_DATE,
    FIELDS_BY_NAME,
    LATEST_DATE,
    SOURCE_FIELDS,
    Field,
    Kind,
)
from dashboard.sources.datapaths import shown_path
from dashboard.views import curation, text

PREFIX = form_state.PREFIX  # widget keys: curate_<schema field name>
EDIT_PARAM, FILE_PARAM = "edit", "file"  # ?edit=<record id>&file=<its file>: the detail card's "Edit this record"
NEW_NAME, NEW_FOLDER = (f"{PREFIX}{name}" for name in ("new", "in"))
LOADED = "_curate_loaded"  # (file, action, record id) whose values the form holds
OPENED = "_curate_opened"  # the RecordFile read when the form was filled: saving checks the file against it
LAST_SAVE = "_curate_last_save"  # (path, FileVersion) of this session's last save, for Undo
NOTICE = "_curate_notice"  # what the last action did, shown once
PENDING = "_curate_pending"  # values to put in the Add form (a draft opened from the article tab)
UNSURE = "_curate_unsure"  # field -> why, for a draft in the form: shown under each field until saved
TAB = "curate_tab"
CHECKED = "_curate_checked"  # (the record and ids checked, the messages)
SELECTED = "_curate_selected"  # (action, record id) the selectors start from
CHOSEN_FILE = "_curate_chosen_file"  # the record file chosen (its selector starts from it)
FILE_GENERATION = "_curate_file_generation"
UNFOLLOWED = "_curate_unfollowed"  # a link named what cannot be opened: said until the analyst chooses
SAVE_ASKED = "_curate_save_asked"  # Save was pressed (its callback also shows every field's problems)
CONFLICT = "_curate_conflict"  # the last save refused because the file changed on disk (a `Conflict`)
SELECTOR_GENERATION = "_curate_selector_generation"
RECORDS_TAB, DRAFTS_TAB = "Records", "Article → draft records"
ACTIONS = ("Add", "Edit", "Duplicate", "Delete")
NEW_FILE = "A new file…"
LONG_TEXT = ("summary", "notes")


def editing_enabled() -> bool:
    return app_data.editing().refusal is None


def _open_values(values: dict[str, object], unsure: dict[str, str]) -> None:  # for a widget callback
    """Put ``values`` in the Add form of the Records tab, their unsure fields marked, and show that tab."""
    st.session_state[PENDING] = values
    st.session_state[UNSURE] = unsure
    select("Add", None)
    st.session_state[TAB] = RECORDS_TAB


def show_curate(view: View) -> None:
    records_tab, drafts_tab = st.tabs([RECORDS_TAB, DRAFTS_TAB], key=TAB, on_change="rerun")
    with records_tab:
        _records(view)
    with drafts_tab:
        drafts_panel.show_drafts(view, _open_values if editing_enabled() else None)


def _records(view: View) -> None:
    editing = app_data.editing()
    if editing.refusal:
        st.info(editing.refusal)
        if EDIT_PARAM in st.query_params:
            sidebar.name_ignored(view, [f"edit {shorten(st.query_params.get(EDIT_PARAM))}: editing is off"])
        return
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.success(text.escape_markdown(notice))  # it names a file and a record: text, never Markdown
    _follow_link(editing, view)
    if st.session_state.get(UNFOLLOWED):
        st.warning(
            "**The address was not followed as written** (see *Ignored in the address* in the sidebar), and"
            " nothing it did not name is opened. Choose the record file and the record."
        )
    path = _chosen_file(editing)
    if path is None:
        return
    try:
        opened = _opened(path)
    except recordfiles.RecordFileError as error:
        st.error(f"**{text.escape_markdown(shown_path(path))} cannot be edited.** {text.escape_markdown(error)}")
        return
    ids = opened.ids()
    if SELECTED not in st.session_state:
        select("Add", None)
    chosen_action, chosen_record = st.session_state[SELECTED]
    action = (
        st.segmented_control(
            "Action", ACTIONS, default=chosen_action, key=_selector_key("action"), on_change=_analyst_chose
        )
        or chosen_action
    )
    record_id = None
    if action != "Add":
        if not ids:
            st.info("This file holds no records yet: add one.")
            return
        titles = {record_id: str(opened.record(record_id).get("title") or "") for record_id in ids}
        record_id = st.selectbox(
            "Record",
            ids,
            index=ids.index(chosen_record) if chosen_record in ids else None,  # none chosen: nothing opened
            key=_selector_key("record"),
            format_func=lambda rid: f"{rid} · {titles.get(rid, '')}"[:160],
            placeholder="Choose a record",
            on_change=_analyst_chose,
        )
        if record_id is None:
            return
    _fill_form(opened, action, record_id)
    if action == "Delete":
        _delete(view, opened, record_id)
        return
    values, slots = _form(view.data.registries)
    record = curation.record_from_values(values)
    others = [rid for rid in ids if action != "Edit" or rid != record_id]
    messages = _checked(record, view.data.registries, others)
    _save_row(opened, action, record_id, record, messages, slots)


def _follow_link(editing: app_data.Editing, view: View) -> None:
    """Open the file and the record an address names (``?edit=ID&file=FILE``: a detail card's "Edit this
    record"), then take both off the address, so the analyst's own choices hold from there. What it names that
    cannot be opened is named with the address's other ignored parameters (the sidebar's notice) and nothing
    is opened instead; the page says so until the analyst chooses (`UNFOLLOWED`)."""
    if EDIT_PARAM not in st.query_params and FILE_PARAM not in st.query_params:
        return
    asked = {name: st.query_params.get_all(name) for name in (EDIT_PARAM, FILE_PARAM)}
    for name in asked:
        st.query_params.pop(name, None)
    _forget_file()  # read afresh: the link may name a record saved since this page read the file
    names = {shown_path(path): path for path in editing.files}

    def ids_in(name: str) -> list[str] | None:
        try:
            return _opened(names[name]).ids()
        except recordfiles.RecordFileError:
            return None  # the page says why when it opens the file

    chosen = st.session_state.get(CHOSEN_FILE, _file_choices(editing)[0])
    link = curation.read_edit_link(asked[EDIT_PARAM], asked[FILE_PARAM], names, chosen, ids_in)
    st.session_state[CHOSEN_FILE] = link.file
    st.session_state[FILE_GENERATION] = st.session_state.get(FILE_GENERATION, 0) + 1  # a new file selector
    sidebar.name_ignored(view, link.notes)
    unopened = (asked[EDIT_PARAM] and link.record_id is None) or (asked[FILE_PARAM] and link.file is None)
    st.session_state[UNFOLLOWED] = bool(link.notes and unopened)
    action = "Edit" if asked[EDIT_PARAM] else st.session_state.get(SELECTED, ("Add", None))[0]
    select(action, link.record_id)


def _analyst_chose() -> None:  # the file, action and record selectors' on_change
    st.session_state.pop(UNFOLLOWED, None)  # what a link asked for is no longer what the page shows


def select(action: str, record_id: str | None) -> None:
    """Make ``action`` on ``record_id`` the page's choice (new selector widgets start from it)."""
    st.session_state[SELECTED] = (action, record_id)
    st.session_state[SELECTOR_GENERATION] = st.session_state.get(SELECTOR_GENERATION, 0) + 1


def _selector_key(name: str) -> str:
    return f"{PREFIX}{name}_{st.session_state.get(SELECTOR_GENERATION, 0)}"


def _checked(record: dict, registries: Registries, others: list[str]) -> list[tuple[str, str, str]]:
    """The loader's verdict on the record (remembered for the same record, as a rerun with no change to the
    form asks again; the loader's checks take a few tenths of a second)."""
    stamp = json.dumps([record, sorted(others), id(registries)], sort_keys=True, default=str)
    remembered = st.session_state.get(CHECKED)
    if remembered is None or remembered[0] != stamp:
        remembered = (stamp, recordfiles.check_record(record, registries, others))
        st.session_state[CHECKED] = remembered
    return remembered[1]


def _file_choices(editing: app_data.Editing) -> list[str]:
    """The record file selector's options: the files that may be written, as named on the page, and a new one."""
    return [*(shown_path(path) for path in editing.files), *([NEW_FILE] if editing.folders else [])]


def _chosen_file(editing: app_data.Editing) -> Path | None:
    names = {shown_path(path): path for path in editing.files}
    choices = _file_choices(editing)
    if CHOSEN_FILE not in st.session_state:
        st.session_state[CHOSEN_FILE] = choices[0]
    wanted = st.session_state[CHOSEN_FILE]
    chosen = st.selectbox(
        "Record file",
        choices,
        index=choices.index(wanted) if wanted in choices else None,  # none: a link named a file it may not edit
        key=f"{PREFIX}file_{st.session_state.get(FILE_GENERATION, 0)}",  # moves on only when a link names a file
        placeholder="Choose a record file",
        help="Only files named with --data can be written.",
        on_change=_analyst_chose,
    )
    if chosen != st.session_state.get(CHOSEN_FILE):  # another file: its own records to choose from
        st.session_state[CHOSEN_FILE] = chosen
        select(st.session_state.get(SELECTED, ("Add", None))[0], None)
    if chosen is None:
        return None
    if chosen != NEW_FILE:
        return names.get(chosen)
    folders = {shown_path(folder): folder for folder in editing.folders}
    row = st.columns(2)
    folder = row[0].selectbox("In folder", list(folders), key=NEW_FOLDER)
    name = row[1].text_input("File name", key=NEW_NAME, placeholder="new_records.yaml").strip()
    if not name:
        st.caption("Name the new file (it is made when the first record is saved).")
        return None
    if "/" in name or "\\" in name or name.startswith(".") or not name.lower().endswith((".yaml", ".yml")):
        st.error("A file name ends in .yaml or .yml, does not start with a dot and names no folder.")
        return None
    target = folders[folder] / name
    if target.exists() and target not in editing.files:
        st.error(f"{text.escape_markdown(shown_path(target))} exists: choose it in the list above instead.")
        return None
    return target


def _opened(path: Path) -> recordfiles.RecordFile:
    """The file as read when its form was filled (kept, so a save can tell whether it changed since)."""
    opened = st.session_state.get(OPENED)
    if opened is None or opened.path != path:
        if opened is not None:
            st.session_state.pop(LOADED, None)  # another file: its form is filled again
        opened = recordfiles.open_record_file(path, create=not path.exists())
        st.session_state[OPENED] = opened
    return opened


def _fill_form(opened: recordfiles.RecordFile, action: str, record_id: str | None) -> None:
    """Put a record's values (or a new record's) into the form when the file, the action or the record changes."""
    loaded = (str(opened.path), action, record_id)
    pending = st.session_state.pop(PENDING, None)
    if pending is not None and action == "Add":
        _load_values(pending)  # a draft: its problems are the analyst's to review, shown at once
        st.session_state[LOADED] = loaded
        return
    if st.session_state.get(LOADED) == loaded:
        return
    st.session_state.pop(UNSURE, None)
    if action == "Add":
        values = curation.new_record_values(date.today())
    else:
        values = curation.form_values(opened.record(record_id))
        if action == "Duplicate":
            values["id"] = recordfiles.fresh_id(opened.record(record_id), opened.ids())
    _load_values(values, check_all=action != "Add")  # an empty form is not a list of mistakes
    st.session_state[LOADED] = loaded


def _load_values(values: dict[str, object], *, check_all: bool = True) -> None:
    widget_values = {name: _widget_value(FIELDS_BY_NAME[name], value) for name, value in values.items()}
    form_state.load(widget_values, check_all=check_all)


def _widget_value(field: Field, value: object) -> object:
    """A record's value as its widget holds it (dates as dates, numbers as numbers, sources as a table)."""
    if field.kind is Kind.SOURCES:
        return _sources_frame(value if isinstance(value, list) else [])
    if value is None:
        return [] if field.kind in (Kind.ACTORS, Kind.TAGS) else None
    if field.kind is Kind.DATE:
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError:
            return None
    if field.kind in (Kind.ACTORS, Kind.TAGS):
        return [str(item) for item in value] if isinstance(value, list) else [str(value)]
    if field.kind in (Kind.LATITUDE, Kind.LONGITUDE, Kind.NUMBER):
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    if field.kind is Kind.COUNT:
        try:
            return int(value)
        except (TypeError, ValueError):
            return None
    return str(value)


def _sources_frame(rows: list[dict]) -> pd.DataFrame:
    columns = [field.name for field in SOURCE_FIELDS]
    frame = pd.DataFrame([{name: row.get(name) for name in columns} for row in rows], columns=columns)
    return frame.astype("string")


def _form(registries: Registries) -> tuple[dict[str, object], dict[str, object]]:
    """The form's widgets by section: the values they hold, and below each a slot for its messages."""
    values: dict[str, object] = {}
    slots: dict[str, object] = {}
    for section in curation.form_sections():
        with st.expander(section.title, expanded=section.title in ("Event", "Date", "Actors", "Place")):
            if section.title == "Place":
                from dashboard.app import place_picker

                place_picker.show_place_finder(registries)
            columns = st.columns(2) if len(section.fields) > 1 else [st.container()]
            for index, field in enumerate(section.fields):
                wide = field.kind is Kind.SOURCES or field.name in LONG_TEXT or field.name == "title"
                target = st.container() if wide else columns[index % len(columns)]
                with target:
                    values[field.name] = _field_widget(field, registries)
                    slots[field.name] = st.empty()  # the field's messages, filled after validation
            if section.title == "Place":
                from dashboard.app import place_picker

                place_picker.show_placing_map(registries)
    return values, slots


def _label(field: Field) -> str:
    return curation.field_label(field) + (" *" if field.required else "")


def _index(options: list[str], value: object) -> int | None:
    return options.index(value) if value in options else None


def _field_widget(field: Field, registries: Registries) -> object:
    """The field's widget, starting from the form's value for it (`form_state`); returns what it holds."""
    key, label, help_text = form_state.key(field.name), _label(field), field.description
    value = form_state.default(field.name)
    on_change = {"on_change": form_state.touch, "args": (field.name,)}  # from then on its problems are shown
    if field.kind is Kind.SOURCES:
        st.markdown("**Sources** *")
        edited = st.data_editor(
            value if isinstance(value, pd.DataFrame) else _sources_frame([]),
            key=key,
            num_rows="dynamic",
            hide_index=True,
            column_config={
                item.name: st.column_config.TextColumn(item.name.capitalize(), help=item.description)
                for item in SOURCE_FIELDS
            },
            **on_change,
        )
        return edited.to_dict("records")
    if field.kind in (Kind.EVENT_TYPE, Kind.ACTOR, Kind.WEAPON, Kind.COUNTRY, Kind.CHOICE):
        options, shown = _choices(field, registries)
        options = _with_current(options, value)
        return st.selectbox(
            label, options, index=_index(options, value), key=key, format_func=shown, help=help_text, **on_change
        )
    if field.kind is Kind.ACTORS:
        options = _with_current(list(registries.actors.index), value)
        return st.multiselect(
            label,
            options,
            default=value or [],
            key=key,
            format_func=registries.actor_name,
            help=help_text,
            **on_change,
        )
    if field.kind is Kind.DATE:
        return st.date_input(
            label,
            value=value,
            key=key,
            min_value=EARLIEST_DATE,
            max_value=LATEST_DATE,
            format="YYYY-MM-DD",
            help=help_text,
            **on_change,
        )
    if field.kind in (Kind.LATITUDE, Kind.LONGITUDE):
        limit = 90.0 if field.kind is Kind.LATITUDE else 180.0
        return st.number_input(
            label,
            value=value,
            key=key,
            min_value=-limit,
            max_value=limit,
            step=0.0001,
            format="%.5f",
            help=help_text,
            **on_change,
        )
    if field.kind is Kind.COUNT:
        return st.number_input(label, value=value, key=key, min_value=0, step=1, help=help_text, **on_change)
    if field.kind is Kind.NUMBER:
        return st.number_input(label, value=value, key=key, min_value=0.0, step=1.0, help=help_text, **on_change)
    if field.kind is Kind.TAGS:
        return st.multiselect(
            label,
            list(value or []),
            default=value or [],
            key=key,
            accept_new_options=True,
            help=help_text,
            **on_change,
        )
    if field.name in LONG_TEXT:
        return st.text_area(label, value=value or "", key=key, height=110, help=help_text, **on_change)
    return st.text_input(label, value=value or "", key=key, help=help_text, **on_change)


def _choices(field: Field, registries: Registries):
    """A choice field's options (registry ids) and how each is shown."""
    if field.kind is Kind.EVENT_TYPE:
        return list(registries.event_types.index), registries.event_type_label
    if field.kind is Kind.ACTOR:
        return list(registries.actors.index), registries.actor_name
    if field.kind is Kind.WEAPON:
        names = registries.weapons["name"].astype(str).to_dict()
        return list(registries.weapons.index), lambda item: names.get(item, item)
    if field.kind is Kind.COUNTRY:
        return list(registries.countries.index), lambda code: f"{registries.country_name(code)} ({code})"
    return list(field.choices), str


def _with_current(options: list[str], value: object) -> list[str]:
    """The registry's ids plus whatever the record holds that is not one (shown, so validation can name it)."""
    extra = [item for item in (value if isinstance(value, list) else [value]) if item and item not in options]
    return [*options, *extra]


def _save_row(
    opened: recordfiles.RecordFile,
    action: str,
    record_id: str | None,
    record: dict,
    messages: list[tuple[str, str, str]],
    slots: dict[str, object],
) -> None:
    """Each field's messages in place under it (record-wide ones here), then Save (off while an error shows).

    A new record's fields show their problems once changed, or all of them when Save is pressed (`form_state`);
    a save that finds the file changed on disk keeps the form and shows what changed (`_show_conflict`)."""
    errors = [message for message in messages if message[1] == "error"]
    unsure = st.session_state.get(UNSURE) or {}
    notes: dict[str, list[tuple[str, str]]] = {}
    for field_name, items in curation.messages_by_field(messages).items():
        target = field_name if field_name in slots else ""
        if form_state.shows_problems(target):
            notes.setdefault(target, []).extend(items)
    shown_errors = [item for item in errors if form_state.shows_problems(item[0] if item[0] in slots else "")]
    for field_name, reason in unsure.items():
        notes.setdefault(field_name if field_name in slots else "", []).append(("unsure", f"To check: {reason}"))
    for field_name, items in notes.items():
        with slots[field_name].container() if field_name else st.container():
            for severity, message in items:
                show = {"error": st.error, "unsure": st.info}.get(severity, st.warning)
                show(text.escape_markdown(message), icon=":material/help:" if severity == "unsure" else None)
    if unsure:
        st.info(f"A draft from an article: {len(unsure)} field(s) marked *To check*. Read them before saving.")
    save_asked = st.session_state.pop(SAVE_ASKED, False)
    if save_asked and errors:
        st.error(
            f"**Not saved:** {len(errors)} problem(s) marked in the form{_sections_of(errors)}; an invalid record"
            " cannot be saved."
        )
    elif shown_errors:
        st.caption(
            f"{len(shown_errors)} problem(s) marked in the form{_sections_of(shown_errors)}: an invalid record cannot"
            " be saved."
        )
    elif errors:
        st.caption("Fields marked * are required. A field is checked once you change it, and all of them on saving.")
    elif not messages:
        st.success("The record is valid.")
    if save_asked and not errors:
        _save(opened, action, record_id, record)
    _show_conflict(opened, record)
    label = {"Add": "Add to the file", "Edit": "Save the changes", "Duplicate": "Add the copy"}[action]
    row = st.container(horizontal=True)
    with row:
        st.button(label, type="primary", disabled=bool(shown_errors), key="curate_save", on_click=_ask_save)
        _undo_button()


def _sections_of(messages: list[tuple[str, str, str]]) -> str:
    """Where the messages' fields are, " (in Event, Confidence and sources)", as some sections start closed."""
    section_of = {field.name: section.title for section in curation.form_sections() for field in section.fields}
    titles = [section.title for section in curation.form_sections()]
    found = {section_of[field_name] for field_name, _, _ in messages if field_name in section_of}
    return f" (in {', '.join(title for title in titles if title in found)})" if found else ""


def _ask_save() -> None:  # Save's on_click: the run it starts shows every problem, then saves if there is none
    form_state.check_all()
    st.session_state[SAVE_ASKED] = True


@dataclass(frozen=True)
class Conflict:
    """A save refused because the file changed on disk since the page read it: what the form was opened from
    and what the file holds now, for the analyst to compare before choosing."""

    loaded: tuple  # the form it belongs to (`LOADED`)
    digest: str  # the file as the page read it
    record_id: str | None  # the record edited (None: a new record)
    opened: dict | None  # that record as the form opened it
    on_disk: dict | None  # that record in the file now (None: not there)
    changed: dict[str, list[str]]  # ids of the records added, removed and changed on disk
    unreadable: str | None  # why the file on disk cannot be read now, if it cannot
    diff: str  # the file as read -> on disk now


def _conflict(opened: recordfiles.RecordFile, action: str, record_id: str | None, diff: str) -> Conflict:
    editing_one = action == "Edit" and record_id is not None
    try:
        now = recordfiles.open_record_file(opened.path)
        on_disk = now.record(record_id) if editing_one and record_id in now.ids() else None
        changed, unreadable = curation.records_changed(opened.records(), now.records()), None
    except (recordfiles.RecordFileError, KeyError, ValueError) as error:
        on_disk, changed, unreadable = None, {}, str(error)
    return Conflict(
        loaded=st.session_state.get(LOADED),
        digest=opened.version.digest,
        record_id=record_id,
        opened=opened.record(record_id) if editing_one else None,
        on_disk=on_disk,
        changed=changed,
        unreadable=unreadable,
        diff=diff,
    )


def _show_conflict(opened: recordfiles.RecordFile, record: dict) -> None:
    """While the form's last save was refused for a change on disk: what changed there, field by field for the
    record being edited, and the choice between keeping the form's values and reading the record again."""
    conflict = st.session_state.get(CONFLICT)
    if conflict is None:
        return
    if conflict.loaded != st.session_state.get(LOADED) or conflict.digest != opened.version.digest:
        st.session_state.pop(CONFLICT, None)  # another record, or the file read again since
        return
    with st.container(border=True, key="curate_conflict"):
        st.error(
            f"**Not saved: {text.escape_markdown(opened.name)} changed on disk since this page read it** (another"
            " window or an editor). Your form is kept. Compare, then keep your changes or load what is on disk."
        )
        if conflict.unreadable:
            st.warning(f"The file on disk cannot be read now: {text.escape_markdown(conflict.unreadable)}")
        summary = "; ".join(
            f"{what} {', '.join(ids[:10])}{f' and {len(ids) - 10} more' if len(ids) > 10 else ''}"
            for what, ids in conflict.changed.items()
            if ids
        )
        if summary:
            st.markdown(f"**On disk since this page read the file:** {text.escape_markdown(summary)}")
        if conflict.opened is not None and not conflict.unreadable:
            if conflict.on_disk is None:
                st.warning(
                    f"{text.escape_markdown(conflict.record_id)} is no longer in the file on disk (deleted, or its"
                    " id changed)."
                )
            else:
                _show_field_changes(curation.changes_on_disk(conflict.opened, conflict.on_disk, record))
        with st.expander("Every difference in the file (as you read it → on disk now)"):
            st.code(conflict.diff or "(no difference in text)", language="diff")
        row = st.container(horizontal=True)
        with row:
            st.button(
                "Keep my changes over the file as it is now",
                key="curate_reread",
                on_click=_keep_my_changes,
                args=(conflict, record),
                help="The form then holds the fields you changed and, for every other field, what is on disk now;"
                " the other records' changes stay. Save when it is right.",
            )
            again = "Load the record as it is on disk" if conflict.opened is not None else "Read the file again"
            st.button(f"{again}, drop my values", key="curate_reload", on_click=_forget_file)


def _show_field_changes(changes: list[curation.FieldChange]) -> None:
    if not changes:
        st.caption("This record is as you opened it: only other records of the file changed.")
        return
    rows = [
        "| Field | When you opened it | On disk now | In your form |",
        "|---|---|---|---|",
        *(
            "| "
            + " | ".join(text.escape_markdown(cell) for cell in (item.label, item.opened, item.on_disk, item.yours))
            + " |"
            for item in changes
        ),
    ]
    st.markdown("**What changed in this record on disk since you opened it:**\n\n" + "\n".join(rows))


def _keep_my_changes(conflict: Conflict, record: dict) -> None:  # a widget callback
    """Read the file again, keeping the form's changes: the fields changed in the form keep the form's values,
    the others take what is on disk now (a new record stays as it is)."""
    if conflict.opened is not None and conflict.on_disk is not None:
        _load_values(curation.merge_changes(conflict.opened, conflict.on_disk, record))
    st.session_state.pop(OPENED, None)  # read again on the next run; the form (`LOADED`) is kept
    st.session_state.pop(CONFLICT, None)


def _save(opened: recordfiles.RecordFile, action: str, record_id: str | None, record: dict) -> None:
    edited = opened.copy()  # the page's copy stays as read, should the save be refused
    try:
        if action == "Edit":
            edited.replace(record_id, record)
        else:
            edited.add(record)
        version = recordfiles.save(edited)
    except recordfiles.SaveConflict as error:
        st.session_state[CONFLICT] = _conflict(opened, action, record_id, error.diff)
        return
    except (recordfiles.RecordFileError, KeyError, ValueError, OSError) as error:
        st.session_state.pop(OPENED, None)  # read again on the next run; the form keeps its values
        st.error(f"**Not saved.** {text.escape_markdown(error)}")
        return
    st.session_state[LAST_SAVE] = (opened.path, version)
    st.session_state.pop(UNSURE, None)
    saved_id = str(record.get("id"))
    verb = {"Edit": "Saved", "Add": "Added", "Duplicate": "Added"}[action]
    _forget_file()
    st.session_state[NOTICE] = f"{verb} {saved_id} in {shown_path(opened.path)}. The dashboard reloads the file."
    select("Edit", saved_id)
    st.rerun()


def _forget_file() -> None:
    """Read the file again on the next run and fill the form from it."""
    st.session_state.pop(OPENED, None)
    st.session_state.pop(LOADED, None)
    st.session_state.pop(CONFLICT, None)


def _undo_button() -> None:
    last = st.session_state.get(LAST_SAVE)
    if last is None:
        return
    path, version = last
    if st.button("Undo the last save", key="curate_undo", help=f"Put back {shown_path(path)} as it was before."):
        try:
            recordfiles.undo_last_save(path, version)
        except recordfiles.RecordFileError as error:
            st.error(f"**Not undone.** {text.escape_markdown(error)}")
            return
        st.session_state.pop(LAST_SAVE, None)
        _forget_file()
        st.session_state[NOTICE] = f"Undone: {shown_path(path)} is as it was before the last save."
        st.rerun()


def _delete(view: View, opened: recordfiles.RecordFile, record_id: str | None) -> None:
    record = opened.record(record_id)
    st.markdown(f"**{text.escape_markdown(record_id)}** · {text.escape_markdown(record.get('title') or '')}")
    confirmed = st.checkbox(
        f"Yes, delete {text.escape_markdown(record_id)} from this file",
        key=_selector_key(f"confirm_{record_id}"),  # a fresh box for every record and after every delete
    )
    row = st.container(horizontal=True)
    with row:
        if st.button("Delete the record", type="primary", disabled=not confirmed, key="curate_delete"):
            try:
                edited = opened.copy()  # the page's copy stays as read, should the delete be refused
                edited.remove(record_id)
                version = recordfiles.save(edited)
            except recordfiles.SaveConflict as error:
                st.error("**Not deleted: the file changed on disk since this page read it.**")
                st.code(error.diff or "", language="diff")
                _forget_file()
                return
            except (recordfiles.RecordFileError, KeyError, OSError) as error:
                st.error(f"**Not deleted.** {text.escape_markdown(error)}")
                return
            st.session_state[LAST_SAVE] = (opened.path, version)
            _forget_file()
            st.session_state[NOTICE] = f"Deleted {record_id} from {shown_path(opened.path)}. Undo puts it back."
            select("Delete", None)
            st.rerun()
        _undo_button()
