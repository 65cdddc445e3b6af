"""The actor network: actors as nodes, the ties their events make as edges, its measures, and its figure.

An event ties its initiator to its counterpart (a directed edge, drawn with an arrowhead) and to each of its
associated actors ("acts with": dashed, no arrowhead). An edge is as wide as its events are many and takes the
colour of the kind of tie most of its events make: supplies, fights, meets or says (the ``tie`` of each event
type in ``data/registries/event_types.yaml``; a type without one is ``other``, grey).

The ties come from one engine aggregate (`dashboard.store.queries.actor_ties`); everything here works on that
small table, never on events. The layout is deterministic: the same ties give the same picture.

    >>> from dashboard.model.registries import load_registries
    >>> ties = pd.DataFrame({"source": ["north_korea"], "target": ["russia"], "role": ["counterpart"],
    ...     "event_type": ["arms_transfer"], "events": [4], "first": [pd.Timestamp("2023-09-07")],
    ...     "last": [pd.Timestamp("2024-08-27")]})
    >>> graph = build_network(ties, load_registries())
    >>> graph.edges[["source", "target", "kind", "events"]].to_dict("records")
    [{'source': 'north_korea', 'target': 'russia', 'kind': 'supplies', 'events': 4}]
"""

from __future__ import annotations

import math
import textwrap
from collections import Counter
from dataclasses import dataclass
from datetime import date

import networkx as nx
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.model.registries import OTHER_TIE, TIE_KINDS, Registries
from dashboard.views.text import escape_plotly

TITLE = "Actor network"
MAX_ACTORS = 50  # actors drawn: those with the most events on their ties
MAX_EDGES = 200  # ties drawn among them: the strongest
LABELS_AT_MOST = 24  # actors named on the chart (the busiest that fit); the others on hover
ALWAYS_NAMED = 5  # the busiest actors, named even where their label must overlap something
KINDS = (*TIE_KINDS, OTHER_TIE)
# Okabe–Ito colours (told apart with the common colour-vision deficiencies), on light and dark backgrounds.
KIND_COLOURS = {
    "supplies": "#0072B2",
    "fights": "#D55E00",
    "meets": "#009E73",
    "says": "#CC79A7",
    OTHER_TIE: "#999999",
}
KIND_GLOSSES = {
    "supplies": "supplies: arms, troops, training",
    "fights": "fights: strikes, battles, attacks",
    "meets": "meets: talks, treaties",
    "says": "says: statements, policy, protest",
    OTHER_TIE: "other",
}
ROLES = {"counterpart": "→", "associated": "with"}
NODE_COLOUR = "#6b7785"  # neutral slate: legible on a light and on a dark page, and no tie's colour
NODE_OUTLINE = "#ffffff"
CHOSEN_OUTLINE = "#E69F00"  # actors chosen in the sidebar's actor filter
LAYOUT_SEED = 7
# The columns of a tie's events that the page's table shows (dashboard.views.tables.events_table).
TIE_EVENT_COLUMNS = (
    "id",
    "title",
    "event_type",
    "date_start",
    "date_span_end",
    "date_precision",
    "initiator",
    "counterpart",
    "associated_actors",
    "place",
    "confidence",
)
UNDIMMED = {"marker": {"opacity": 1}}  # a click selects a mark: plotly would fade every other one
ASPECT = 1.5  # the layout's width to height (the chart is wider than high)


@dataclass
class Network:
    """The drawn network: ``nodes`` (index actor id; ``name``; ``out``, ``in`` and ``total`` events on all its
    ties and its ``partners``, also those left out; ``x``, ``y``), ``edges`` (``source``, ``target``, ``role``,
    ``kind``, ``events``, ``first``, ``last``, ``types``), and the actors and ties the caps leave out."""

    nodes: pd.DataFrame
    edges: pd.DataFrame
    actors_total: int
    actors_left_out: int
    edges_left_out: int

    @property
    def empty(self) -> bool:
        return self.nodes.empty


EDGE_COLUMNS = ["source", "target", "role", "kind", "events", "first", "last", "types"]


def edges_from_ties(ties: pd.DataFrame, registries: Registries, with_types: bool = True) -> pd.DataFrame:
    """One row per tie (source, target, role) over every event type: its events, first and last start date,
    the dominant kind (most events; a draw goes to the kind listed first in `KINDS`) and (``with_types``) its
    types as text (``Arms transfer 4 · Diplomatic meeting / agreement 1``), strongest first."""
    if ties.empty:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in EDGE_COLUMNS}).astype({"events": "int64"})
    rows = ties.copy()
    rows["kind"] = rows["event_type"].astype(object).map(registries.type_ties).fillna(OTHER_TIE)
    keys = ["source", "target", "role"]
    per_kind = rows.groupby([*keys, "kind"], sort=False)["events"].sum().reset_index()
    per_kind["rank"] = per_kind["kind"].map(KINDS.index)
    per_kind = per_kind.sort_values([*keys, "events", "rank"], ascending=[True, True, True, False, True])
    dominant = per_kind.drop_duplicates(keys).set_index(keys)["kind"]
    edges = rows.groupby(keys).agg(events=("events", "sum"), first=("first", "min"), last=("last", "max"))
    edges["kind"] = dominant
    edges["types"] = _types_text(rows, registries, keys).reindex(edges.index) if with_types else ""
    edges = edges.reset_index()
    edges["events"] = edges["events"].astype("int64")
    return _strongest_first(edges)[EDGE_COLUMNS]


def _types_text(rows: pd.DataFrame, registries: Registries, keys: list[str]) -> pd.Series:
    """Per tie, its events by type, the most first: ``Arms transfer 4 · Statement 1``."""
    ordered = rows.sort_values([*keys, "events", "event_type"], ascending=[True, True, True, False, True])
    types: dict[tuple[str, str, str], list[str]] = {}
    columns = [ordered[name].astype(object).tolist() for name in [*keys, "event_type", "events"]]
    for source, target, role, kind, count in zip(*columns, strict=True):
        types.setdefault((source, target, role), []).append(f"{registries.event_type_label(kind)} {count:,}")
    index = pd.MultiIndex.from_tuples(list(types), names=keys) if types else None
    return pd.Series([" · ".join(parts) for parts in types.values()], index=index, dtype=object)


def _strongest_first(edges: pd.DataFrame) -> pd.DataFrame:
    return edges.sort_values(
        ["events", "source", "target", "role"], ascending=[False, True, True, True], kind="stable"
    ).reset_index(drop=True)


def degrees(edges: pd.DataFrame) -> pd.DataFrame:
    """Per actor: events on the ties it starts (``out``), on those that reach it (``in``), both (``total``)
    and the number of actors it is tied to (``partners``); the busiest first (ties by id)."""
    out = edges.groupby("source")["events"].sum()
    into = edges.groupby("target")["events"].sum()
    pairs = pd.concat(
        [edges[["source", "target"]], edges[["target", "source"]].set_axis(["source", "target"], axis=1)]
    ).drop_duplicates()
    actors = sorted(set(out.index) | set(into.index))
    table = pd.DataFrame(index=pd.Index(actors, dtype=object, name="actor"))
    table["out"] = out.reindex(table.index, fill_value=0).astype("int64")
    table["in"] = into.reindex(table.index, fill_value=0).astype("int64")
    table["total"] = table["out"] + table["in"]
    table["partners"] = pairs.groupby("source").size().reindex(table.index, fill_value=0).astype("int64")
    ranked = table.assign(id=table.index).sort_values(["total", "id"], ascending=[False, True], kind="stable")
    return ranked.drop(columns="id")


def build_network(
    ties: pd.DataFrame, registries: Registries, max_actors: int = MAX_ACTORS, max_edges: int = MAX_EDGES
) -> Network:
    """The network of ``ties`` (`dashboard.store.queries.actor_ties`): the ``max_actors`` actors with the
    most events on their ties, the ``max_edges`` strongest ties among them, and a layout."""
    every = edges_from_ties(ties, registries, with_types=False)
    ranked = degrees(every)  # measures over every tie of an actor, also those to actors left out
    kept = list(ranked.index[:max_actors])
    among = every[every["source"].isin(kept) & every["target"].isin(kept)]
    drawn = among.head(max_edges).reset_index(drop=True)
    wanted = pd.MultiIndex.from_frame(drawn[["source", "target", "role"]])
    of_drawn = ties[pd.MultiIndex.from_frame(ties[["source", "target", "role"]]).isin(wanted)]
    drawn["types"] = _types_text(of_drawn, registries, ["source", "target", "role"]).reindex(wanted).to_numpy()
    nodes = ranked.loc[kept].copy()
    nodes.insert(0, "name", [registries.actor_name(actor) for actor in kept])
    positions = layout(list(kept), drawn)
    nodes["x"] = [positions[actor][0] for actor in kept]
    nodes["y"] = [positions[actor][1] for actor in kept]
    return Network(nodes, drawn, len(ranked), len(ranked) - len(kept), len(among) - len(drawn))


def layout(actors: list[str], edges: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Positions in [-`ASPECT`, `ASPECT`] × [-1, 1], the same for the same actors and ties: a spring layout
    (actors tied to each other near, the others apart) from a fixed seed, with nodes and edges added in sorted
    order, near neighbours pushed apart, positions rounded."""
    names = sorted(actors)
    if len(names) <= 1:
        return {name: (0.0, 0.0) for name in names}
    graph = nx.Graph()
    graph.add_nodes_from(names)
    graph.add_edges_from(sorted({tuple(sorted(pair)) for pair in zip(edges["source"], edges["target"], strict=True)}))
    raw = nx.spring_layout(graph, seed=LAYOUT_SEED, k=1.6 / math.sqrt(len(names)), iterations=200)
    points = np.array([raw[name] for name in names], dtype=float)
    points = _spread_apart(_fit(_widen_core(points)), minimum=0.25 if len(names) <= 12 else 0.16)
    points = np.round(points, 4)
    return {name: (float(x), float(y)) for name, (x, y) in zip(names, points, strict=True)}


def _widen_core(points: np.ndarray, power: float = 0.6) -> np.ndarray:
    """Distances from the centre raised to ``power`` (< 1): the busy core, where the most tied actors sit, gets
    more room and the outlying actors come nearer, so the picture fills the chart."""
    centred = points - points.mean(axis=0)
    radius = np.hypot(centred[:, 0], centred[:, 1])
    scale = np.ones_like(radius)
    away = radius > 0
    scale[away] = (radius[away] / radius.max()) ** (power - 1)  # a point at r moves to r ** power
    return centred * scale[:, None]


def _fit(points: np.ndarray) -> np.ndarray:
    """Centred and scaled into [-ASPECT, ASPECT] × [-1, 1] (each axis on its own)."""
    centred = points - (points.max(axis=0) + points.min(axis=0)) / 2
    half = np.abs(centred).max(axis=0)
    half[half == 0] = 1.0
    return centred / half * np.array([ASPECT, 1.0])


def _spread_apart(points: np.ndarray, minimum: float, rounds: int = 100) -> np.ndarray:
    """Nodes pushed apart, all at once in each of up to ``rounds`` passes, until none is nearer another
    than ``minimum``: a layout may put two nodes (and their labels) on top of each other."""
    moved = points.copy()
    count = len(moved)
    upper = np.triu(np.ones((count, count), dtype=bool), 1)
    fallback = np.stack([np.cos(np.arange(count)), np.sin(np.arange(count))], axis=1)  # for nodes on one spot
    for _ in range(rounds):
        gap = moved[None, :, :] - moved[:, None, :]  # gap[i, j]: from node i to node j
        distance = np.hypot(gap[..., 0], gap[..., 1])
        np.fill_diagonal(distance, np.inf)
        close = distance < minimum
        if not close.any():
            break
        same = (distance < 1e-9) & upper
        gap[same] = fallback[np.nonzero(same)[1]] * 1e-3
        distance = np.where(same, 1e-3, distance)
        push = np.where(close, (minimum - distance) / 2 / np.where(close, distance, 1.0), 0.0)[..., None] * gap
        moved = moved - push.sum(axis=1)
    return _fit(moved)


def strongest_ties(network: Network, registries: Registries, limit: int = 10) -> pd.DataFrame:
    """The ``limit`` strongest ties drawn, as a table: from, to, kind, events, first and last date."""
    edges = network.edges.head(limit)
    return pd.DataFrame(
        {
            "From": [registries.actor_name(actor) for actor in edges["source"]],
            "To": [registries.actor_name(actor) for actor in edges["target"]],
            "Tie": [_role_text(role, kind) for role, kind in zip(edges["role"], edges["kind"], strict=True)],
            "Events": edges["events"].astype("int64"),
            "First": edges["first"].dt.strftime("%Y-%m-%d"),
            "Last": edges["last"].dt.strftime("%Y-%m-%d"),
        }
    )


def _role_text(role: str, kind: str) -> str:
    return kind if role == "counterpart" else f"{kind} (acts with)"


def degree_table(network: Network) -> pd.DataFrame:
    """The drawn actors, busiest first: events on their ties out, in and in all, and their partners."""
    nodes = network.nodes.sort_values(["total", "name"], ascending=[False, True], kind="stable")
    return pd.DataFrame(
        {
            "Actor": nodes["name"].to_numpy(),
            "Events out": nodes["out"].to_numpy(),
            "Events in": nodes["in"].to_numpy(),
            "Events (all ties)": nodes["total"].to_numpy(),
            "Partners": nodes["partners"].to_numpy(),
        }
    )


def tie_label(source: str, target: str, role: str, registries: Registries) -> str:
    """``North Korea → Russia`` (initiator → counterpart) or ``Ukraine with North Korea`` (associated)."""
    return f"{registries.actor_name(source)} {ROLES[role]} {registries.actor_name(target)}"


def tie_choices(network: Network, registries: Registries) -> dict[str, tuple[str, str, str]]:
    """The drawn ties by their label (strongest first): label → (source, target, role). A label two ties
    would share (two actors of one name) is told apart by a number."""
    choices: dict[str, tuple[str, str, str]] = {}
    for source, target, role in zip(
        network.edges["source"], network.edges["target"], network.edges["role"], strict=True
    ):
        label = tie_label(source, target, role, registries)
        number = 2
        unique = label
        while unique in choices:
            unique, number = f"{label} ({number})", number + 1
        choices[unique] = (source, target, role)
    return choices


def tie_total(network: Network, source: str, target: str, role: str) -> int:
    """The events of one drawn tie."""
    edges = network.edges
    chosen = edges["source"].eq(source) & edges["target"].eq(target) & edges["role"].eq(role)
    return int(edges.loc[chosen, "events"].sum())


def whole_period(split_ties: pd.DataFrame) -> pd.DataFrame:
    """The ties of both periods together (`dashboard.store.queries.actor_ties` with a split, without it): the
    same table the query gives without a split, so one engine aggregate serves the chart and the comparison."""
    keys = ["source", "target", "role", "event_type"]
    ties = split_ties.groupby(keys, sort=True).agg(
        events=("events", "sum"), first=("first", "min"), last=("last", "max")
    )
    ties = ties.reset_index()
    for name in keys:
        ties[name] = ties[name].astype(object)
    ties["events"] = ties["events"].astype("int64")
    return ties


def default_split(bounds: tuple[pd.Timestamp, pd.Timestamp] | None) -> date | None:
    """The middle of the events' period (``bounds``: first start, last day), the default split date."""
    if bounds is None:
        return None
    low, high = bounds
    return (low + (high - low) / 2).date()


@dataclass
class PeriodChange:
    """How the ties change from before ``split`` to from ``split`` on: ties only in the later period
    (``new``), only in the earlier (``gone``), every tie by its change in events (``changes``), every actor by
    the change of events on its ties (``actors``)."""

    split: date
    new: pd.DataFrame
    gone: pd.DataFrame
    changes: pd.DataFrame
    actors: pd.DataFrame


def compare_periods(split_ties: pd.DataFrame, registries: Registries, split: date) -> PeriodChange:
    """The ties before and after ``split`` (`dashboard.store.queries.actor_ties` with a split) compared."""
    before = edges_from_ties(split_ties[~split_ties["later"]].drop(columns="later"), registries, with_types=False)
    after = edges_from_ties(split_ties[split_ties["later"]].drop(columns="later"), registries, with_types=False)
    keys = ["source", "target", "role"]
    both = before.merge(after, on=keys, how="outer", suffixes=("_before", "_after"))
    both["Before"] = both["events_before"].fillna(0).astype("int64")
    both["After"] = both["events_after"].fillna(0).astype("int64")
    both["Change"] = both["After"] - both["Before"]
    both["kind"] = both["kind_after"].fillna(both["kind_before"])
    both["From"] = [registries.actor_name(actor) for actor in both["source"]]
    both["To"] = [registries.actor_name(actor) for actor in both["target"]]
    both["Tie"] = [_role_text(role, kind) for role, kind in zip(both["role"], both["kind"], strict=True)]
    both["size"] = both["Change"].abs()
    both = both.sort_values(["size", "After", "From", "To", "Tie"], ascending=[False, False, True, True, True])
    columns = ["From", "To", "Tie"]
    new = both[both["Before"].eq(0)].sort_values(["After", "From", "To"], ascending=[False, True, True])
    gone = both[both["After"].eq(0)].sort_values(["Before", "From", "To"], ascending=[False, True, True])
    new = new[[*columns, "After"]].rename(columns={"After": "Events"}).reset_index(drop=True)
    gone = gone[[*columns, "Before"]].rename(columns={"Before": "Events"}).reset_index(drop=True)
    changes = both[[*columns, "Before", "After", "Change"]].reset_index(drop=True)
    early, late = degrees(before)["total"], degrees(after)["total"]
    actors = pd.DataFrame({"Before": early, "After": late}).fillna(0).astype("int64")
    actors["Change"] = actors["After"] - actors["Before"]
    actors["Actor"] = [registries.actor_name(actor) for actor in actors.index]
    actors["size"] = actors["Change"].abs()
    actors = actors.sort_values(["size", "After", "Actor"], ascending=[False, False, True])
    actors = actors[["Actor", "Before", "After", "Change"]].reset_index(drop=True)
    return PeriodChange(split, new, gone, changes, actors)


# The figure ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Canvas:
    """What the figure is drawn for: the plotting area in pixels and the text size (the placement of labels
    depends on both)."""

    width: int = 760
    height: int = 500
    font: int = 13
    node_scale: float = 1.0


SCREEN = Canvas(font=14)
# A 1,600 × 900 image with its caption, text at 20 px as in the other charts' images
# (dashboard.exports.images.PRINT_FONT_PX).
PRINT = Canvas(width=1500, height=640, font=20, node_scale=1.4)
LABEL_POSITIONS = ("top center", "bottom center", "middle right", "middle left")
LABEL_LINE = 22  # characters per line of a label; a longer name is wrapped, never cut
PADDING = 0.12  # room around the nodes, as a share of each axis


def node_sizes(nodes: pd.DataFrame, canvas: Canvas) -> pd.Series:
    """Marker diameters in pixels: 16 to 44 by the square root of the events on the actor's ties."""
    most = max(int(nodes["total"].max()), 1) if not nodes.empty else 1
    return (16 + 28 * np.sqrt(nodes["total"].clip(lower=0) / most)) * canvas.node_scale


def label_lines(name: str) -> list[str]:
    """A name as label lines of at most `LABEL_LINE` characters (at spaces; a single long word stays whole)."""
    return textwrap.wrap(" ".join(str(name).split()), LABEL_LINE, break_long_words=False) or [""]


def place_labels(
    nodes: pd.DataFrame, sizes: pd.Series, ranges: tuple[list[float], list[float]], canvas: Canvas
) -> dict[str, str]:
    """A text position for each actor named on the chart, the busiest first: the first of `LABEL_POSITIONS`
    whose box stays inside the chart and overlaps no label or node placed before it. The `ALWAYS_NAMED`
    busiest actors are named even without such a place (where they overlap least); any other actor without
    one, or beyond `LABELS_AT_MOST`, is named on hover only."""
    (x_low, x_high), (y_low, y_high) = ranges
    per_x = canvas.width / (x_high - x_low)  # pixels per data unit
    per_y = canvas.height / (y_high - y_low)
    boxes: list[tuple[float, float, float, float]] = []
    for x, y, size in zip(nodes["x"], nodes["y"], sizes, strict=True):
        px, py, r = (x - x_low) * per_x, (y - y_low) * per_y, size / 2
        boxes.append((px - r, py - r, px + r, py + r))  # nodes are obstacles too
    placed: dict[str, str] = {}
    order = nodes.sort_values(["total", "name"], ascending=[False, True], kind="stable").index
    for rank, actor in enumerate(order[:LABELS_AT_MOST]):
        lines = label_lines(nodes.at[actor, "name"])
        width = max(len(line) for line in lines) * canvas.font * 0.58
        height = len(lines) * canvas.font * 1.25
        px = (nodes.at[actor, "x"] - x_low) * per_x
        py = (nodes.at[actor, "y"] - y_low) * per_y
        r = sizes[actor] / 2 + 3
        candidates = {
            "top center": (px - width / 2, py + r, px + width / 2, py + r + height),
            "bottom center": (px - width / 2, py - r - height, px + width / 2, py - r),
            "middle right": (px + r, py - height / 2, px + r + width, py + height / 2),
            "middle left": (px - r - width, py - height / 2, px - r, py + height / 2),
        }
        overlaps = {
            position: sum(_overlap(box, other) for other in boxes)
            for position, box in candidates.items()
            if box[0] >= 0 and box[1] >= 0 and box[2] <= canvas.width and box[3] <= canvas.height
        }
        if not overlaps:
            continue
        best = min(overlaps, key=lambda position: (overlaps[position], LABEL_POSITIONS.index(position)))
        if overlaps[best] == 0 or rank < ALWAYS_NAMED:
            placed[actor] = best
            boxes.append(candidates[best])
    return placed


def _overlap(one: tuple[float, float, float, float], other: tuple[float, float, float, float]) -> float:
    """The area two boxes share (0 when they do not overlap)."""
    across = min(one[2], other[2]) - max(one[0], other[0])
    up = min(one[3], other[3]) - max(one[1], other[1])
    return max(0.0, across) * max(0.0, up)


def _ranges(nodes: pd.DataFrame) -> tuple[list[float], list[float]]:
    """Axis ranges around the nodes with `PADDING` on every side (labels are placed inside them)."""
    ranges = []
    for column, half in (("x", ASPECT), ("y", 1.0)):
        low = min(float(nodes[column].min()), -half) if not nodes.empty else -half
        high = max(float(nodes[column].max()), half) if not nodes.empty else half
        pad = (high - low) * PADDING
        ranges.append([low - pad, high + pad])
    return ranges[0], ranges[1]


def _edge_rows(network: Network, sizes: dict[str, float]) -> list[dict]:
    """Each edge as a plain record with its start and end, its midpoint and its width. Two actors with more
    than one edge between them (A → B, B → A, "acts with") have each moved to the right of its direction, so
    that they lie side by side."""
    nodes = network.nodes
    where = dict(zip(nodes.index, zip(nodes["x"], nodes["y"], strict=True), strict=True))
    rows = network.edges.to_dict("records")
    pairs = Counter(frozenset((row["source"], row["target"])) for row in rows)
    most = max((row["events"] for row in rows), default=1)
    for row in rows:
        (x0, y0), (x1, y1) = where[row["source"]], where[row["target"]]
        length = math.hypot(x1 - x0, y1 - y0) or 1.0
        offset = 0.0
        if pairs[frozenset((row["source"], row["target"]))] > 1:
            offset = 0.035 if row["role"] == "counterpart" else 0.07
        shift_x, shift_y = (y1 - y0) / length * offset, -(x1 - x0) / length * offset
        row.update(
            x0=x0 + shift_x,
            y0=y0 + shift_y,
            x1=x1 + shift_x,
            y1=y1 + shift_y,
            xm=(x0 + x1) / 2 + shift_x,
            ym=(y0 + y1) / 2 + shift_y,
            width=round(1.5 + 5.5 * math.sqrt(row["events"] / max(most, 1)), 1),  # 1.5 to 7 pixels
            end_gap=sizes[row["target"]] / 2 + 2,
        )
    return rows


def _edge_hover(row: dict, registries: Registries) -> str:
    title = escape_plotly(tie_label(row["source"], row["target"], row["role"], registries))
    role = "initiator → counterpart" if row["role"] == "counterpart" else "acts with (associated actor)"
    first, last = row["first"], row["last"]
    dates = f"{first:%Y-%m-%d}" if first == last else f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
    return (
        f"<b>{title}</b><br>{row['kind']} · {role}<br>{row['events']:,} events, {dates}"
        f"<br>{escape_plotly(row['types'])}<br><i>click to list its events</i>"
    )


def _node_hover(nodes: pd.DataFrame) -> list[str]:
    return [
        f"<b>{escape_plotly(name)}</b><br>events on its ties: {total:,} (out {out:,}, in {into:,})"
        f"<br>tied to {partners:,} actors<br><i>click to filter the dashboard to it</i>"
        for name, total, out, into, partners in zip(
            nodes["name"], nodes["total"], nodes["out"], nodes["in"], nodes["partners"], strict=True
        )
    ]


def figure_labels(network: Network, canvas: Canvas = SCREEN) -> dict[str, str]:
    """The actors named on the chart and where (`place_labels`)."""
    return place_labels(network.nodes, node_sizes(network.nodes, canvas), _ranges(network.nodes), canvas)


def network_figure(
    network: Network, registries: Registries, canvas: Canvas = SCREEN, chosen: tuple[str, ...] = ()
) -> go.Figure:
    """The network as a plotly figure. Nodes carry ``("actor", id)`` and edge midpoints ``("tie", source,
    target, role)`` as ``customdata``, so a click tells which was picked. Actors in ``chosen`` (the actor
    filter) are ringed. Colours are fixed; text takes the theme's colour, so it reads on a light and a dark
    page."""
    nodes = network.nodes
    sizes = node_sizes(nodes, canvas)
    size_of = dict(zip(nodes.index, sizes, strict=True))
    edges = _edge_rows(network, size_of)
    traces: list[dict] = []
    for role in ("associated", "counterpart"):  # one trace per kind and width; arrows over dashed lines
        for kind in KINDS:
            same = [row for row in edges if row["kind"] == kind and row["role"] == role]
            for width in sorted({row["width"] for row in same}):
                traces.append(_edge_trace([row for row in same if row["width"] == width], kind, role, width, canvas))
    for kind in KINDS:  # a handle at each edge's middle: hover to read the tie, click to list its events
        group = [row for row in edges if row["kind"] == kind]
        if not group:
            continue
        traces.append(
            {
                "type": "scatter",
                "x": [row["xm"] for row in group],
                "y": [row["ym"] for row in group],
                "mode": "markers",
                "marker": {
                    "color": KIND_COLOURS[kind],
                    "size": 9 * canvas.node_scale,
                    "symbol": ["diamond" if row["role"] == "counterpart" else "diamond-open" for row in group],
                    "line": {"color": KIND_COLOURS[kind], "width": 2},
                },
                "customdata": [["tie", row["source"], row["target"], row["role"]] for row in group],
                "hovertext": [_edge_hover(row, registries) for row in group],
                "hoverinfo": "text",
                "name": KIND_GLOSSES[kind],
                "showlegend": False,
                "selected": {"marker": {"opacity": 1, "size": 15 * canvas.node_scale}},  # the tie listed
                "unselected": UNDIMMED,
            }
        )
    kinds = {row["kind"] for row in edges}
    roles = {row["role"] for row in edges}
    traces += [_legend_line(KIND_GLOSSES[kind], KIND_COLOURS[kind], "solid") for kind in KINDS if kind in kinds]
    if "counterpart" in roles:
        traces.append(_legend_line("→ initiator to counterpart", "#888888", "solid"))
    if "associated" in roles:
        traces.append(_legend_line("acts with (associated actor)", "#888888", "dash"))
    if edges:
        most = max(row["events"] for row in edges)
        traces.append(_legend_line(f"wider: more events (the widest {most:,})", "#888888", "solid", width=7))
    labels = place_labels(nodes, sizes, _ranges(nodes), canvas)
    names = dict(zip(nodes.index, nodes["name"], strict=True))
    traces.append(
        {
            "type": "scatter",
            "x": nodes["x"].tolist(),
            "y": nodes["y"].tolist(),
            "mode": "markers+text",
            "marker": {
                "color": NODE_COLOUR,
                "opacity": 1,  # plotly draws markers of several sizes see-through unless told
                "size": [round(float(size), 1) for size in sizes],
                "line": {
                    "color": [CHOSEN_OUTLINE if actor in chosen else NODE_OUTLINE for actor in nodes.index],
                    "width": [4 if actor in chosen else 1.5 for actor in nodes.index],
                },
            },
            "text": [
                "<br>".join(escape_plotly(line) for line in label_lines(names[actor])) if actor in labels else ""
                for actor in nodes.index
            ],
            "textposition": [labels.get(actor, "top center") for actor in nodes.index],
            "textfont": {"size": canvas.font, "weight": 600, "shadow": "auto"},  # shadow: a halo of the background
            "customdata": [["actor", actor] for actor in nodes.index],
            "hovertext": _node_hover(nodes),
            "hoverinfo": "text",
            "name": "actors",
            "showlegend": False,
            # a colour for a clicked actor's label keeps the others' labels in the theme's colour
            "selected": {"marker": {"opacity": 1}, "textfont": {"color": CHOSEN_OUTLINE}},
            "unselected": UNDIMMED,
        }
    )
    ranges = _ranges(nodes)
    layout = {
        "height": canvas.height + 110,  # and the legend below
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "hovermode": "closest",
        "clickmode": "event+select",
        "dragmode": "pan",
        "showlegend": True,
        "legend": {
            "orientation": "h",
            "x": 0,
            "y": -0.02,
            "yanchor": "top",
            "font": {"size": canvas.font},
            "itemclick": False,
            "itemdoubleclick": False,
        },
        "xaxis": {"range": ranges[0], "visible": False},
        "yaxis": {"range": ranges[1], "visible": False},
    }
    # Plain values, without plotly's checks of every property (they take longer than building the figure);
    # tests/views/test_network.py checks that the figure is valid.
    return go.Figure({"data": traces, "layout": layout}, skip_invalid=False, _validate=False)


def _edge_trace(group: list[dict], kind: str, role: str, width: float, canvas: Canvas) -> dict:
    """Edges of one kind, role and width: initiator → counterpart as a line with an arrowhead that stops at
    the target's rim (the marker's standoff); "acts with" dashed, without arrowhead."""
    trace = {
        "type": "scatter",
        "x": [value for row in group for value in (row["x0"], row["x1"], None)],
        "y": [value for row in group for value in (row["y0"], row["y1"], None)],
        "mode": "lines",
        "line": {"color": KIND_COLOURS[kind], "width": width, "dash": "dash" if role == "associated" else "solid"},
        "opacity": 0.85,
        "hoverinfo": "skip",
        "showlegend": False,
    }
    if role == "counterpart":
        head = round((9 + 1.6 * width) * canvas.node_scale, 1)  # wider than the line it ends
        trace["mode"] = "lines+markers"
        trace["marker"] = {
            "symbol": "arrow",
            "angleref": "previous",
            "color": KIND_COLOURS[kind],
            "opacity": 1,
            "size": [size for row in group for size in (0, head, 0)],
            "standoff": [gap for row in group for gap in (0, row["end_gap"], 0)],
            "line": {"width": 0},
        }
        trace["unselected"] = UNDIMMED
    return trace


def _legend_line(name: str, colour: str, dash: str, width: float = 4) -> dict:
    return {
        "type": "scatter",
        "x": [None],
        "y": [None],
        "mode": "lines",
        "line": {"color": colour, "width": width, "dash": dash},
        "name": name,
        "hoverinfo": "skip",
    }


def network_notes(network: Network, labelled: int) -> list[str]:
    """What the chart leaves out, in plain words (empty when it shows everything)."""
    notes = []
    if network.actors_left_out:
        notes.append(
            f"{network.actors_left_out:,} of {network.actors_total:,} actors are left out: the chart shows the "
            f"{len(network.nodes):,} with the most events on their ties. Narrow the filters to see the others."
        )
    if network.edges_left_out:
        notes.append(f"{network.edges_left_out:,} weaker ties among them are not drawn.")
    if labelled < len(network.nodes):
        notes.append(f"{labelled:,} of {len(network.nodes):,} actors are named on the chart; hover for the others.")
    return notes
