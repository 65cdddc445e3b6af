"""A draft as the analyst gets it: the `Draft` record with its review notes, and the YAML with the !draft tag.

`drafts_yaml` writes each draft tagged ``!draft`` with a ``review:`` mapping of the unsure fields (and a
comment on each such field): the loader refuses a ``!draft`` record, so an analyst must check the fields and
delete both marks before a draft can load.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dashboard.curation.drafts.finders import Figure
from dashboard.model.schema import FIELDS_BY_NAME
from dashboard.safeio.safeyaml import DRAFT_TAG

REVIEW_KEY = "review"


@dataclass
class Draft:
    """One reported event: the record in its nested (YAML) form and the fields the extractor was unsure of."""

    record: dict[str, Any]
    unsure: dict[str, str] = field(default_factory=dict)  # schema field name -> why it needs checking
    figures: list[Figure] = field(default_factory=list)  # every figure found, also those without a schema field
    sentences: list[str] = field(default_factory=list)  # the article's sentences it comes from

    @property
    def id(self) -> str:
        return str(self.record["id"])


YAML_HEADER = """\
DRAFT event records made by `python -m dashboard draft` from {article}, published {published}.
They are NOT reviewed. Each record is tagged !draft, and the loader refuses it while the tag is there.
To accept a draft: check every field listed under review: (marked "# unsure" where it stands), correct it,
write the title and summary in your own words, then delete the !draft tag and the review: mapping, and move
the record into a file of data/events.
"""


def drafts_yaml(drafts: Sequence[Draft], *, article: str = "an article", published: date | None = None) -> str:
    """The drafts as a YAML list: each record tagged ``!draft`` with a ``review:`` mapping (field: why) right
    after its id, and a ``# unsure`` comment on each of those fields."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.tag import Tag

    items = CommentedSeq()
    for draft in drafts:
        record = _commented(draft.record, CommentedMap)
        if draft.unsure:
            review = CommentedMap((name, reason) for name, reason in draft.unsure.items())
            record.insert(1, REVIEW_KEY, review)
            for name in draft.unsure:
                _mark(record, name, CommentedMap)
        record.yaml_set_ctag(Tag(suffix=DRAFT_TAG))
        items.append(record)
    shown = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", article)  # a file name cannot add lines
    when = published.isoformat() if published else "on an unknown date"
    header = YAML_HEADER.format(article=shown, published=when)
    if not drafts:  # an empty list with a comment is beyond ruamel's emitter
        return "".join(f"# {line}\n" for line in header.splitlines()) + "[]\n"
    items.yaml_set_start_comment(header)
    for index in range(1, len(items)):
        items.yaml_set_comment_before_after_key(index, before="\n")
    yaml = YAML()
    yaml.width = 120
    yaml.indent(mapping=2, sequence=2, offset=0)
    yaml.representer.ignore_aliases = lambda *_: True  # the loader refuses YAML aliases: write every value out
    out = io.StringIO()
    yaml.dump(items, out)
    return out.getvalue()


def _commented(value: Any, mapping: type) -> Any:
    if isinstance(value, dict):
        result = mapping()
        for key, item in value.items():
            result[key] = _commented(item, mapping)
        return result
    if isinstance(value, list):
        from ruamel.yaml.comments import CommentedSeq

        items = CommentedSeq(_commented(item, mapping) for item in value)
        if all(isinstance(item, str) for item in value):
            items.fa.set_flow_style()
        return items
    return value


def _mark(record: Any, name: str, mapping: type) -> None:
    """A ``# unsure`` comment at the field ``name`` (a schema field name, or a top-level key)."""
    schema_field = FIELDS_BY_NAME.get(name)
    path = schema_field.path if schema_field else (name,)
    node = record
    for key in path[:-1]:
        if not isinstance(node, mapping) or key not in node:
            node = None
            break
        node = node[key]
    key = path[-1]
    if isinstance(node, mapping) and key in node and not isinstance(node[key], mapping):
        node.yaml_add_eol_comment("unsure: see review", key)
    elif isinstance(node, mapping) and key in node:
        node.yaml_set_comment_before_after_key(key, before="unsure: see review", indent=2 * len(path))
