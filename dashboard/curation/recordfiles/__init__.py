"""Editing a record file safely: add, replace and remove records, save, and undo the last save.

For the Curate page, where analysts edit their own YAML record files (the nested form of
`dashboard.model.schema`). What it guarantees:

- Minimal changes. A file is split into its records (``- `` items at the left margin) and the text around
  them; a record not edited keeps its exact bytes. An edited record is read with ruamel.yaml's round-trip
  mode and updated in place (changed keys only, removed fields removed, new keys after the existing ones in
  the schema's order), so its comments and layout survive; only its lines change. A new record is appended
  after the last one, after a blank line. A removed record goes with the comment lines directly above it;
  the file's header comment and comment blocks separated by a blank line stay.
- Safe saving. `save` takes a lock (``.NAME.lock`` beside the file), re-reads the file and refuses with
  `SaveConflict` (holding a diff) if it changed since it was read; it keeps the bytes it replaces as
  ``.NAME.previous`` (so `undo_last_save` can put them back) and writes through `dashboard.safeio.atomic`
  (temporary file, fsync, rename, folder fsync), keeping the file's permission bits.
- Nothing else is written: only the file, its lock file, its ``.previous`` file and, while writing, hidden
  ``.partial`` temporaries (a killed save can leave one; the loader skips hidden files, and the next save of
  the file removes those older than a minute). Symbolic links, folders and special files are refused.

`check_record` checks one record exactly as the loader does (for the form), and `fresh_id` proposes an id.

The modules, from the bottom up (each imports only those before it):

- `ondisk`: which files may be edited, their bytes read safely, and the `FileVersion` read or written;
- `yamledit`: YAML surgery: the text split into records, a record's YAML updated in place (ruamel.yaml);
- `editing`: `RecordFile`, a file opened for editing, and `open_record_file`;
- `saving`: `save` and `undo_last_save`, locked and checked against the version read;
- `checks`: the form's `check_record` and `fresh_id`.
"""

from dashboard.curation.recordfiles.checks import check_record, fresh_id
from dashboard.curation.recordfiles.editing import RecordFile, open_record_file
from dashboard.curation.recordfiles.ondisk import FileVersion, RecordFileError
from dashboard.curation.recordfiles.saving import (
    NothingToUndo,
    SaveConflict,
    can_undo,
    previous_path,
    save,
    save_bytes,
    undo_last_save,
)

__all__ = [
    "FileVersion",
    "NothingToUndo",
    "RecordFile",
    "RecordFileError",
    "SaveConflict",
    "can_undo",
    "check_record",
    "fresh_id",
    "open_record_file",
    "previous_path",
    "save",
    "save_bytes",
    "undo_last_save",
]
