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
from dashboard.store.selection import Selection
from dashboard.views import figures, layers

CONTEXT = ExportContext("All 20 events", "data/events", datetime(2026, 11, 25, 9, 40, tzinfo=UTC), "UNCLASSIFIED")


def browser_or_skip() -> None:
    if images.find_browser() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no Chrome/Chromium for kaleido: CI must run the image exports")
        pytest.skip("no Chrome/Chromium: image exports skipped")


@pytest.fixture(scope="module")
def rings(curated, registries):
    return overlays.build_rings(["fath-360@event:2024-10-09-karachev-depot-strike"], curated, registries)[0]


def test_static_map_needs_no_network(curated, registries, rings) -> None:
    figure = static_map.static_map_figure(Selection.of_frame(curated, registries), rings, overlays.DEFAULT_BAND)
    geo = figure.layout.geo
    for layer in ("showland", "showcountries", "showcoastlines", "showocean", "showlakes", "showrivers"):
        assert not getattr(geo, layer), layer
    assert all(getattr(trace, "locationmode", None) is None for trace in figure.data)
    names = [trace.name for trace in figure.data]
    assert any("Fath-360" in (name or "") for name in names) and any("Within 70 mi" in (name or "") for name in names)


def test_png_has_the_expected_size_and_other_formats_their_signatures(curated, registries, rings) -> None:
    browser_or_skip()
    figure = static_map.static_map_figure(Selection.of_frame(curated, registries), rings, overlays.DEFAULT_BAND)
    png, svg, pdf = images.render_images(
        [(figure, "png", 800, 500, 2), (figure, "svg", 800, 500, 1), (figure, "pdf", 800, 500, 1)]
    )
    assert Image.open(io.BytesIO(png)).size == (1600, 1000)
    assert svg.lstrip().startswith(b"<svg") and pdf.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


def test_an_exported_timeline_has_whole_lane_labels_and_no_widgets(curated, registries) -> None:
    browser_or_skip()
    selection = Selection.of_frame(curated, registries)
    svg = images.chart_file("timeline", "svg", selection, CONTEXT).decode()
    for lane in ("North Korea", "Russia", "Ukraine", "Iran"):
        assert f">{lane}</text>" in svg, lane
    for button in ("1m", "3m", "1y", "all"):  # the on-screen range buttons
        assert f">{button}</text>" not in svg, button
    assert "rangeslider" not in svg
    png = Image.open(io.BytesIO(images.chart_file("timeline", "png", selection, CONTEXT))).convert("L")
    darkest = png.crop((0, 0, 8, png.height)).getextrema()[0]
    assert darkest > 240, "something is drawn against the left edge: a lane label is cut"


def test_missing_browser_gives_a_message_naming_what_to_install(monkeypatch, curated, registries) -> None:
    monkeypatch.setattr(images, "find_browser", lambda: None)
    with pytest.raises(images.ExportError, match="install Debian's `chromium`"):
        images.render_image(figures.counts_figure(Selection.of_frame(curated, registries)), "png")


def test_chart_html_is_self_contained_and_captioned(curated, registries) -> None:
    html = images.chart_html(
        figures.timeline_figure(Selection.of_frame(curated, registries)), CONTEXT, "Timeline"
    ).decode()
    assert not re.search(r"<script[^>]+src=[\"']https?://", html)
    assert "All 20 events" in html and "Generated 2026-11-25 09:40 UTC" in html
    assert len(html) > 1_000_000  # plotly.js is embedded


def test_map_html_embeds_deck_gl_and_links_nothing_outside(curated, registries, rings) -> None:
    model = layers.build_map(Selection.of_frame(curated, registries), rings, overlays.DEFAULT_BAND)
    html = images.map_html(
        model.deck, CONTEXT, "Events map", layers.legend_items(Selection.of_frame(curated, registries))
    ).decode()
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']?(https?:)?//", html)
    assert "createDeck" in html and "All 20 events" in html and "Depot hit" in html


def test_map_html_escapes_the_caption(curated, registries) -> None:
    context = ExportContext('1 of 20 events · matching "<script>x</script>"', "data/events")
    html = images.map_html(layers.build_map(Selection.of_frame(curated, registries)).deck, context, "Map", []).decode()
    assert "<script>x</script>" not in html


@pytest.fixture(scope="module")
def pack(curated, registries, rings):
    browser_or_skip()
    return briefing.build_briefing(
        Selection.of_frame(curated, registries),
        CONTEXT,
        rings,
        overlays.DEFAULT_BAND,
        judgements=[
            "North Korean munitions and troops now sustain Russia's war effort.",
            "  ",
            "Iran supplies missiles.",
        ],
    )


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
    assert pictures == 4  # the timeline, the overview map and two closer maps
    assert "Conflict events briefing" in texts[0] and "All 20 events" in texts[0] and "Data as of" in texts[0]
    assert all("UNCLASSIFIED" in text for text in texts)
    assert all("generated 2026-11-25 09:40 UTC" in text for text in texts)
    headings = [text for text in texts if text]
    assert any("Key events" in text for text in headings) and any("Sources" in text for text in headings)
    assert "confidence and precision" in texts[-1]
    key_events = "\n".join(text for text in texts if "Key events" in text)
    assert "Ukraine says its drones hit the 67th GRAU arsenal" in key_events and "claimed" in key_events
    assert all("data as of 2024-10-" in text for text in texts[1:])


def test_the_bottom_line_comes_first_with_the_events_behind_it(pack) -> None:
    slides = list(Presentation(io.BytesIO(briefing.briefing_pptx(pack))).slides)
    bottom = slide_texts(slides[1])
    assert "Bottom line" in bottom
    assert "• North Korean munitions and troops now sustain Russia's war effort." in bottom
    assert "• Iran supplies missiles." in bottom and "•  " not in bottom  # the blank line is not a bullet
    assert "Behind them: 20 events from 2023-09-" in bottom and "× Depot hit" in bottom


def test_key_events_cite_numbered_sources_and_carry_their_summaries_as_notes(pack) -> None:
    slides = list(Presentation(io.BytesIO(briefing.briefing_pptx(pack))).slides)
    table_slides = [slide for slide in slides if "Key events" in slide_texts(slide)]
    tables = [next(shape.table for shape in slide.shapes if shape.has_table) for slide in table_slides]
    header = [cell.text for cell in tables[0].rows[0].cells]
    assert header == ["Date", "Title", "Place", "Actors", "Confidence", "Sources"]
    rows = [[cell.text for cell in row.cells] for table in tables for row in list(table.rows)[1:]]
    karachev = next(row for row in rows if "67th GRAU arsenal" in row[1])
    assert karachev[2] == "67th GRAU arsenal (Karachev)"
    numbers = [int(number) for number in karachev[5].split(", ")]
    sources = "\n".join(slide_texts(slide) for slide in slides if "Sources" in slide_texts(slide))
    for number in numbers:  # each number the event cites is a line of the sources slide
        assert f"[{number}] " in sources
    notes = "\n".join(slide.notes_slide.notes_text_frame.text for slide in table_slides)
    assert "Ukraine's General Staff said its drones struck the 67th arsenal" in notes
    cited = sorted({int(n) for row in rows for n in row[5].split(", ") if n})
    assert cited[0] == 1 and cited == list(range(1, len(cited) + 1))  # numbered in the order they are cited


def test_briefing_pdf_has_the_same_pages(pack) -> None:
    pdf = PdfReader(io.BytesIO(briefing.briefing_pdf(pack)))
    pptx = Presentation(io.BytesIO(briefing.briefing_pptx(pack)))
    assert len(pdf.pages) == len(pptx.slides)
    first, last = pdf.pages[0].extract_text(), pdf.pages[-1].extract_text()
    assert "Conflict events briefing" in first and "UNCLASSIFIED" in first
    assert "confidence and precision" in last
    assert "Iran supplies missiles." in pdf.pages[1].extract_text()
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
    assert len(written) == len(formats) + 1  # and the CSV's description beside it
    collection = json.loads((tmp_path / "events_2024-09-18_2024-10-09.geojson").read_text())
    assert len(collection["features"]) == 5


def test_a_scheduled_export_takes_the_judgements_from_the_address(tmp_path) -> None:
    browser_or_skip()
    from dashboard.cli import main

    out = tmp_path / "pack.pptx"
    address = "http://127.0.0.1:8501/export?type=Depot+hit&judgements=Depots+burn.%0A%0AStrikes+go+deeper."
    assert main(["export", "--format", "pptx", "--out", str(out), "--query", address, "--judgement", "More come."]) == 0
    bottom = slide_texts(list(Presentation(str(out)).slides)[1])
    assert [line for line in bottom.splitlines() if line.startswith("• ")] == [
        "• Depots burn.",
        "• Strikes go deeper.",
        "• More come.",
    ]
    assert "Behind them: 5 events from 2024-09-18 to 2024-10-09: 5 × Depot hit" in bottom


def test_the_pack_maps_frame_the_events_and_their_clusters(curated, registries, rings) -> None:
    selection = Selection.of_frame(curated, registries)
    overview = static_map.static_map_figure(selection, rings, overlays.DEFAULT_BAND)
    west, east = overview.layout.geo.lonaxis.range
    south, north = overview.layout.geo.lataxis.range
    framed = curated[~curated["place"].isin(["UN Headquarters (New York)", "London"])]
    assert west <= framed["longitude"].min() and framed["longitude"].max() <= east
    assert south <= framed["latitude"].min() and framed["latitude"].max() <= north
    assert west > -20  # not the Atlantic: New York and London are named in a note instead
    notes = overview.layout.annotations[0].text
    assert "2 events lie far from the rest" in notes and "New York" in notes
    groups = static_map.clusters(selection.located.rows())
    assert [static_map.cluster_name(group) for group in groups] == [
        "around Najin (8 events)",
        "around Kharkiv (7 events)",
    ]
    detail = static_map.static_map_figure(selection, rings, overlays.DEFAULT_BAND, focus=groups[1])
    d_west, d_east = detail.layout.geo.lonaxis.range
    assert d_east - d_west < (east - west) / 2 and d_west <= 30 <= d_east
    legend = {trace.name for trace in detail.data if trace.showlegend is not False and trace.name}
    assert "Strike" in legend and "Arms transfer" not in legend  # only what the closer map shows
    texts = {text for trace in detail.data if trace.mode == "text" for text in trace.text}
    assert {"Kharkiv", "UKRAINE", "500 km (311 mi)"} <= texts  # place and country names, the scale bar


def test_the_pack_map_legend_is_readable_at_the_back_of_the_room(pack) -> None:
    presentation = Presentation(io.BytesIO(briefing.briefing_pptx(pack)))
    headings = [slide_texts(slide).split("\n") for slide in presentation.slides]
    assert sum("Map" in " ".join(text[:4]) for text in headings) == 3  # the overview and two closer maps
    slide = next(slide for slide in presentation.slides if "Map" in slide_texts(slide))
    picture = next(shape for shape in slide.shapes if shape.shape_type == 13)
    inches_per_pixel = picture.width / 914400 / static_map.MAP_IMAGE_SIZE[0]
    assert static_map.LEGEND_PX * inches_per_pixel * 72 >= 12  # points on the slide
