"""Charts and maps as files: PNG, SVG and PDF through kaleido (with the machine's Chrome or Chromium), and
self-contained interactive HTML that works offline.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk

from dashboard.exports import ExportContext
from dashboard.overlays import Band, Ring
from dashboard.registries import Registries
from dashboard.text import escape_html

IMAGE_FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
INSTALL_HINT = (
    "Image export needs Chrome or Chromium on this machine and none was found: install Debian's `chromium` "
    "package (`sudo apt-get install chromium`) or Google Chrome, or set BROWSER_PATH to its executable."
)
_render_lock = threading.Lock()


class ExportError(RuntimeError):
    """An export that cannot be made here; the message says what to do."""


def find_browser() -> str | None:
    """The Chrome/Chromium kaleido will use: ``$BROWSER_PATH``, else the first one on the PATH."""
    configured = os.environ.get("BROWSER_PATH")
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
    os.environ.setdefault("BROWSER_PATH", browser)
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
            "y": 0.985,
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


def chart_html(figure: go.Figure, context: ExportContext, title: str) -> bytes:
    """A self-contained interactive HTML file (plotly.js embedded; no request leaves the machine)."""
    html = with_caption(figure, context, title).to_html(
        include_plotlyjs=True, full_html=True, config={"displaylogo": False}
    )
    html = html.replace("<head>", f"<head><title>{escape_html(title)}: {escape_html(context.caption)}</title>", 1)
    return html.encode("utf-8")


_REMOTE_TAG = re.compile(r"""\s*<(script|link)\b[^>]*\b(src|href)=["']?(https?:)?//[^>]*>(\s*</script>)?""", re.I)


def map_html(deck: pdk.Deck, context: ExportContext, title: str, legend: list[tuple[str, str]]) -> bytes:
    """The interactive map as one HTML file that works offline: deck.gl embedded, no tiles, no CDN links."""
    html = deck.to_html(as_string=True, offline=True, notebook_display=False, iframe_width=None)
    html = _REMOTE_TAG.sub("", html)  # pydeck's template links fonts, CSS and mapbox-gl from CDNs
    keys = "".join(
        f'<span style="margin-right:12px"><span style="color:{colour}">&#9679;</span> {escape_html(label)}</span>'
        for colour, label in legend
    )
    header = (
        '<div style="position:absolute;top:0;left:0;right:0;z-index:10;background:rgba(255,255,255,0.92);'
        'font:13px sans-serif;padding:6px 10px;border-bottom:1px solid #ddd">'
        f"<b>{escape_html(title)}</b> · {escape_html(context.caption)}<br>"
        f'<span style="font-size:11px">{keys}</span><br>'
        f'<span style="font-size:11px;color:#555">Generated {escape_html(context.generated_text)} · '
        f"{escape_html(context.data_source)} · outlines: Natural Earth</span></div>"
    )
    html = html.replace("<title>pydeck</title>", f"<title>{escape_html(title)}</title>", 1)
    html = html.replace("<body>", "<body>" + header, 1)
    return html.encode("utf-8")


CHARTS = ("map", "timeline", "counts")


def chart_file(
    chart: str,
    fmt: str,
    events: pd.DataFrame,
    registries: Registries,
    context: ExportContext,
    rings: list[Ring] = (),
    band: Band | None = None,
    lanes: str = "actor",
    per: str = "month",
) -> bytes:
    """The timeline, the counts chart or the map as png, svg, pdf or html (the map's HTML is deck.gl's)."""
    from dashboard import figures, layers, static_map  # here: layers and static_map import this module's users

    if events.empty:
        raise ExportError("no events match these filters: nothing to draw")
    if chart == "map" and fmt == "html":
        model = layers.build_map(events, registries, list(rings), band)
        return map_html(model.deck, context, "Events map", layers.legend_items(events, registries))
    if chart == "map":
        figure = static_map.static_map_figure(
            events, registries, list(rings), band, "Events map", context.caption, f"Generated {context.generated_text}"
        )
        size = static_map.MAP_IMAGE_SIZE
    elif chart in ("timeline", "counts"):
        drawn = (
            figures.timeline_figure(events, registries, lanes)
            if chart == "timeline"
            else figures.counts_figure(events, registries, per)
        )
        figure, size = with_caption(drawn, context, chart.capitalize()), (1600, 900)
    else:
        raise ExportError(f"unknown chart {chart!r}: use one of {', '.join(CHARTS)}")
    if fmt == "html":
        return chart_html(figure, context, chart.capitalize())
    return render_image(figure, fmt, *size, scale=2 if fmt == "png" else 1)
