"""The briefing pack: a 16:9 PPTX and the same pack as PDF.

Slides: title (title, filter caption, data as-of date, handling banner), the bottom line (the analyst's key
judgements, with the events and the period behind them), timeline, map with rings, key events (each with the
numbers of its sources; speaker notes hold their summaries), sources numbered to match, and what confidence
and precision mean. Every slide carries the handling banner and a footer with the filter caption, the data's
as-of date, the generation time and the page number.

Record text can hold anything: both writers start from `fit_for_slides`, which passes every text through
`dashboard.views.text.xml_safe_text` (lxml, under python-pptx, refuses control characters) and shortens texts too
long for a slide; fpdf2 also sends everything it draws through it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
from fpdf import FPDF
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from dashboard.exports import images, static_map
from dashboard.exports.datafiles import PRODUCT, ExportContext
from dashboard.geo.overlays import Band, Ring
from dashboard.model.schema import (
    CONFIDENCE_LEVELS,
    CONFIDENCE_MEANINGS,
    DATE_PRECISION_MEANINGS,
    LOCATION_PRECISION_MEANINGS,
)
from dashboard.store import queries
from dashboard.store.filters import caption
from dashboard.store.selection import Selection
from dashboard.views import figures
from dashboard.views.tables import actors_text, date_text
from dashboard.views.text import xml_safe_text

FONTS = Path(__file__).resolve().parents[1] / "assets" / "fonts"
ROWS_PER_SLIDE = 10
SOURCES_PER_SLIDE = 14
MAX_SOURCES = SOURCES_PER_SLIDE * 10 - 1  # sources listed: ten slides at most, the last line says how many more
MAX_TABLE_SLIDES = 5
TIMELINE_SIZE = (1600, 760)
DARK, MUTED, BANNER = RGBColor(0x1F, 0x29, 0x33), RGBColor(0x55, 0x5F, 0x6B), RGBColor(0x0B, 0x6E, 0x35)
# The most characters one text shows: a longer one would not fit its slide (and a PDF table row higher than a
# page cannot be drawn at all).
TITLE_CHARS, CAPTION_CHARS, CELL_CHARS, SOURCE_CHARS = 200, 300, 240, 400
MAX_JUDGEMENTS = 6  # bullets on the bottom-line slide
NOTE_CHARS = 1_500  # an event's summary in the speaker notes


@dataclass
class Briefing:
    """Everything the pack shows, computed once for both formats."""

    title: str
    context: ExportContext
    as_of: str  # latest date the data speaks of
    count: int
    timeline_png: bytes
    maps: list[tuple[str, bytes]]  # (slide heading, PNG): the overview, then closer maps of its clusters
    key_events: pd.DataFrame  # Date, Title, Place, Actors, Confidence, Sources (their numbers), Summary
    more_events: int  # events not listed on the key-event slides
    sources: list[str]  # "[n] publisher: title, date — address", numbered as the key events cite them
    explanations: list[tuple[str, list[tuple[str, str]]]]
    judgements: list[str]  # the analyst's key judgements, one per bullet (none: the slide says so)
    behind: str  # the events and the period the judgements rest on


def shorten(text: object, limit: int) -> str:
    """``text`` fit for a slide: without the characters XML forbids, at most ``limit`` characters (``…`` ends a
    shortened one)."""
    clean = xml_safe_text(text)
    return clean if len(clean) <= limit else clean[: limit - 1].rstrip() + "…"


def fit_for_slides(briefing: Briefing) -> Briefing:
    """The pack with every text `shorten`-ed: what both writers draw, whatever the records and options held."""
    context = briefing.context
    return replace(
        briefing,
        title=shorten(briefing.title, TITLE_CHARS),
        context=replace(
            context,
            caption=shorten(context.caption, CAPTION_CHARS),
            data_source=shorten(context.data_source, CAPTION_CHARS),
            handling=shorten(context.handling, TITLE_CHARS),
        ),
        as_of=shorten(briefing.as_of, CELL_CHARS),
        judgements=[shorten(line, SOURCE_CHARS) for line in briefing.judgements[:MAX_JUDGEMENTS]],
        behind=shorten(briefing.behind, SOURCE_CHARS),
        key_events=briefing.key_events.astype(object).apply(
            lambda column: column.map(
                lambda cell: shorten(cell, NOTE_CHARS if column.name == "Summary" else CELL_CHARS)
            )
        ),
        maps=[(shorten(heading, TITLE_CHARS), png) for heading, png in briefing.maps],
        sources=[shorten(line, SOURCE_CHARS) for line in briefing.sources],
        explanations=[
            (
                shorten(heading, CAPTION_CHARS),
                [(shorten(term, CELL_CHARS), shorten(text, SOURCE_CHARS)) for term, text in items],
            )
            for heading, items in briefing.explanations
        ],
    )


def _source_line(source: object) -> str:
    date = f", {source.published}" if source.published else ""
    address = f" — {source.url}" if source.url else ""
    return f"{source.publisher}: {source.title}{date}{address}"


def numbered_sources(listed: pd.DataFrame, others: pd.DataFrame) -> tuple[list[list[int]], list[str]]:
    """Numbers for the sources (one per publisher and title): first those of the key events, in the order the
    slides list them, then the rest (``others``, sorted). Returns each listed event's source numbers and the
    numbered lines of the sources slide."""
    numbers: dict[tuple, int] = {}
    lines: list[str] = []
    cited = []
    for sources in listed["sources"]:
        mine = []
        for source in sources:
            key = (source.publisher, source.title)
            if key not in numbers:
                numbers[key] = len(numbers) + 1
                lines.append(f"[{numbers[key]}] {_source_line(source)}")
            mine.append(numbers[key])
        cited.append(sorted(set(mine)))
    for source in others.itertuples(index=False):
        key = (source.publisher, source.title)
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            lines.append(f"[{numbers[key]}] {_source_line(source)}")
    return cited, lines


def behind_the_judgements(selection: Selection) -> str:
    """``"20 events from 2023-09-13 to 2024-10-13: 6 depot hits, 4 arms transfers, ..."``."""
    bounds = selection.date_bounds
    period = f" from {bounds[0]:%Y-%m-%d} to {bounds[1]:%Y-%m-%d}" if bounds else ""
    registries = selection.registries
    counts = selection.type_counts().head(4)
    kinds = ", ".join(f"{count:,} × {registries.event_type_label(kind)}" for kind, count in counts.items())
    return f"{selection.count:,} events{period}" + (f": {kinds}" if kinds else "")


def build_briefing(
    selection: Selection,
    context: ExportContext,
    rings: list[Ring] = (),
    band: Band | None = None,
    title: str = "Conflict events briefing",
    judgements: list[str] = (),
) -> Briefing:
    """Render the charts (one browser session for both) and gather the slide content."""
    registries = selection.registries
    timeline = images.for_print(images.with_caption(figures.timeline_figure(selection), context, "Timeline"))
    timeline.update_layout(height=None)
    width, height = static_map.MAP_IMAGE_SIZE
    generated = f"Generated {context.generated_text}"
    maps = [("Map", static_map.static_map_figure(selection, list(rings), band, "Map", context.caption, generated))]
    located = selection.located
    for group in static_map.clusters(located.rows()) if located.count <= figures.POINT_LIMIT else []:
        heading = f"Map: {static_map.cluster_name(group)}"
        figure = static_map.static_map_figure(
            selection, list(rings), band, heading, context.caption, generated, focus=group
        )
        maps.append((heading, figure))
    timeline_png, *map_pngs = images.render_images(
        [(timeline, "png", *TIMELINE_SIZE, 2)] + [(figure, "png", width, height, 2) for _, figure in maps]
    )
    listed = selection.newest(ROWS_PER_SLIDE * MAX_TABLE_SLIDES).reset_index(drop=True)
    cited, sources = numbered_sources(listed, queries.sources(selection.table, MAX_SOURCES))
    sources = sources[:MAX_SOURCES]
    key_events = pd.DataFrame(
        {
            "Date": date_text(listed),
            "Title": listed["title"],
            "Place": listed["place"].fillna("").astype(str),
            "Actors": actors_text(listed, registries),
            "Confidence": listed["confidence"].astype(str),
            "Sources": [", ".join(map(str, numbers)) for numbers in cited],
            "Summary": listed["summary"].fillna("").astype(str).map(lambda text: text[:NOTE_CHARS]),
        }
    )
    more = queries.source_total(selection.table) - len(sources)
    if more > 0:
        sources.append(f"… and {more:,} more sources: export the data for all of them.")
    latest = queries.latest_date(selection.table) or "no data"
    explanations = [
        ("Confidence (as the sources put it)", [(level, CONFIDENCE_MEANINGS[level]) for level in CONFIDENCE_LEVELS]),
        ("Date precision", list(DATE_PRECISION_MEANINGS.items())),
        ("Location precision", list(LOCATION_PRECISION_MEANINGS.items())),
    ]
    return Briefing(
        title,
        context,
        latest,
        selection.count,
        timeline_png,
        [(heading, png) for (heading, _), png in zip(maps, map_pngs, strict=True)],
        key_events.reset_index(drop=True),
        selection.count - len(listed),
        sources,
        explanations,
        [line.strip() for line in judgements if line.strip()],
        behind_the_judgements(selection),
    )


NO_JUDGEMENTS = "No key judgements were written for this pack (type them on the Export page, or pass --judgement)."
KEY_COLUMNS = (("Date", 1.5), ("Title", 4.4), ("Place", 2.0), ("Actors", 2.3), ("Confidence", 1.2), ("Sources", 0.9))


def _footer(briefing: Briefing | StoryBriefing) -> str:
    context = briefing.context
    return f"{context.caption} · data as of {briefing.as_of} · generated {context.generated_text} · {PRODUCT}"


def _speaker_notes(rows: list[dict]) -> str:
    return "\n\n".join(f"{row['Date']} — {row['Title']}: {row['Summary']}" for row in rows)


def _chunks(items: list, size: int) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)] or [[]]


# --- PPTX ------------------------------------------------------------------------------------------------


def _text(slide, left, top, width, height, text: str, size: int, bold: bool = False, colour=DARK, align=None):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    paragraph.text = text
    paragraph.font.size, paragraph.font.bold, paragraph.font.color.rgb = Pt(size), bold, colour
    if align is not None:
        paragraph.alignment = align
    return box


def _frame(presentation: Presentation, briefing: Briefing | StoryBriefing, heading: str | None):
    slide = presentation.slides.add_slide(presentation.slide_layouts[6])  # blank
    width = presentation.slide_width
    if briefing.context.handling:
        for top in (Inches(0.05), presentation.slide_height - Inches(0.35)):
            _text(slide, 0, top, width, Inches(0.3), briefing.context.handling, 12, True, BANNER, PP_ALIGN.CENTER)
    if heading:
        _text(slide, Inches(0.5), Inches(0.35), width - Inches(1), Inches(0.6), heading, 26, True)
    _text(
        slide,
        Inches(0.5),
        presentation.slide_height - Inches(0.65),
        width - Inches(1.6),
        Inches(0.3),
        _footer(briefing),
        9,
        colour=MUTED,
    )
    number = len(presentation.slides)
    _text(
        slide,
        width - Inches(1.0),
        presentation.slide_height - Inches(0.65),
        Inches(0.5),
        Inches(0.3),
        str(number),
        9,
        colour=MUTED,
        align=PP_ALIGN.RIGHT,
    )
    return slide


def _picture(slide, png: bytes, presentation: Presentation) -> None:
    top, bottom_margin = Inches(1.05), Inches(0.75)
    max_width, max_height = presentation.slide_width - Inches(0.8), presentation.slide_height - top - bottom_margin
    picture = slide.shapes.add_picture(io.BytesIO(png), Inches(0.4), top)
    scale = min(max_width / picture.width, max_height / picture.height)
    picture.width, picture.height = Emu(int(picture.width * scale)), Emu(int(picture.height * scale))
    picture.left = Emu(int((presentation.slide_width - picture.width) / 2))


def _presentation() -> Presentation:
    presentation = Presentation()
    presentation.slide_width, presentation.slide_height = Inches(13.333), Inches(7.5)  # 16:9
    return presentation


def _facts(pack: Briefing | StoryBriefing) -> str:
    return (
        f"Data as of {pack.as_of} · {pack.count} events · source: {pack.context.data_source}\n"
        f"Generated {pack.context.generated_text} by the {PRODUCT}"
    )


def _title_slide(presentation: Presentation, pack: Briefing | StoryBriefing, subtitle: str, lines: int = 2) -> None:
    """The first slide: the title, ``subtitle`` (``lines`` lines of it at most) and where the data comes from."""
    width = presentation.slide_width
    slide = _frame(presentation, pack, None)
    _text(slide, Inches(0.8), Inches(2.0), width - Inches(1.6), Inches(1.2), pack.title, 40, True)
    size = 20 if lines <= 2 else 18
    _text(slide, Inches(0.8), Inches(3.3), width - Inches(1.6), Inches(0.45 * lines), subtitle, size, colour=MUTED)
    top = Inches(3.3 + 0.45 * lines + 0.1)
    _text(slide, Inches(0.8), top, width - Inches(1.6), Inches(1.0), _facts(pack), 14, colour=MUTED)


def _sources_slides(presentation: Presentation, pack: Briefing | StoryBriefing) -> None:
    """The numbered sources, `SOURCES_PER_SLIDE` to a slide."""
    width = presentation.slide_width
    for page, chunk in enumerate(_chunks(pack.sources, SOURCES_PER_SLIDE), start=1):
        pages = len(_chunks(pack.sources, SOURCES_PER_SLIDE))
        slide = _frame(presentation, pack, "Sources" + (f" ({page}/{pages})" if pages > 1 else ""))
        box = _text(slide, Inches(0.5), Inches(1.1), width - Inches(1), Inches(5.4), "", 11)
        frame = box.text_frame
        for number, line in enumerate(chunk):
            paragraph = frame.paragraphs[0] if number == 0 else frame.add_paragraph()
            paragraph.text = line
            paragraph.font.size = Pt(11)


def briefing_pptx(briefing: Briefing) -> bytes:
    briefing = fit_for_slides(briefing)
    presentation = _presentation()
    width = presentation.slide_width
    _title_slide(presentation, briefing, briefing.context.caption)
    slide = _frame(presentation, briefing, "Bottom line")
    box = _text(slide, Inches(0.8), Inches(1.3), width - Inches(1.6), Inches(4.2), "", 20)
    for number, line in enumerate(briefing.judgements or [NO_JUDGEMENTS]):
        paragraph = box.text_frame.paragraphs[0] if number == 0 else box.text_frame.add_paragraph()
        paragraph.text = f"• {line}" if briefing.judgements else line
        paragraph.font.size = Pt(20 if briefing.judgements else 16)
        paragraph.font.color.rgb = DARK if briefing.judgements else MUTED
        paragraph.space_after = Pt(10)
    _text(
        slide,
        Inches(0.8),
        Inches(5.7),
        width - Inches(1.6),
        Inches(0.8),
        f"Behind them: {briefing.behind} · data as of {briefing.as_of}",
        14,
        colour=MUTED,
    )
    _picture(_frame(presentation, briefing, "Timeline"), briefing.timeline_png, presentation)
    for heading, png in briefing.maps:
        _picture(_frame(presentation, briefing, heading), png, presentation)
    rows = briefing.key_events.to_dict("records")
    for page, chunk in enumerate(_chunks(rows, ROWS_PER_SLIDE), start=1):
        pages = len(_chunks(rows, ROWS_PER_SLIDE))
        slide = _frame(presentation, briefing, "Key events" + (f" ({page}/{pages})" if pages > 1 else ""))
        table = slide.shapes.add_table(
            len(chunk) + 1,
            len(KEY_COLUMNS),
            Inches(0.5),
            Inches(1.1),
            width - Inches(1),
            Inches(0.4) * (len(chunk) + 1),
        ).table
        for column, (name, share) in enumerate(KEY_COLUMNS):
            table.columns[column].width = Inches(share)
            table.cell(0, column).text = name
            table.cell(0, column).text_frame.paragraphs[0].font.size = Pt(12)
        for row_number, row in enumerate(chunk, start=1):
            for column, (name, _share) in enumerate(KEY_COLUMNS):
                cell = table.cell(row_number, column)
                cell.text = str(row[name])
                cell.text_frame.paragraphs[0].font.size = Pt(11)
        slide.notes_slide.notes_text_frame.text = _speaker_notes(chunk)
        if page == pages and briefing.more_events:
            _text(
                slide,
                Inches(0.5),
                presentation.slide_height - Inches(1.05),
                width - Inches(1),
                Inches(0.3),
                f"{briefing.more_events} earlier events are not listed; the data exports hold all of them.",
                11,
                colour=MUTED,
            )
    _sources_slides(presentation, briefing)
    slide = _frame(presentation, briefing, "Reading the events: confidence and precision")
    column_width = (width - Inches(1.2)) / 3
    for column, (heading, items) in enumerate(briefing.explanations):
        box = _text(
            slide,
            Inches(0.5) + column * (column_width + Inches(0.1)),
            Inches(1.1),
            column_width,
            Inches(5.2),
            heading,
            15,
            True,
        )
        for term, meaning in items:
            paragraph = box.text_frame.add_paragraph()
            paragraph.text = f"{term}: {meaning}"
            paragraph.font.size = Pt(12)
            paragraph.space_before = Pt(6)
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


# --- PDF -------------------------------------------------------------------------------------------------


class _Pack(FPDF):
    def __init__(self, briefing: Briefing | StoryBriefing) -> None:
        super().__init__(orientation="L", unit="mm", format=(190.5, 338.7))  # 16:9, as the slides
        self.briefing = briefing
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=False)
        self.set_title(briefing.title)
        self.set_creator(PRODUCT)

    def normalize_text(self, text: str) -> str:
        """fpdf2 passes every text it draws through here: none with characters XML forbids."""
        return super().normalize_text(xml_safe_text(text))

    def new_page(self, heading: str | None) -> None:
        self.add_page()
        handling = self.briefing.context.handling
        if handling:
            self.set_font("DejaVu", "B", 11)
            self.set_text_color(0x0B, 0x6E, 0x35)
            for y in (2, self.h - 8):
                self.set_xy(0, y)
                self.cell(self.w, 6, handling, align="C")
        if heading:
            self.set_font("DejaVu", "B", 20)
            self.set_text_color(0x1F, 0x29, 0x33)
            self.set_xy(12, 10)
            self.cell(self.w - 24, 12, heading)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(0x55, 0x5F, 0x6B)
        self.set_xy(12, self.h - 15)
        self.cell(self.w - 40, 5, _footer(self.briefing))
        self.set_xy(self.w - 28, self.h - 15)
        self.cell(16, 5, str(self.page_no()), align="R")
        self.set_text_color(0x1F, 0x29, 0x33)

    def picture(self, png: bytes) -> None:
        top, bottom = 26, 18
        self.image(io.BytesIO(png), x=12, y=top, w=self.w - 24, h=self.h - top - bottom, keep_aspect_ratio=True)


def _pdf_title_page(pdf: _Pack, subtitle: str) -> None:
    pack = pdf.briefing
    pdf.new_page(None)
    pdf.set_font("DejaVu", "B", 30)
    pdf.set_xy(20, 50)
    pdf.multi_cell(pdf.w - 40, 13, pack.title)
    pdf.set_font("DejaVu", "", 15)
    pdf.set_text_color(0x55, 0x5F, 0x6B)
    pdf.set_x(20)
    pdf.multi_cell(pdf.w - 40, 8, subtitle)
    pdf.set_font("DejaVu", "", 11)
    pdf.set_x(20)
    pdf.multi_cell(pdf.w - 40, 6, _facts(pack))
    pdf.set_text_color(0x1F, 0x29, 0x33)


def _pdf_sources_pages(pdf: _Pack) -> None:
    source_chunks = _chunks(pdf.briefing.sources, SOURCES_PER_SLIDE)
    for page, chunk in enumerate(source_chunks, start=1):
        pdf.new_page("Sources" + (f" ({page}/{len(source_chunks)})" if len(source_chunks) > 1 else ""))
        pdf.set_font("DejaVu", "", 9)
        pdf.set_xy(12, 26)
        for line in chunk:
            pdf.set_x(12)
            pdf.multi_cell(pdf.w - 24, 5, line, align="L")
            pdf.ln(1)


def briefing_pdf(briefing: Briefing) -> bytes:
    briefing = fit_for_slides(briefing)
    pdf = _Pack(briefing)
    _pdf_title_page(pdf, briefing.context.caption)
    pdf.new_page("Bottom line")
    pdf.set_xy(20, 30)
    for line in briefing.judgements or [NO_JUDGEMENTS]:
        pdf.set_font("DejaVu", "", 15 if briefing.judgements else 12)
        pdf.set_text_color(*((0x1F, 0x29, 0x33) if briefing.judgements else (0x55, 0x5F, 0x6B)))
        pdf.set_x(20)
        pdf.multi_cell(pdf.w - 40, 8, f"• {line}" if briefing.judgements else line, align="L")
        pdf.ln(3)
    pdf.set_font("DejaVu", "", 11)
    pdf.set_text_color(0x55, 0x5F, 0x6B)
    pdf.set_xy(20, pdf.h - 40)
    pdf.multi_cell(pdf.w - 40, 6, f"Behind them: {briefing.behind} · data as of {briefing.as_of}", align="L")
    pdf.set_text_color(0x1F, 0x29, 0x33)
    pdf.new_page("Timeline")
    pdf.picture(briefing.timeline_png)
    pdf.new_page(briefing.maps[0][0])
    pdf.picture(briefing.maps[0][1])
    for heading, png in briefing.maps[1:]:
        pdf.new_page(heading)
        pdf.picture(png)
    rows = briefing.key_events.to_dict("records")
    chunks = _chunks(rows, ROWS_PER_SLIDE)
    for page, chunk in enumerate(chunks, start=1):
        pdf.new_page("Key events" + (f" ({page}/{len(chunks)})" if len(chunks) > 1 else ""))
        pdf.set_font("DejaVu", "", 9)
        pdf.set_xy(12, 26)
        with pdf.table(
            col_widths=tuple(share for _name, share in KEY_COLUMNS), line_height=5, text_align="LEFT"
        ) as table:
            table.row([name for name, _share in KEY_COLUMNS])
            for row in chunk:
                table.row([str(row[name]) for name, _share in KEY_COLUMNS])
        if page == len(chunks) and briefing.more_events:
            pdf.set_x(12)
            pdf.cell(0, 8, f"{briefing.more_events} earlier events are not listed; the data exports hold all of them.")
    _pdf_sources_pages(pdf)
    pdf.new_page("Reading the events: confidence and precision")
    column_width = (pdf.w - 24 - 10) / 3
    for column, (heading, items) in enumerate(briefing.explanations):
        x = 12 + column * (column_width + 5)
        pdf.set_xy(x, 26)
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(column_width, 7, heading, align="L")
        pdf.set_font("DejaVu", "", 10)
        for term, meaning in items:
            pdf.set_x(x)
            pdf.multi_cell(column_width, 5, f"{term}: {meaning}", align="L")
            pdf.ln(2)
    return bytes(pdf.output())


def briefing_file(
    fmt: str,
    selection: Selection,
    context: ExportContext,
    rings: list[Ring] = (),
    band: Band | None = None,
    title: str = "Conflict events briefing",
    judgements: list[str] = (),
) -> bytes:
    """The briefing pack as ``pptx`` or ``pdf``; raises `images.ExportError` when there is nothing to brief."""
    if selection.empty:
        raise images.ExportError("no events match these filters: nothing to brief")
    pack = build_briefing(selection, context, rings, band, title, judgements)
    return briefing_pptx(pack) if fmt == "pptx" else briefing_pdf(pack)


# --- the story pack ------------------------------------------------------------------------------------

STEP_MAP_SCALE = 1.25  # the step map fills about 8 inches of a slide: 2,000 pixels are plenty
STEP_EVENTS_LISTED = 4  # events named under a step's map; the speaker notes hold all of them
STEP_MAP_ASPECT = 2.25  # width / height of the map inside a MAP_IMAGE_SIZE image, below its title and above its legend
STORY_SUMMARY_CHARS = 600


@dataclass
class StoryStepSlide:
    heading: str  # "Step 2 of 7 · Seoul keeps count of the containers"
    paragraphs: list[str]  # the step's text, plain (bullets as "•")
    events: list[str]  # "2024-10-09 · Title [1, 3]", the numbers of their sources
    map_png: bytes
    notes: str  # the events' summaries, for the speaker notes


@dataclass
class StoryBriefing:
    """A story as a pack: the title slide, one slide per step (its map, text and events), the sources."""

    title: str
    summary: str
    context: ExportContext
    as_of: str
    count: int  # events the story names
    steps: list[StoryStepSlide]
    sources: list[str]


def fit_story_for_slides(pack: StoryBriefing) -> StoryBriefing:
    """The story pack with every text `shorten`-ed, as `fit_for_slides` does for the briefing pack."""
    context = pack.context
    return replace(
        pack,
        title=shorten(pack.title, TITLE_CHARS),
        summary=shorten(pack.summary, STORY_SUMMARY_CHARS),
        context=replace(
            context,
            caption=shorten(context.caption, CAPTION_CHARS),
            data_source=shorten(context.data_source, CAPTION_CHARS),
            handling=shorten(context.handling, TITLE_CHARS),
        ),
        as_of=shorten(pack.as_of, CELL_CHARS),
        steps=[
            replace(
                step,
                heading=shorten(step.heading, TITLE_CHARS // 2),
                paragraphs=[shorten(paragraph, SOURCE_CHARS * 3) for paragraph in step.paragraphs],
                events=[shorten(line, CELL_CHARS // 2) for line in step.events],
                notes=shorten(step.notes, NOTE_CHARS * 4),
            )
            for step in pack.steps
        ],
        sources=[shorten(line, SOURCE_CHARS) for line in pack.sources],
    )


def _step_map(step, context: ExportContext, total: int):  # step: dashboard.views.stories.StepView
    """The step's map as the page frames it, its events ringed, as a figure that renders offline."""
    import plotly.graph_objects as go

    focus = None
    if step.box is not None:
        west, south, east, north = step.box
        focus = pd.DataFrame({"longitude": [west, east], "latitude": [south, north], "place": [None, None]})
    selection = step.selection
    shown = (
        "Other marks: " + caption(step.filters, selection.count, total, selection.registries)
        if step.filters.is_active
        else "The step's events only"
    )
    figure = static_map.static_map_figure(
        selection,
        step.rings,
        step.band,
        "Ringed: the events of this step",
        shown,
        f"Generated {context.generated_text}",
        aspect=STEP_MAP_ASPECT,
        focus=focus,
    )
    placed = step.highlighted.dropna(subset=["latitude", "longitude"]) if not step.highlighted.empty else None
    if placed is not None and not placed.empty:
        figure.add_trace(
            go.Scattergeo(
                lon=placed["longitude"],
                lat=placed["latitude"],
                mode="markers",
                marker={"size": 34, "symbol": "circle-open", "color": "#111111", "line": {"width": 4}},
                name="Events of this step",
                hoverinfo="skip",
            )
        )
    return figure


def build_story_briefing(story, store, registries, context: ExportContext, borders=(), title: str | None = None):
    """Render every step's map (one browser session for all) and gather the story pack's content. ``story``:
    a `dashboard.sources.stories.Story` that passed `dashboard.views.stories.check_story`."""
    from dashboard.views import stories

    steps = [stories.step_view(story, number, store, registries, borders) for number in range(1, len(story.steps) + 1)]
    width, height = static_map.MAP_IMAGE_SIZE
    total = queries.count(store.table)
    pngs = images.render_images(
        [(_step_map(step, context, total), "png", width, height, STEP_MAP_SCALE) for step in steps]
    )
    ids = story.event_ids
    events = queries.events_by_id(store.table, registries, ids)
    events = events.assign(_order=events["id"].map({event: n for n, event in enumerate(ids)})).sort_values("_order")
    empty_sources = pd.DataFrame(columns=["publisher", "title", "url", "published"])
    cited, sources = numbered_sources(events.reset_index(drop=True), empty_sources)
    numbers = dict(zip(events["id"], cited, strict=True))
    dates = dict(zip(events["id"], date_text(events), strict=True)) if not events.empty else {}
    slides = []
    for step, png in zip(steps, pngs, strict=True):
        rows = step.highlighted
        lines = [
            f"{dates[event]} · {shorten(title_, 90)} [{', '.join(map(str, numbers[event]))}]"
            for event, title_ in zip(rows["id"], rows["title"], strict=True)
        ]
        if len(lines) > STEP_EVENTS_LISTED:
            more = len(lines) - STEP_EVENTS_LISTED + 1
            lines = [*lines[: STEP_EVENTS_LISTED - 1], f"… and {more} more events: see the speaker notes"]
        notes = "\n\n".join(
            f"{dates[event]} — {title_}: {summary}"
            for event, title_, summary in zip(rows["id"], rows["title"], rows["summary"].fillna(""), strict=True)
        )
        slides.append(StoryStepSlide(step.heading, stories.step_paragraphs(step.step.text), lines, png, notes))
    latest = queries.latest_date(store.table.filter(store.table.id.isin(ids or [""]))) or "no data"
    return StoryBriefing(title or story.title, story.summary, context, latest, len(events), slides, sources)


def _step_text_size(paragraphs: list[str]) -> int:
    """Points for a step's text beside its map: smaller the longer it is (the story's checks cap its length)."""
    length = sum(map(len, paragraphs))
    return 16 if length <= 500 else 14 if length <= 750 else 12


def story_pptx(pack: StoryBriefing) -> bytes:
    pack = fit_story_for_slides(pack)
    presentation = _presentation()
    _title_slide(presentation, pack, pack.summary or pack.context.caption, lines=4 if pack.summary else 2)
    map_width, map_height = Inches(7.9), Inches(7.9 * 9 / 16)
    for step in pack.steps:
        slide = _frame(presentation, pack, step.heading)
        picture = slide.shapes.add_picture(io.BytesIO(step.map_png), Inches(0.4), Inches(1.05))
        scale = min(map_width / picture.width, map_height / picture.height)
        picture.width, picture.height = Emu(int(picture.width * scale)), Emu(int(picture.height * scale))
        size = _step_text_size(step.paragraphs)
        box = _text(slide, Inches(8.55), Inches(1.05), Inches(4.4), Inches(5.6), "", size)
        for number, paragraph_text in enumerate(step.paragraphs):
            paragraph = box.text_frame.paragraphs[0] if number == 0 else box.text_frame.add_paragraph()
            paragraph.text = paragraph_text
            paragraph.font.size = Pt(size)
            paragraph.font.color.rgb = DARK
            paragraph.space_after = Pt(6 if paragraph_text.startswith("•") else 9)
        top = Inches(1.05) + picture.height + Inches(0.08)
        box = _text(slide, Inches(0.4), top, map_width, Inches(1.2), "", 10)
        for number, line in enumerate(step.events):
            paragraph = box.text_frame.paragraphs[0] if number == 0 else box.text_frame.add_paragraph()
            paragraph.text = line
            paragraph.font.size = Pt(10)
            paragraph.font.color.rgb = MUTED
        slide.notes_slide.notes_text_frame.text = step.notes
    _sources_slides(presentation, pack)
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


PDF_TEXT_SIZES = {16: 6.2, 14: 5.6, 12: 4.8}  # points → mm per line


def story_pdf(pack: StoryBriefing) -> bytes:
    pack = fit_story_for_slides(pack)
    pdf = _Pack(pack)
    _pdf_title_page(pdf, pack.summary or pack.context.caption)
    map_width = 200.0
    map_height = map_width * 9 / 16
    for step in pack.steps:
        pdf.new_page(step.heading)
        pdf.image(io.BytesIO(step.map_png), x=10, y=26, w=map_width, h=map_height, keep_aspect_ratio=True)
        size = _step_text_size(step.paragraphs)
        pdf.set_font("DejaVu", "", size - 2)
        pdf.set_text_color(0x1F, 0x29, 0x33)
        pdf.set_xy(218, 27)
        for paragraph in step.paragraphs:
            pdf.set_x(218)
            pdf.multi_cell(pdf.w - 218 - 10, PDF_TEXT_SIZES[size], paragraph, align="L")
            pdf.ln(1.5 if paragraph.startswith("•") else 2.5)
        pdf.set_font("DejaVu", "", 8)
        pdf.set_text_color(0x55, 0x5F, 0x6B)
        pdf.set_xy(10, 26 + map_height + 2)
        for line in step.events:
            pdf.set_x(10)
            pdf.multi_cell(map_width, 4, line, align="L")
        pdf.set_text_color(0x1F, 0x29, 0x33)
    _pdf_sources_pages(pdf)
    return bytes(pdf.output())


def story_file(
    fmt: str, story, store, registries, context: ExportContext, borders=(), title: str | None = None
) -> bytes:
    """A story as a pack, ``pptx`` or ``pdf``: the title slide, one slide per step, the sources. Raises
    `images.ExportError` when no browser can draw the maps."""
    pack = build_story_briefing(story, store, registries, context, borders, title)
    return story_pptx(pack) if fmt == "pptx" else story_pdf(pack)
