"""Playback as an animated GIF or an MP4 video, each frame drawn offline with Pillow (no browser, no display).

The map is drawn once (shipped country outlines on a Mercator frame around all the located events, country
names, a scale bar) and every frame adds its window's events, the trail fading, the window's dates large at the
top, the counts and a legend. MP4 is H.264 written by the ffmpeg that the imageio-ffmpeg package installs
beside itself (nothing is downloaded when it runs).
"""

from __future__ import annotations

import io
import math
import os
import tempfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from dashboard.exports.datafiles import ExportContext
from dashboard.exports.outfiles import ExportError
from dashboard.exports.static_map import map_extent, outline_rings
from dashboard.geo import geodesy
from dashboard.model.registries import Registries
from dashboard.views import layers
from dashboard.views.playback import DEFAULT_FPS, MAX_FPS, TRAIL_ALPHAS, Frames
from dashboard.views.text import xml_safe_text

FONTS = Path(__file__).resolve().parents[1] / "assets" / "fonts"
SIZE = (1280, 720)  # 16:9, even sides as H.264 needs
HEADER, FOOTER = 96, 72  # pixels above and below the map (the legend, then the source line)
SEA, LAND, OUTLINE, INK, MUTED = (234, 240, 246), (241, 239, 233), (170, 164, 150), (31, 41, 51), (85, 95, 107)
ANIMATION_FORMATS = ("gif", "mp4")
COUNTRY_NAMES = 10  # the largest countries in view are named


@lru_cache(maxsize=8)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


def _text(value: object, limit: int = 140) -> str:
    """Record or registry text as one drawable line: control characters out, shortened."""
    text = " ".join(xml_safe_text(str(value)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Projection:
    """Mercator from the view's longitude and latitude ranges to the map area's pixels."""

    def __init__(self, lon_range: list[float], lat_range: list[float]) -> None:
        self.west, self.east = lon_range
        self.top = self._y(lat_range[1])
        self.bottom = self._y(lat_range[0])
        self.width, self.height = SIZE[0], SIZE[1] - HEADER - FOOTER

    @staticmethod
    def _y(lat: np.ndarray | float) -> np.ndarray:
        return np.log(np.tan(np.pi / 4 + np.radians(np.clip(lat, -84, 84)) / 2))

    def pixels(self, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = (np.asarray(lons, dtype=float) - self.west) / (self.east - self.west) * self.width
        y = HEADER + (self.top - self._y(np.asarray(lats, dtype=float))) / (self.top - self.bottom) * self.height
        return x, y


@lru_cache(maxsize=4)  # the same view again (another window, the other format) is drawn once
def _basemap(lon_range: tuple[float, float], lat_range: tuple[float, float]) -> Image.Image:
    """Sea, the shipped country outlines, the largest countries' names and a scale bar (callers copy it)."""
    lon_range, lat_range = list(lon_range), list(lat_range)
    projection = _Projection(lon_range, lat_range)
    image = Image.new("RGB", SIZE, SEA)
    draw = ImageDraw.Draw(image)
    for ring in outline_rings(lon_range, lat_range):
        points = np.asarray(ring, dtype=float)
        x, y = projection.pixels(points[:, 0], points[:, 1])
        draw.polygon(list(zip(x.tolist(), y.tolist(), strict=True)), fill=LAND, outline=OUTLINE)
    in_view = [
        (name, lon, lat, area)
        for name, lon, lat, area in layers.country_label_points()
        if lon_range[0] < lon < lon_range[1] and lat_range[0] < lat < lat_range[1]
    ]
    font = _font(15)
    placed: list[tuple[float, float, float, float]] = []
    for name, lon, lat, _ in sorted(in_view, key=lambda item: -item[3])[:COUNTRY_NAMES]:
        x, y = (float(value[0]) for value in projection.pixels(np.array([lon]), np.array([lat])))
        box = draw.textbbox((x, y), _text(name, 40).upper(), font=font, anchor="mm")
        if all(box[2] < b[0] or box[0] > b[2] or box[3] < b[1] or box[1] > b[3] for b in placed):
            draw.text((x, y), _text(name, 40).upper(), font=font, fill=(140, 135, 125), anchor="mm")
            placed.append(box)
    _scale_bar(draw, lon_range, lat_range, projection)
    draw.rectangle((0, 0, SIZE[0], HEADER), fill="white")
    draw.rectangle((0, SIZE[1] - FOOTER, SIZE[0], SIZE[1]), fill="white")
    return image


def _scale_bar(
    draw: ImageDraw.ImageDraw, lon_range: list[float], lat_range: list[float], projection: _Projection
) -> None:
    """A bar true at the map's middle latitude, at the bottom left."""
    middle = (lat_range[0] + lat_range[1]) / 2
    kilometres, reach = geodesy.scale_bar(lon_range[0], lon_range[1], middle)
    x0, _ = projection.pixels(np.array([lon_range[0]]), np.array([middle]))
    x1, _ = projection.pixels(np.array([reach]), np.array([middle]))
    label = f"{kilometres:,} km"
    left, bottom = 24, SIZE[1] - FOOTER - 20
    length = float(x1[0] - x0[0])
    draw.rectangle((left - 6, bottom - 24, left + length + 6, bottom + 8), fill=(255, 255, 255))
    draw.line((left, bottom, left + length, bottom), fill=INK, width=3)
    for x in (left, left + length):
        draw.line((x, bottom - 6, x, bottom + 4), fill=INK, width=2)
    draw.text((left, bottom - 8), label, font=_font(14), fill=INK, anchor="ls")


def _legend(draw: ImageDraw.ImageDraw, kinds: list[str], registries: Registries) -> None:
    """The event types of the playback, left to right under the map (as many as fit on one line)."""
    font = _font(16)
    x, y = 24, SIZE[1] - FOOTER + 10
    for kind in kinds:
        label = _text(registries.event_type_label(kind), 40)
        width = draw.textlength(label, font=font)
        if x + 22 + width > SIZE[0] - 24:
            draw.text((x, y), "…", font=font, fill=MUTED)
            break
        draw.ellipse((x, y + 2, x + 14, y + 16), fill=registries.event_type_colour(kind))
        draw.text((x + 20, y), label, font=font, fill=INK)
        x += 20 + width + 26


def frames_images(
    frames: Frames, registries: Registries, extent: tuple[float, float, float, float], context: ExportContext
) -> Iterator[Image.Image]:
    """Every frame of the playback as an RGB image of `SIZE`."""
    lon_range, lat_range = map_extent(extent, [], SIZE[0] / (SIZE[1] - HEADER - FOOTER))
    projection = _Projection(lon_range, lat_range)
    base = _basemap(tuple(lon_range), tuple(lat_range))
    kinds = [kind for kind in registries.event_types.index if kind in set(frames.bins["type"])]
    caption = _text(context.caption, 110)
    footer = _text(f"{context.data_source} · generated {context.generated_text}", 120)
    for index in range(len(frames)):
        image = base.copy()
        overlay = Image.new("RGBA", SIZE, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        events = frames.events(index)
        x, y = projection.pixels(events["longitude"].to_numpy(), events["latitude"].to_numpy())
        for px, py, kind, count, age in zip(x, y, events["type"], events["events"], events["age"], strict=True):
            radius = 6 + 3.5 * math.sqrt(float(count))
            red, green, blue = (int(registries.event_type_colour(kind)[i : i + 2], 16) for i in (1, 3, 5))
            draw.ellipse(
                (px - radius, py - radius, px + radius, py + radius),
                fill=(red, green, blue, TRAIL_ALPHAS[int(age)]),
                outline=(255, 255, 255, 200 if age == 0 else 90),
                width=2,
            )
        image.paste(overlay, (0, 0), overlay)
        draw = ImageDraw.Draw(image)
        within, so_far = frames.counts(index)
        current = (events["age"] == 0).to_numpy()
        outside = (x < 0) | (x > SIZE[0]) | (y < HEADER) | (y > SIZE[1] - FOOTER)
        hidden = int(events["events"].to_numpy()[current & outside].sum())
        beyond = f" ({hidden:,} beyond this map)" if hidden else ""
        draw.text((24, 14), frames.label(index), font=_font(34, bold=True), fill=INK)
        draw.text(
            (24, 60),
            f"{within:,} events in this window{beyond} · {so_far:,} so far · {caption}",
            font=_font(17),
            fill=MUTED,
        )
        draw.text((SIZE[0] - 24, 22), f"{index + 1} / {len(frames)}", font=_font(18), fill=MUTED, anchor="ra")
        _legend(draw, kinds, registries)
        draw.text((24, SIZE[1] - 22), footer, font=_font(13), fill=MUTED)
        yield image


def animation_file(
    fmt: str,
    frames: Frames,
    registries: Registries,
    extent: tuple[float, float, float, float] | None,
    context: ExportContext,
    fps: float = DEFAULT_FPS,
) -> bytes:
    """The playback as GIF or MP4 bytes."""
    if fmt not in ANIMATION_FORMATS:
        raise ExportError(f"unknown animation format {fmt!r}: use gif or mp4")
    if extent is None or len(frames) == 0:
        raise ExportError("no located events match these filters: nothing to play")
    if not 0 < fps <= MAX_FPS:
        raise ExportError(f"frames a second must be above 0 and at most {MAX_FPS}")
    images = frames_images(frames, registries, extent, context)
    return _gif(images, fps, registries) if fmt == "gif" else _mp4(images, fps)


def _gif(images: Iterator[Image.Image], fps: float, registries: Registries) -> bytes:
    first = next(images)
    palette = _palette(first, registries)
    paletted = [image.quantize(palette=palette, dither=Image.Dither.NONE) for image in (first, *images)]
    buffer = io.BytesIO()
    paletted[0].save(
        buffer, format="GIF", save_all=True, append_images=paletted[1:], duration=round(1000 / fps), loop=0
    )
    return buffer.getvalue()


def _palette(first: Image.Image, registries: Registries) -> Image.Image:
    """One palette for every frame (frames that share it encode as small differences, quickly): the first
    frame's colours, and every event type's colour at each fading step over land and over sea."""
    swatches = Image.new("RGB", (len(TRAIL_ALPHAS) * 2 * 8, len(registries.event_types) * 8), LAND)
    draw = ImageDraw.Draw(swatches, "RGBA")
    for row, kind in enumerate(registries.event_types.index):
        red, green, blue = (int(registries.event_type_colour(kind)[i : i + 2], 16) for i in (1, 3, 5))
        for column, alpha in enumerate(TRAIL_ALPHAS):
            for background, offset in ((LAND, 0), (SEA, len(TRAIL_ALPHAS))):
                box = ((column + offset) * 8, row * 8, (column + offset) * 8 + 7, row * 8 + 7)
                draw.rectangle(box, fill=background)
                draw.rectangle(box, fill=(red, green, blue, alpha))
    sample = Image.new("RGB", (first.width, first.height + swatches.height), "white")
    sample.paste(first, (0, 0))
    sample.paste(swatches, (0, first.height))
    return sample.quantize(colors=255, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)


def _mp4(images: Iterator[Image.Image], fps: float) -> bytes:
    import imageio_ffmpeg  # the ffmpeg binary ships in its wheel

    handle, name = tempfile.mkstemp(suffix=".mp4")
    os.close(handle)
    try:
        writer = imageio_ffmpeg.write_frames(
            name,
            SIZE,
            fps=fps,
            codec="libx264",
            pix_fmt_out="yuv420p",
            quality=8,
            macro_block_size=16,
            ffmpeg_log_level="error",
            output_params=["-movflags", "+faststart"],
        )
        writer.send(None)  # start ffmpeg
        for image in images:
            writer.send(np.ascontiguousarray(np.asarray(image, dtype=np.uint8)))
        writer.close()
        return Path(name).read_bytes()
    finally:
        Path(name).unlink(missing_ok=True)


def frame_count_note(frames: Frames, fps: float) -> str:
    seconds = len(frames) / fps
    return f"{len(frames)} frames, {seconds:,.1f} s at {fps:g} frames a second"
