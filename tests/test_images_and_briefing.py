"""Chart, map and briefing files rendered for real (kaleido with the machine's Chromium), opened with readers."""

from __future__ import annotations

import io
import json
import os
import re
from datetime import UTC, datetime

import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Inches
from pypdf import PdfReader

from dashboard.exports import briefing, images, static_map
from dashboard.exports.datafiles import ExportContext
from dashboard.geo import overlays
from dashboard.records.loader import load_events
from dashboard.store.selection import Selection
from dashboard.views import figures, layers

CONTEXT = ExportContext("All 20 events", "data/events", datetime(2026, 11, 25, 9, 40, tzinfo=UTC), "UNCLASSIFIED")


def browser_or_skip() -> None:
    if images.find_browser() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no Chrome/Chromium for kaleido: CI must run the image exports")
        pytest.skip("no Chrome/Chromium: image exports skipped")


@pytest.fixture(scope="module")
def events(registries):
    return load_events(registries=registries).events


@pytest.fixture(scope="module")
def rings(events, registries):
    return overlays.build_rings(["fath-360@event:2024-10-09-karachev-depot-strike"], events, registries)[0]


def test_static_map_needs_no_network(events, registries, rings) -> None:
    figure = static_map.static_map_figure(Selection.of_frame(events, registries), rings, overlays.DEFAULT_BAND)
    geo = figure.layout.geo
    for layer in ("showland", "showcountries", "showcoastlines", "showocean", "showlakes", "showrivers"):
        assert not getattr(geo, layer), layer
    assert all(getattr(trace, "locationmode", None) is None for trace in figure.data)
    names = [trace.name for trace in figure.data]
    assert any("Fath-360" in (name or "") for name in names) and any("Within 70 mi" in (name or "") for name in names)


def test_png_has_the_expected_size_and_other_formats_their_signatures(events, registries, rings) -> None:
    browser_or_skip()
    figure = static_map.static_map_figure(Selection.of_frame(events, registries), rings, overlays.DEFAULT_BAND)
    png, svg, pdf = images.render_images(
        [(figure, "png", 800, 500, 2), (figure, "svg", 800, 500, 1), (figure, "pdf", 800, 500, 1)]
    )
    assert Image.open(io.BytesIO(png)).size == (1600, 1000)
    assert svg.lstrip().startswith(b"<svg") and pdf.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


def test_an_exported_timeline_has_whole_lane_labels_and_no_widgets(events, registries) -> None:
    browser_or_skip()
    selection = Selection.of_frame(events, registries)
    svg = images.chart_file("timeline", "svg", selection, CONTEXT).decode()
    for lane in ("North Korea", "Russia", "Ukraine", "Iran"):
        assert f">{lane}</text>" in svg, lane
    for button in ("1m", "3m", "1y", "all"):  # the on-screen range buttons
        assert f">{button}</text>" not in svg, button
    assert "rangeslider" not in svg
    png = Image.open(io.BytesIO(images.chart_file("timeline", "png", selection, CONTEXT))).convert("L")
    darkest = png.crop((0, 0, 8, png.height)).getextrema()[0]
    assert darkest > 240, "something is drawn against the left edge: a lane label is cut"


def test_missing_browser_gives_a_message_naming_what_to_install(monkeypatch, events, registries) -> None:
    monkeypatch.setattr(images, "find_browser", lambda: None)
    with pytest.raises(images.ExportError, match="install Debian's `chromium`"):
        images.render_image(figures.counts_figure(Selection.of_frame(events, registries)), "png")


def test_chart_html_is_self_contained_and_captioned(events, registries) -> None:
    html = images.chart_html(
        figures.timeline_figure(Selection.of_frame(events, registries)), CONTEXT, "Timeline"
    ).decode()
    assert not re.search(r"<script[^>]+src=[\"']https?://", html)
    assert "All 20 events" in html and "Generated 2026-11-25 09:40 UTC" in html
    assert len(html) > 1_000_000  # plotly.js is embedded


def test_map_html_embeds_deck_gl_and_links_nothing_outside(events, registries, rings) -> None:
    model = layers.build_map(Selection.of_frame(events, registries), rings, overlays.DEFAULT_BAND)
    html = images.map_html(
        model.deck, CONTEXT, "Events map", layers.legend_items(Selection.of_frame(events, registries))
    ).decode()
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']?(https?:)?//", html)
    assert "createDeck" in html and "All 20 events" in html and "Depot hit" in html


def test_map_html_escapes_the_caption(events, registries) -> None:
    context = ExportContext('1 of 20 events · matching "<script>x</script>"', "data/events")
    html = images.map_html(layers.build_map(Selection.of_frame(events, registries)).deck, context, "Map", []).decode()
    assert "<script>x</script>" not in html


@pytest.fixture(scope="module")
def pack(events, registries, rings):
    browser_or_skip()
    return briefing.build_briefing(Selection.of_frame(events, registries), CONTEXT, rings, overlays.DEFAULT_BAND)


def slide_texts(slide) -> str:
    texts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
    for shape in slide.shapes:
        if shape.has_table:
            texts += [cell.text for row in shape.table.rows for cell in row.cells]
    return "\n".join(texts)


def test_briefing_pptx_has_every_slide(pack) -> None:
    presentation = Presentation(io.BytesIO(briefing.briefing_pptx(pack)))
    assert (presentation.slide_width, presentation.slide_height) == (Inches(13.333), Inches(7.5))
    slides = list(presentation.slides)
    texts = [slide_texts(slide) for slide in slides]
    pictures = sum(1 for slide in slides for shape in slide.shapes if shape.shape_type == 13)
    assert pictures == 2  # timeline and map
    assert "Conflict events briefing" in texts[0] and "All 20 events" in texts[0] and "Data as of" in texts[0]
    assert all("UNCLASSIFIED" in text for text in texts)
    assert all("generated 2026-11-25 09:40 UTC" in text for text in texts)
    headings = [text for text in texts if text]
    assert any("Key events" in text for text in headings) and any("Sources" in text for text in headings)
    assert "confidence and precision" in texts[-1]
    key_events = "\n".join(text for text in texts if "Key events" in text)
    assert "Ukraine says its drones hit the 67th GRAU arsenal" in key_events and "claimed" in key_events


def test_briefing_pdf_has_the_same_pages(pack) -> None:
    pdf = PdfReader(io.BytesIO(briefing.briefing_pdf(pack)))
    pptx = Presentation(io.BytesIO(briefing.briefing_pptx(pack)))
    assert len(pdf.pages) == len(pptx.slides)
    first, last = pdf.pages[0].extract_text(), pdf.pages[-1].extract_text()
    assert "Conflict events briefing" in first and "UNCLASSIFIED" in first
    assert "confidence and precision" in last
    width, height = float(pdf.pages[0].mediabox.width), float(pdf.pages[0].mediabox.height)
    assert width / height == pytest.approx(16 / 9, rel=0.01)


def test_export_command_writes_every_format(tmp_path) -> None:
    from dashboard.cli import main

    formats = ["csv", "geojson", "kml", "json"]
    if images.find_browser() is not None or os.environ.get("CI") == "true":
        formats += ["pptx", "pdf", "png", "svg", "html"]
    for fmt in formats:
        assert main(["export", "--format", fmt, "--out", str(tmp_path), "--type", "Depot hit", "--handling", "X"]) == 0
    written = sorted(path.name for path in tmp_path.iterdir())
    assert "events_2024-09-18_2024-10-09.geojson" in written
    assert len(written) == len(formats)
    collection = json.loads((tmp_path / "events_2024-09-18_2024-10-09.geojson").read_text())
    assert len(collection["features"]) == 5
