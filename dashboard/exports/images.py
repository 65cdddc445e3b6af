"""Charts and maps as files: PNG, SVG and PDF through kaleido (with the machine's Chrome or Chromium), and
self-contained interactive HTML that works offline.
"""

from __future__ import annotations

import json
import shutil
import threading
from importlib.resources import files
from pathlib import Path

import plotly.graph_objects as go
import pydeck as pdk

from dashboard import settings
from dashboard.exports import htmlsafe
from dashboard.exports.datafiles import ExportContext
from dashboard.exports.outfiles import ExportError
from dashboard.geo.overlays import Band, Ring
from dashboard.store.selection import Selection
from dashboard.views.text import escape_html, xml_safe_text

IMAGE_FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
INSTALL_HINT = (
    "Image export needs Chrome or Chromium on this machine and none was found: install Debian's `chromium` "
    "package (`sudo apt-get install chromium`) or Google Chrome, or set BROWSER_PATH to its executable."
)
_render_lock = threading.Lock()


def find_browser() -> str | None:
    """The Chrome/Chromium kaleido will use: ``$BROWSER_PATH``, else the first one on the PATH."""
    configured = settings.current().browser_path
    if configured and Path(configured).is_file():
        return configured
    return next((found for name in BROWSER_NAMES if (found := shutil.which(name))), None)


def render_images(jobs: list[tuple[go.Figure, str, int, int, float]]) -> list[bytes]:
    """Render ``(figure, format, width, height, scale)`` jobs with one browser; formats png, svg, pdf.

    Raises `ExportError` naming what to install when no browser is found. MathJax is off: kaleido would
    otherwise fetch it from a CDN.
    """
    import kaleido  # imported here: it starts nothing until used, but is only needed for images

    browser = find_browser()
    if browser is None:
        raise ExportError(INSTALL_HINT)
    settings.offer_browser(browser)
    for _, fmt, *_ in jobs:
        if fmt not in IMAGE_FORMATS:
            raise ExportError(f"unknown image format {fmt!r}: use one of {', '.join(IMAGE_FORMATS)}")
    with _render_lock:
        try:
            kaleido.start_sync_server(mathjax=False, silence_warnings=True)
            return [
                kaleido.calc_fig_sync(figure, opts={"format": fmt, "width": width, "height": height, "scale": scale})
                for figure, fmt, width, height, scale in jobs
            ]
        except ExportError:
            raise
        except Exception as error:  # kaleido/choreographer raise several types; the analyst needs one message
            raise ExportError(f"the image could not be rendered with {browser}: {error}") from error
        finally:
            kaleido.stop_sync_server(silence_warnings=True)


def render_image(figure: go.Figure, fmt: str, width: int = 1600, height: int = 900, scale: float = 2) -> bytes:
    """One chart as PNG (``width * scale`` pixels wide), SVG or PDF."""
    return render_images([(figure, fmt, width, height, scale)])[0]


def with_caption(figure: go.Figure, context: ExportContext, title: str) -> go.Figure:
    """A copy of ``figure`` that says what it shows: a title, the filter caption and the generation time."""
    captioned = go.Figure(figure)
    captioned.update_layout(
        title={
            "text": f"<b>{escape_html(title)}</b><br>"
            f"<span style='font-size:12px'>{escape_html(context.caption)}</span>",
            "x": 0.01,
            "y": 0.97,
            "yanchor": "top",
        },
        margin={"t": 110},
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    captioned.add_annotation(
        text=escape_html(f"Generated {context.generated_text} · {context.data_source}"),
        xref="paper",
        yref="paper",
        x=0,
        y=1.0,
        xanchor="left",
        yanchor="bottom",
        showarrow=False,
        font={"size": 10, "color": "#555555"},
    )
    return captioned


PRINT_FONT_PX = 20  # about 11 pt when a 1,600-pixel image fills a 16:9 slide's width


def for_print(figure: go.Figure) -> go.Figure:
    """A copy of ``figure`` for a still image: no range buttons or range slider (nothing to click on paper),
    lane labels given the room they need instead of being cut at the left edge, and text and marks large
    enough to read on a projected slide."""
    still = go.Figure(figure)
    still.update_xaxes(rangeslider_visible=False, rangeselector_visible=False, tickfont={"size": PRINT_FONT_PX})
    still.update_yaxes(automargin=True, tickfont={"size": PRINT_FONT_PX})
    still.update_layout(margin={"l": 20, "r": 30, "b": 20}, legend={"font": {"size": PRINT_FONT_PX}})
    still.update_traces(marker_size=16, selector={"type": "scatter", "mode": "markers"})
    if still.layout.legend.y is not None and still.layout.legend.y < 0:  # the slider's room below the axis
        still.update_layout(legend={"y": -0.08})
    return still


def chart_html(figure: go.Figure, context: ExportContext, title: str) -> bytes:
    """A self-contained interactive HTML file (plotly.js embedded; no request leaves the machine).

    The figure's JSON is escaped for the page and a Content-Security-Policy runs only the page's own scripts.
    """
    from plotly.offline import get_plotlyjs

    captioned = with_caption(figure, context, title)
    height = captioned.layout.height
    config = {"displaylogo": False, "responsive": True, "showSendToCloud": False}  # no upload to Plotly Cloud
    draw = (
        f"const figure = {htmlsafe.script_json(captioned.to_json())};\n"
        f"Plotly.newPlot(document.getElementById('chart'), figure.data, figure.layout, {json.dumps(config)});"
    )
    return htmlsafe.standalone_page(
        f"{title}: {context.caption}",
        f'<div id="chart" class="plotly-graph-div" style="width:100%;height:{f"{height}px" if height else "100vh"}">'
        "</div>",
        [get_plotlyjs(), draw],
        style="html, body {height: 100%;}",
    )


_DECK_STYLE = """body {margin: 0; padding: 0; overflow: hidden;}
#deck-container {width: 100vw; height: 100vh;}
#deck-container canvas {z-index: 1; background: none;}"""


def _deck_bundle() -> str:
    """deck.gl as pydeck ships it for offline pages (the @deck.gl/jupyter-widget bundle, ``createDeck``)."""
    return (files("pydeck") / "nbextension" / "static" / "index.js").read_text(encoding="utf-8")


def map_html(deck: pdk.Deck, context: ExportContext, title: str, legend: list[tuple[str, str]]) -> bytes:
    """The interactive map as one HTML file that works offline: deck.gl embedded, no tiles, no CDN links.

    The page is pydeck's (its ``createDeck`` call) without the CDN links of pydeck's template; the deck's JSON
    is escaped for the page and a Content-Security-Policy runs only the page's own scripts.
    """
    keys = "".join(
        f'<span style="margin-right:12px"><span style="color:{escape_html(colour)}">&#9679;</span> '
        f"{_html_text(label)}</span>"
        for colour, label in legend
    )
    header = (
        '<div style="position:absolute;top:0;left:0;right:0;z-index:10;background:rgba(255,255,255,0.92);'
        'font:13px sans-serif;padding:6px 10px;border-bottom:1px solid #ddd">'
        f"<b>{_html_text(title)}</b> · {_html_text(context.caption)}<br>"
        f'<span style="font-size:11px">{keys}</span><br>'
        f'<span style="font-size:11px;color:#555">Generated {_html_text(context.generated_text)} · '
        f"{_html_text(context.data_source)} · outlines: Natural Earth</span></div>"
    )
    tooltip = getattr(deck, "_tooltip", True)  # pydeck keeps it out of the deck's JSON
    draw = (
        "const container = document.getElementById('deck-container');\n"
        f"const jsonInput = {htmlsafe.script_json(deck.to_json())};\n"
        f"const tooltip = {htmlsafe.script_json(json.dumps(tooltip))};\n"
        "createDeck({container, jsonInput, tooltip, customLibraries: null, configuration: null});"
    )
    return htmlsafe.standalone_page(
        title,
        header + '\n<div id="deck-container"></div>',
        [_deck_bundle(), draw],
        style=_DECK_STYLE,
    )


def _html_text(text: object) -> str:
    return escape_html(xml_safe_text(text))


CHARTS = ("map", "timeline", "counts", "network")


def chart_file(
    chart: str,
    fmt: str,
    selection: Selection,
    context: ExportContext,
    rings: list[Ring] = (),
    band: Band | None = None,
    lanes: str = "actor",
    per: str = "month",
) -> bytes:
    """The timeline, the counts chart or the map as png, svg, pdf or html (the map's HTML is deck.gl's)."""
    from dashboard.exports import static_map  # here: layers and static_map import this module's users
    from dashboard.views import figures, layers

    if selection.empty:
        raise ExportError("no events match these filters: nothing to draw")
    if chart == "map" and fmt == "html":
        model = layers.build_map(selection, list(rings), band)
        return map_html(model.deck, context, "Events map", layers.legend_items(selection))
    if chart == "map":
        figure = static_map.static_map_figure(
            selection, list(rings), band, "Events map", context.caption, f"Generated {context.generated_text}"
        )
        size = static_map.MAP_IMAGE_SIZE
    elif chart in ("timeline", "counts"):
        drawn = (
            figures.timeline_figure(selection, lanes) if chart == "timeline" else figures.counts_figure(selection, per)
        )
        return figure_file(drawn, fmt, context, chart.capitalize())
    elif chart == "network":
        return network_file(selection, fmt, context)
    else:
        raise ExportError(f"unknown chart {chart!r}: use one of {', '.join(CHARTS)}")
    if fmt == "html":
        return chart_html(figure, context, chart.capitalize())
    return render_image(figure, fmt, *size, scale=2 if fmt == "png" else 1)


def figure_file(
    figure: go.Figure, fmt: str, context: ExportContext, title: str, size: tuple[int, int] = (1600, 900)
) -> bytes:
    """A chart as png, svg, pdf (drawn for print: no widgets, larger text) or interactive html, with the
    title, the filter caption and the time it was made."""
    figure = with_caption(figure, context, title)
    if fmt == "html":
        return chart_html(figure, context, title)
    return render_image(for_print(figure), fmt, *size, scale=2 if fmt == "png" else 1)


def network_file(selection: Selection, fmt: str, context: ExportContext) -> bytes:
    """The actor network as the Network page draws it; images with labels and legend at `PRINT_FONT_PX`."""
    from dashboard.views import network

    registries, chosen = selection.registries, selection.filters.actors
    graph = network.build_network(selection.actor_ties(), registries)
    if fmt == "html":
        return chart_html(network.network_figure(graph, registries, chosen=chosen), context, network.TITLE)
    still = network.network_figure(graph, registries, network.PRINT, chosen)
    return render_image(with_caption(still, context, network.TITLE), fmt, 1600, 900, scale=2 if fmt == "png" else 1)
