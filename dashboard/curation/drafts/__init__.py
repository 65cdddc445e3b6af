"""Draft event records from a news article, for an analyst to review before they join the record files.

`draft_records` reads an article's text and its publication date and returns one `Draft` per event the article
reports (not one per sentence): the nested record (the schema's YAML form) and ``unsure``, every field the
extractor guessed, with the reason. How each field is found:

- dates: date phrases are located in each sentence (`dates._DATE_PHRASE`), then parsed by ``dateparser`` against
  the publication date (past preferred, future when the clause speaks of the future: "is set to meet on Friday");
  its period gives the precision (day, week, month, year). Vague phrases ("recently", "in recent months",
  "in the near future") become honest spans from `dates.VAGUE_DATES`; the source's phrase is kept as
  ``date.phrase``;
- actors: names and aliases of ``actors.yaml`` (demonyms and capitals included) found in the text;
- event type: the cue words of ``event_types.yaml`` (``cues:``); reporting verbs make a statement only when no
  other type is cued;
- places: the gazetteer (`dashboard.places.gazetteer`, or the curated ``gazetteer.csv`` alone until it is
  there) for capitalised names after "in", "near", "at", "inside", "from", "to";
- weapons: names and aliases of ``weapons.yaml``, exact or close (``rapidfuzz``);
- figures: killed, wounded, personnel, quantities and claimed distances, as the schema's figures;
- confidence: the wording (`finders.CONFIDENCE_CUES`, the one table of it) and who says it ("according to ...",
  "X said").

Drafts never enter the record files by themselves. `drafts_yaml` writes each one tagged ``!draft`` with a
``review:`` mapping of the unsure fields (and a comment on each such field): the loader refuses a ``!draft``
record ("could not determine a constructor for the tag '!draft'"), so an analyst must check the fields and
delete both marks before a draft can load. `score_drafts` measures drafts against curated records.

The modules, from the bottom up (each imports only those before it):

- `text`: the article's headline-like lines and paragraphs, cut into sentences;
- `dates`: date phrases resolved against the publication date;
- `finders`: what a sentence names (cues of event types, actors, weapons, places, figures, certainty, speakers);
- `grouping`: the clauses that cue an event, grouped into the events they report;
- `output`: the `Draft` and its YAML with the ``!draft`` tag and the review notes;
- `drafting`: `draft_records`, each event's record built field by field;
- `scoring`: drafts measured against curated records.
"""

from dashboard.curation.drafts.dates import find_dates, resolve_date, span_of
from dashboard.curation.drafts.drafting import MAX_ARTICLE_CHARS, draft_records
from dashboard.curation.drafts.finders import default_places, find_actors, find_figures
from dashboard.curation.drafts.output import DRAFT_TAG, REVIEW_KEY, Draft, drafts_yaml
from dashboard.curation.drafts.scoring import score_drafts

__all__ = [
    "DRAFT_TAG",
    "MAX_ARTICLE_CHARS",
    "REVIEW_KEY",
    "Draft",
    "default_places",
    "draft_records",
    "drafts_yaml",
    "find_actors",
    "find_dates",
    "find_figures",
    "resolve_date",
    "score_drafts",
    "span_of",
]
