"""Stories: the shipped one loads clean; hostile story files cost only themselves, each problem at its file and
line; step text is shown as text; validate checks stories; a story exports as a briefing pack."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import pytest
from pptx import Presentation
from pypdf import PdfReader

from dashboard.cli import main
from dashboard.exports import briefing, images
from dashboard.exports.datafiles import ExportContext
from dashboard.geo import geodesy
from dashboard.sources.stories import MAX_STORY_BYTES, STORIES_DIR, load_stories, read_story
from dashboard.store.engine import store_from_frame
from dashboard.views import stories
from tests_support import as_shown, record, write_yaml

SHIPPED = "munitions-to-russia"
PROBLEM_LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): (\[(?P<id>[^\]]+)\] )?(?P<field>[^:]+: )?(?P<message>.+)$")
GOOD = """\
id: good
title: A good story
steps:
  - text: The Karachev strike.
    events: [2024-10-09-karachev-depot-strike]
"""


@pytest.fixture(scope="module")
def store(curated, registries):
    return store_from_frame(curated, registries)


@pytest.fixture(scope="module")
def borders() -> list[str]:
    return sorted(geodesy.load_borders())


def checked(folder: Path, curated, registries, borders):
    """The stories of ``folder`` that pass every check against the bundled events, and all the problems."""
    found, problems = load_stories(folder)
    good, more = stories.check_stories(found, registries, set(curated["id"]), borders)
    return good, problems + more


def test_the_shipped_story_loads_with_no_problem(curated, registries, borders) -> None:
    good, problems = checked(STORIES_DIR, curated, registries, borders)
    assert [str(problem) for problem in problems] == []
    [story] = [story for story in good if story.id == SHIPPED]
    assert 5 <= len(story.steps) <= 8
    assert all(step.text and step.events for step in story.steps)
    assert set(story.event_ids) <= set(curated["id"])
    assert {"2024-09-18-toropets-depot-strike", "2024-10-09-karachev-depot-strike"} <= set(story.event_ids)


def line_of(text: str, needle: str) -> int:
    """The 1-based line of ``text`` holding ``needle``."""
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


STEP = """\
id: bad
title: A bad story
steps:
  - text: First step.
    events: [2024-10-09-karachev-depot-strike]
"""

BOMB_LEVELS = list(zip("abcdefgh", "bcdefghi", strict=True))  # each level nine of the one before: 9**9 x
HOSTILE = {  # name: (text of the bad file, a word of its problem, the text of the line it is at, or None: line 1)
    "unknown event id": (STEP + "  - text: Second.\n    events: [2024-01-01-nowhere]\n", "no loaded event", "nowhere"),
    "bad actor filter": (
        STEP + "  - text: Second.\n    filters:\n      actor: Narnia\n",
        "unknown actor 'Narnia'",
        "actor: Narnia",
    ),
    "bad date": (
        STEP + "  - text: Second.\n    filters:\n      dates: [2024-13-01, 2024-12-31]\n",
        "is not a date",
        "2024-13-01",
    ),
    "dates in the wrong order": (
        STEP + "  - text: Second.\n    filters:\n      dates: [2024-12-31, 2024-01-01]\n",
        "is after",
        "2024-12-31",
    ),
    "bad ring": (
        STEP + "    rings: [70parsecs@place:Kharkiv]\n",
        "write a weapon id or a number",
        "70parsecs",
    ),
    "ring on an unknown event": (STEP + "    rings: [fath-360@event:nowhere]\n", "no event with that id", "fath-360"),
    "bad frame": (STEP + "    frame: [40, 50, 30, 55]\n", "west below east", "frame:"),
    "bad band": (STEP + "    band: {border: RUS-UKR, width: -1}\n", "band_width", "band:"),
    "unknown key": (STEP + "    evnets: [x]\n", "unknown key 'evnets' (did you mean events?)", "evnets"),
    "key given twice": (STEP + "    text: Again.\n", "key given twice", "text: Again"),
    "missing text": (STEP + "  - events: [2024-10-09-karachev-depot-strike]\n", "missing", "  - events:"),
    "missing title": (STEP.replace("title: A bad story\n", ""), "missing", None),
    "missing steps": ("id: bad\ntitle: No steps\n", "needs a list of steps", None),
    "not a mapping": ("- just\n- a list\n", "a story is a mapping", None),
    "aliases": (
        'id: bad\ntitle: &t "Bomb"\nsummary: *t\nsteps: []\n',
        "aliases (*name) are not allowed",
        "summary: *t",
    ),
    "yaml bomb": (
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"{name}: &{name} [{', '.join(['*' + before] * 9)}]\n" for before, name in BOMB_LEVELS)
        + "id: bad\n",
        "aliases (*name) are not allowed",
        "b: &b",
    ),
    "deep nesting": ("id: bad\ntitle: Deep\nsteps: " + "[" * 5_000 + "]" * 5_000 + "\n", "nested more than", "steps:"),
    "nesting past a story's": (
        "id: bad\ntitle: Deep\nsteps:\n  - text: x\n    filters:\n      q: " + "[" * 12 + "x" + "]" * 12 + "\n",
        "nested more than",
        "q: [",
    ),
    "broken YAML": (STEP + "  - text: [unclosed\n", "invalid YAML", None),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_story_gives_a_problem_at_its_file_and_line_and_the_rest_loads(
    case: str, tmp_path: Path, curated, registries, borders, yaml_parser: str
) -> None:
    text, message, where = HOSTILE[case]
    (tmp_path / "a-good.yaml").write_text(GOOD, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    good, problems = checked(tmp_path, curated, registries, borders)
    assert [story.id for story in good] == ["good"]
    assert problems, case
    assert all(problem.file == str(bad) and problem.line is not None for problem in problems)
    assert any(message in problem.message for problem in problems), [str(problem) for problem in problems]
    found = next(problem for problem in problems if message in problem.message)
    if where is not None:
        assert found.line == line_of(text, where), str(found)
    assert PROBLEM_LINE.match(str(found)), str(found)


def test_invalid_utf8_is_a_problem_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "a-good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.yaml").write_bytes(b"id: bad\ntitle: caf\xe9\nsteps: []\n")
    found, problems = load_stories(tmp_path)
    assert [story.id for story in found] == ["good"]
    [problem] = problems
    assert problem.line == 2 and "not UTF-8" in problem.message


def test_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    found, problems = load_stories(tmp_path)
    assert [story.id for story in found] == ["good"] and problems == []


def test_a_huge_file_is_refused_unread(tmp_path: Path) -> None:
    (tmp_path / "a-good.yaml").write_text(GOOD, encoding="utf-8")
    huge = tmp_path / "huge.yaml"
    huge.write_text("id: huge\ntitle: Huge\nsummary: " + "x" * (5 * 1024 * 1024) + "\n", encoding="utf-8")
    assert huge.stat().st_size > MAX_STORY_BYTES
    found, problems = load_stories(tmp_path)
    assert [story.id for story in found] == ["good"]
    [problem] = problems
    assert problem.file == str(huge) and "over 1,024 KB" in problem.message


def test_a_duplicate_story_id_keeps_the_first(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD.replace("A good story", "Another"), encoding="utf-8")
    found, problems = load_stories(tmp_path)
    assert [(story.id, story.title) for story in found] == [("good", "A good story")]
    [problem] = problems
    assert problem.file == str(tmp_path / "b.yaml") and problem.line == 1 and "used twice" in problem.message
    assert str(tmp_path / "a.yaml") in problem.message


def test_a_folder_that_is_not_a_file_or_is_missing(tmp_path: Path) -> None:
    (tmp_path / "folder.yaml").mkdir()
    assert read_story(tmp_path / "folder.yaml")[0] is None
    assert load_stories(tmp_path / "nowhere")[1][0].message == "no such folder of stories"


HOSTILE_TEXT = (
    "Look ![img](http://x.example/a.png) and <script>alert(1)</script>, a [link](http://evil.example), "
    "<img src=x onerror=alert(1)>, :material/home: and www.example.com; **bold** and *italic* stay.\n\n"
    "# not a heading\n\n- a bullet with [another](javascript:alert(1))\n- and a second"
)


def test_markdown_in_step_text_is_neutralised() -> None:
    markdown = stories.step_markdown(HOSTILE_TEXT)
    assert re.search(r"(?<!\\)[<>\[\]()!#`]", markdown) is None, markdown  # each such character escaped
    for live in (":material/home:", "www.example", "http://"):  # icons and bare addresses broken up
        assert live not in markdown, live
    assert "**bold**" in markdown and "*italic*" in markdown and "\n- a bullet" in markdown
    shown = as_shown(markdown)
    assert "![img](http://x.example/a.png)" in shown and "<script>alert(1)</script>" in shown
    assert "[link](http://evil.example)" in shown and "# not a heading" in shown


def test_step_text_as_slide_paragraphs() -> None:
    paragraphs = stories.step_paragraphs("One **bold** claim.\n\n- first\n- second\n  continued")
    assert paragraphs == ["One bold claim.", "• first", "• second continued"]


def test_a_step_frame_opens_the_map_there(store, registries, borders) -> None:
    [story] = [story for story in load_stories(STORIES_DIR)[0] if story.id == SHIPPED]
    for number, step in enumerate(story.steps, start=1):
        view = stories.step_view(story, number, store, registries, borders)
        west, south, east, north = step.frame.box
        assert west <= view.view_state.longitude <= east and south <= view.view_state.latitude <= north
        located = view.highlighted.dropna(subset=["latitude"])
        assert located["longitude"].between(west, east).all() and located["latitude"].between(south, north).all()


def test_a_step_shows_its_events_and_those_of_its_filters(store, registries, borders) -> None:
    [story] = [story for story in load_stories(STORIES_DIR)[0] if story.id == SHIPPED]
    second = stories.step_view(story, 2, store, registries, borders)  # filters: North Korea, Arms transfer
    assert set(second.highlighted_ids) < set(second.selection.rows()["id"])
    assert second.selection.count == 4
    first = stories.step_view(story, 1, store, registries, borders)  # no filters: its events only
    assert set(first.selection.rows()["id"]) == set(first.highlighted_ids)


# --- validate -----------------------------------------------------------------------------------------


def test_validate_checks_the_bundled_story(capsys) -> None:
    assert main(["validate"]) == 0
    [summary] = capsys.readouterr().out.splitlines()
    assert summary.endswith("; stories: 1 read, 1 loaded, 0 rejected")


def records_with_stories(tmp_path: Path, story: str) -> Path:
    events = tmp_path / "events"
    events.mkdir()
    write_yaml(events / "mine.yaml", [record(id="mine")])
    (tmp_path / "stories").mkdir()
    (tmp_path / "stories" / "a-good.yaml").write_text(GOOD.replace("2024-10-09-karachev-depot-strike", "mine"))
    (tmp_path / "stories" / "bad.yaml").write_text(story, encoding="utf-8")
    return events


def test_validate_prints_story_problems_and_exits_1(tmp_path: Path, capsys) -> None:
    bad = STEP.replace("2024-10-09-karachev-depot-strike", "mine") + "  - text: x\n    events: [gone]\n"
    events = records_with_stories(tmp_path, bad)
    assert main(["validate", str(events)]) == 1
    *problems, summary = capsys.readouterr().out.splitlines()
    assert summary == "1 read, 1 loaded, 0 rejected; stories: 2 read, 1 loaded, 1 rejected"
    [line] = problems
    match = PROBLEM_LINE.match(line)
    assert match, line
    assert match["path"] == str(tmp_path / "stories" / "bad.yaml") and match["id"] == "bad"
    assert int(match["line"]) == line_of(bad, "[gone]") and match["field"] == "steps[2].events[1]: "


def test_validate_takes_a_stories_folder(tmp_path: Path, capsys) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.yaml").write_text("id: x\ntitle: X\nsteps:\n  - text: y\n    events: [nowhere]\n")
    assert main(["validate", "--stories", str(tmp_path / "elsewhere")]) == 1
    assert "[x] steps[1].events[1]: no loaded event has this id" in capsys.readouterr().out
    assert main(["validate", "--stories", str(tmp_path / "missing")]) == 2


# --- the story as a briefing pack ----------------------------------------------------------------------


def test_story_export_bad_usage_exits_2(tmp_path: Path, capsys) -> None:
    out = str(tmp_path / "x.pptx")
    assert main(["export", "--story", "nowhere", "--format", "pptx", "--out", out]) == 2
    assert "no story has the id 'nowhere'" in capsys.readouterr().err
    assert main(["export", "--story", SHIPPED, "--format", "csv", "--out", out]) == 2
    assert main(["export", "--story", SHIPPED, "--format", "pdf", "--actor", "Iran", "--out", out]) == 2
    assert "leave out --actor" in capsys.readouterr().err
    (tmp_path / "x.pptx").write_bytes(b"mine")
    assert main(["export", "--story", SHIPPED, "--format", "pptx", "--out", out]) == 2
    assert "--force" in capsys.readouterr().err
    assert (tmp_path / "x.pptx").read_bytes() == b"mine"


def test_a_story_with_problems_is_not_exported(tmp_path: Path, capsys) -> None:
    events = records_with_stories(tmp_path, STEP + "    frame: [1, 2]\n")
    out = str(tmp_path / "x.pdf")
    assert main(["export", "--story", "bad", "--format", "pdf", "--data", str(events), "--out", out]) == 1
    assert "frame" in capsys.readouterr().err
    assert not Path(out).exists()


@pytest.fixture(scope="module")
def story_pack(store, registries, borders):
    if images.find_browser() is None:
        pytest.skip("no Chrome/Chromium: image exports skipped")
    [story] = [story for story in load_stories(STORIES_DIR)[0] if story.id == SHIPPED]
    context = ExportContext(stories.story_caption(story), "data/events", handling="UNCLASSIFIED")
    return story, briefing.build_story_briefing(story, store, registries, context, borders)


def test_the_story_pack_has_a_slide_per_step_a_title_and_the_sources(story_pack) -> None:
    story, pack = story_pack
    source_slides = math.ceil(len(pack.sources) / briefing.SOURCES_PER_SLIDE)
    slides = list(Presentation(io.BytesIO(briefing.story_pptx(pack))).slides)
    assert len(slides) == 1 + len(story.steps) + source_slides
    texts = ["\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame) for slide in slides]
    assert story.title in texts[0] and "UNCLASSIFIED" in texts[0]
    for number, (step, text) in enumerate(zip(story.steps, texts[1:], strict=False), start=1):
        assert f"Step {number} of {len(story.steps)}" in text and step.title in text
        assert sum(shape.shape_type == 13 for shape in slides[number].shapes) == 1  # its map
        assert slides[number].notes_slide.notes_text_frame.text  # the events' summaries
    assert texts[1 + len(story.steps)].startswith("UNCLASSIFIED") and "Sources" in texts[1 + len(story.steps)]
    assert "[1] " in texts[-source_slides]
    pdf = PdfReader(io.BytesIO(briefing.story_pdf(pack)))
    assert len(pdf.pages) == len(slides)
    assert "Step 3 of 7" in pdf.pages[3].extract_text()
