"""The briefing pack: a 16:9 PPTX and the same pack as PDF.

Slides: title (title, filter caption, data as-of date, handling banner), timeline, map with rings, key
events, sources, and what confidence and precision mean. Every slide carries the handling banner and a
footer with the filter caption and the generation time.

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
from dashboard.records.schema import (
    CONFIDENCE_LEVELS,
    CONFIDENCE_MEANINGS,
    DATE_PRECISION_MEANINGS,
    LOCATION_PRECISION_MEANINGS,
)
from dashboard.store import queries
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


@dataclass
class Briefing:
    """Everything the pack shows, computed once for both formats."""

    title: str
    context: ExportContext
    as_of: str  # latest date the data speaks of
    count: int
    timeline_png: bytes
    map_png: bytes
    key_events: pd.DataFrame  # Date, Title, Actors, Confidence
    more_events: int  # events not listed on the key-event slides
    sources: list[str]
    explanations: list[tuple[str, list[tuple[str, str]]]]


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
        key_events=briefing.key_events.astype(object).map(lambda cell: shorten(cell, CELL_CHARS)),
        sources=[shorten(line, SOURCE_CHARS) for line in briefing.sources],
        explanations=[
            (
                shorten(heading, CAPTION_CHARS),
                [(shorten(term, CELL_CHARS), shorten(text, SOURCE_CHARS)) for term, text in items],
            )
            for heading, items in briefing.explanations
        ],
    )


def _sources(sources: pd.DataFrame) -> list[str]:
    """One line per source (publisher and title), with its date and address when known, sorted."""
    seen: dict[tuple, str] = {}
    for source in sources.itertuples(index=False):
        key = (source.publisher, source.title)
        if key not in seen:
            date = f", {source.published}" if source.published else ""
            address = f" — {source.url}" if source.url else ""
            seen[key] = f"{source.publisher}: {source.title}{date}{address}"
    return sorted(seen.values())


def build_briefing(
    selection: Selection,
    context: ExportContext,
    rings: list[Ring] = (),
    band: Band | None = None,
    title: str = "Conflict events briefing",
) -> Briefing:
    """Render the charts (one browser session for both) and gather the slide content."""
    registries = selection.registries
    timeline = images.for_print(images.with_caption(figures.timeline_figure(selection), context, "Timeline"))
    timeline.update_layout(height=None)
    width, height = static_map.MAP_IMAGE_SIZE
    event_map = static_map.static_map_figure(
        selection, list(rings), band, "Map", context.caption, f"Generated {context.generated_text}"
    )
    timeline_png, map_png = images.render_images(
        [(timeline, "png", *TIMELINE_SIZE, 2), (event_map, "png", width, height, 2)]
    )
    listed = selection.newest(ROWS_PER_SLIDE * MAX_TABLE_SLIDES)
    key_events = pd.DataFrame(
        {
            "Date": date_text(listed),
            "Title": listed["title"],
            "Actors": actors_text(listed, registries),
            "Confidence": listed["confidence"].astype(str),
        }
    )
    sources = _sources(queries.sources(selection.table, MAX_SOURCES))
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
        map_png,
        key_events.reset_index(drop=True),
        selection.count - len(listed),
        sources,
        explanations,
    )


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


def _frame(presentation: Presentation, briefing: Briefing, heading: str | None):
    slide = presentation.slides.add_slide(presentation.slide_layouts[6])  # blank
    width = presentation.slide_width
    if briefing.context.handling:
        for top in (Inches(0.05), presentation.slide_height - Inches(0.35)):
            _text(slide, 0, top, width, Inches(0.3), briefing.context.handling, 12, True, BANNER, PP_ALIGN.CENTER)
    if heading:
        _text(slide, Inches(0.5), Inches(0.35), width - Inches(1), Inches(0.6), heading, 26, True)
    footer = f"{briefing.context.caption} · generated {briefing.context.generated_text} · {PRODUCT}"
    _text(
        slide,
        Inches(0.5),
        presentation.slide_height - Inches(0.65),
        width - Inches(1.6),
        Inches(0.3),
        footer,
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


def briefing_pptx(briefing: Briefing) -> bytes:
    briefing = fit_for_slides(briefing)
    presentation = Presentation()
    presentation.slide_width, presentation.slide_height = Inches(13.333), Inches(7.5)  # 16:9
    width = presentation.slide_width
    slide = _frame(presentation, briefing, None)
    _text(slide, Inches(0.8), Inches(2.0), width - Inches(1.6), Inches(1.2), briefing.title, 40, True)
    _text(slide, Inches(0.8), Inches(3.3), width - Inches(1.6), Inches(0.9), briefing.context.caption, 20, colour=MUTED)
    _text(
        slide,
        Inches(0.8),
        Inches(4.3),
        width - Inches(1.6),
        Inches(1.0),
        f"Data as of {briefing.as_of} · {briefing.count} events · source: {briefing.context.data_source}\n"
        f"Generated {briefing.context.generated_text} by the {PRODUCT}",
        14,
        colour=MUTED,
    )
    _picture(_frame(presentation, briefing, "Timeline"), briefing.timeline_png, presentation)
    _picture(_frame(presentation, briefing, "Map"), briefing.map_png, presentation)
    rows = briefing.key_events.to_dict("records")
    for page, chunk in enumerate(_chunks(rows, ROWS_PER_SLIDE), start=1):
        pages = len(_chunks(rows, ROWS_PER_SLIDE))
        slide = _frame(presentation, briefing, "Key events" + (f" ({page}/{pages})" if pages > 1 else ""))
        table = slide.shapes.add_table(
            len(chunk) + 1, 4, Inches(0.5), Inches(1.1), width - Inches(1), Inches(0.4) * (len(chunk) + 1)
        ).table
        for column, (name, share) in enumerate((("Date", 1.7), ("Title", 6.3), ("Actors", 2.9), ("Confidence", 1.4))):
            table.columns[column].width = Inches(share)
            table.cell(0, column).text = name
        for row_number, row in enumerate(chunk, start=1):
            for column, name in enumerate(("Date", "Title", "Actors", "Confidence")):
                cell = table.cell(row_number, column)
                cell.text = str(row[name])
                cell.text_frame.paragraphs[0].font.size = Pt(11)
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
    for page, chunk in enumerate(_chunks(briefing.sources, SOURCES_PER_SLIDE), start=1):
        pages = len(_chunks(briefing.sources, SOURCES_PER_SLIDE))
        slide = _frame(presentation, briefing, "Sources" + (f" ({page}/{pages})" if pages > 1 else ""))
        box = _text(slide, Inches(0.5), Inches(1.1), width - Inches(1), Inches(5.4), "", 11)
        frame = box.text_frame
        for number, line in enumerate(chunk):
            paragraph = frame.paragraphs[0] if number == 0 else frame.add_paragraph()
            paragraph.text = line
            paragraph.font.size = Pt(11)
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
    def __init__(self, briefing: Briefing) -> None:
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
        context = self.briefing.context
        self.cell(self.w - 40, 5, f"{context.caption} · generated {context.generated_text} · {PRODUCT}")
        self.set_xy(self.w - 28, self.h - 15)
        self.cell(16, 5, str(self.page_no()), align="R")
        self.set_text_color(0x1F, 0x29, 0x33)

    def picture(self, png: bytes) -> None:
        top, bottom = 26, 18
        self.image(io.BytesIO(png), x=12, y=top, w=self.w - 24, h=self.h - top - bottom, keep_aspect_ratio=True)


def briefing_pdf(briefing: Briefing) -> bytes:
    briefing = fit_for_slides(briefing)
    pdf = _Pack(briefing)
    pdf.new_page(None)
    pdf.set_font("DejaVu", "B", 30)
    pdf.set_xy(20, 50)
    pdf.multi_cell(pdf.w - 40, 13, briefing.title)
    pdf.set_font("DejaVu", "", 15)
    pdf.set_text_color(0x55, 0x5F, 0x6B)
    pdf.set_x(20)
    pdf.multi_cell(pdf.w - 40, 8, briefing.context.caption)
    pdf.set_font("DejaVu", "", 11)
    pdf.set_x(20)
    pdf.multi_cell(
        pdf.w - 40,
        6,
        f"Data as of {briefing.as_of} · {briefing.count} events · source: {briefing.context.data_source}\n"
        f"Generated {briefing.context.generated_text} by the {PRODUCT}",
    )
    pdf.new_page("Timeline")
    pdf.picture(briefing.timeline_png)
    pdf.new_page("Map")
    pdf.picture(briefing.map_png)
    rows = briefing.key_events.to_dict("records")
    chunks = _chunks(rows, ROWS_PER_SLIDE)
    for page, chunk in enumerate(chunks, start=1):
        pdf.new_page("Key events" + (f" ({page}/{len(chunks)})" if len(chunks) > 1 else ""))
        pdf.set_font("DejaVu", "", 9)
        pdf.set_xy(12, 26)
        with pdf.table(col_widths=(26, 100, 46, 22), line_height=5, text_align="LEFT") as table:
            table.row(["Date", "Title", "Actors", "Confidence"])
            for row in chunk:
                table.row([str(row[name]) for name in ("Date", "Title", "Actors", "Confidence")])
        if page == len(chunks) and briefing.more_events:
            pdf.set_x(12)
            pdf.cell(0, 8, f"{briefing.more_events} earlier events are not listed; the data exports hold all of them.")
    source_chunks = _chunks(briefing.sources, SOURCES_PER_SLIDE)
    for page, chunk in enumerate(source_chunks, start=1):
        pdf.new_page("Sources" + (f" ({page}/{len(source_chunks)})" if len(source_chunks) > 1 else ""))
        pdf.set_font("DejaVu", "", 9)
        pdf.set_xy(12, 26)
        for line in chunk:
            pdf.set_x(12)
            pdf.multi_cell(pdf.w - 24, 5, line, align="L")
            pdf.ln(1)
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
) -> bytes:
    """The briefing pack as ``pptx`` or ``pdf``; raises `images.ExportError` when there is nothing to brief."""
    if selection.empty:
        raise images.ExportError("no events match these filters: nothing to brief")
    pack = build_briefing(selection, context, rings, band, title)
    return briefing_pptx(pack) if fmt == "pptx" else briefing_pdf(pack)
