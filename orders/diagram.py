"""Lay out a job's order graph as an SVG diagram: steps as boxes in ranks by depth, links as
arrows, and hand-offs between shops as thick arrows with their quantities.

Two layouts of the same graph: across (ranks are columns, for landscape) and down (ranks are
rows, for a portrait tablet). A link that skips ranks passes each rank it skips through a slot
of its own, so that no arrow ever runs under a box it does not connect; between two ranks an
arrow stays in the gap between them. Labels are wrapped to the box, and cut with an ellipsis
only past two lines.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

from .models import HandOffStatus, Step

NODE_W = 190
LINE_H = 20
GAP_ACROSS = (70, 26)  # between ranks, between boxes of one rank
GAP_DOWN = (56, 24)
# The room a link takes where it passes a rank it skips.
LANE = 20
PAD = 16
TITLE_SIZE, TEXT_SIZE = 16, 14
TEXT_X = 10
TITLE_LINES = 2

STATUS_COLOURS = {
    "planned": ("#eef2f6", "#5b6570"),
    "ready": ("#e7f0fa", "#0b5cad"),
    "in_progress": ("#fff4de", "#9a6200"),
    "on_hold": ("#fbe9e7", "#b3261e"),
    "done": ("#e3f4e8", "#1d7a3a"),
    "cancelled": ("#f1f1f1", "#8a8a8a"),
}


# A band of colour per part along the top of each box, so a job of many parts reads at a
# glance; told apart by the part's name too (never by colour alone).
PART_COLOURS = (
    "#0b5cad",
    "#1d7a3a",
    "#9a6200",
    "#7b3fa0",
    "#00838f",
    "#b3261e",
    "#5d4037",
    "#455a64",
)
BAND_H = 6
REWORK_STROKE = "#b3261e"


def part_colours(steps: list) -> dict[int, str]:
    """A colour for each part the steps work on, in the parts' order on the job."""
    parts: dict[int, tuple] = {}
    for s in steps:
        part_id = getattr(s, "part_id", None)
        if part_id is not None and part_id not in parts:
            part = s.part
            parts[part_id] = (getattr(part, "position", 0), part_id)
    ordered = sorted(parts, key=lambda pk: parts[pk])
    return {pk: PART_COLOURS[n % len(PART_COLOURS)] for n, pk in enumerate(ordered)}


def text_width(text: str, size: int) -> float:
    """How wide `text` draws at `size` px, near enough: full-width characters (kana, kanji,
    full-width forms) take a full em, the rest about 0.6 of one."""
    wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in "WF")
    return (wide + (len(text) - wide) * 0.62) * size


def wrap(text: str, width: float, size: int, lines: int) -> list[str]:
    """`text` in at most `lines` lines of at most `width` px; the last one ends in an ellipsis
    when the text does not fit. Breaks at a space where it can, else between characters."""
    out: list[str] = []
    rest = text.strip()
    while rest and len(out) < lines:
        if text_width(rest, size) <= width:
            out.append(rest)
            rest = ""
            break
        cut = len(rest)
        while cut > 1 and text_width(rest[:cut], size) > width:
            cut -= 1
        space = rest.rfind(" ", 0, cut + 1)
        if space > 0 and len(out) < lines - 1:
            cut = space
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest and out:
        last = out[-1]
        while last and text_width(last + "…", size) > width:
            last = last[:-1]
        out[-1] = last + "…"
    return out


@dataclass
class Node:
    step: Step
    x: int
    y: int
    w: int
    h: int
    fill: str
    stroke: str
    # The title's lines, each with the y it sits at; then the shop's and the status's y.
    title: list[tuple[int, str]] = field(default_factory=list)
    shop: str = ""
    shop_y: int = 0
    status_y: int = 0
    # The part's colour band and name (a job of several parts), and whether this step reworks
    # or replaces returned parts.
    band: str = ""
    part: str = ""
    part_y: int = 0
    rework: bool = False

    @property
    def text_x(self) -> int:
        return self.x + TEXT_X


@dataclass
class Edge:
    path: str
    cross_shop: bool
    source: str = ""
    target: str = ""
    label: str = ""
    label_x: int = 0
    label_y: int = 0
    shortfall: bool = False
    # Into a rework step: the parts came back to be made again.
    rework: bool = False


@dataclass
class Diagram:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    width: int = 0
    height: int = 0
    down: bool = False


def depths(steps: list[Step], links: list[tuple[int, int]]) -> dict[int, int]:
    """Each step's rank: the longest chain of links that leads to it (0 for a first step)."""
    preds: dict[int, list[int]] = defaultdict(list)
    for a, b in links:
        preds[b].append(a)
    depth: dict[int, int] = {}

    def depth_of(pk: int, trail: frozenset = frozenset()) -> int:
        if pk in depth:
            return depth[pk]
        if pk in trail:  # never happens in a DAG; guards against bad data
            return 0
        d = max((depth_of(p, trail | {pk}) + 1 for p in preds[pk]), default=0)
        depth[pk] = d
        return d

    for step in steps:
        depth_of(step.pk)
    return depth


def flow_order(steps: list[Step], links: list[tuple[int, int]]) -> list[Step]:
    """The steps in the order the parts flow: by rank, then by their position on the job."""
    ids = {s.pk for s in steps}
    depth = depths(steps, [(a, b) for a, b in links if a in ids and b in ids])
    return sorted(steps, key=lambda s: (depth[s.pk], s.position, s.pk))


def layout(
    steps: list[Step], links: list[tuple[int, int]], handoffs: list, *, down: bool = False
) -> Diagram:
    """`steps` are the visible steps; links among them only; hand-offs between visible steps.
    `down`: ranks as rows (portrait) instead of columns."""
    ids = {s.pk for s in steps}
    links = [(a, b) for a, b in links if a in ids and b in ids]
    depth = depths(steps, links)
    by_pk = {s.pk: s for s in steps}

    # Ranks hold steps and the lanes of the links that skip them: ("step", pk) or
    # ("lane", link index).
    ranks: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for step in sorted(steps, key=lambda s: (s.position, s.pk)):
        ranks[depth[step.pk]].append(("step", step.pk))
    routes: list[list[tuple[str, int]]] = []
    for index, (a, b) in enumerate(links):
        route = [("step", a)]
        for rank in range(depth[a] + 1, depth[b]):
            ranks[rank].append(("lane", index))
            route.append(("lane", index))
        route.append(("step", b))
        routes.append(route)

    # One sweep that pulls each item towards what feeds it keeps most arrows from crossing.
    feeders: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
    for route in routes:
        for before, after in pairwise(route):
            feeders[after].append(before)
    place: dict[tuple[str, int], float] = {}
    for rank in sorted(ranks):
        items = ranks[rank]
        for index, item in enumerate(items):
            fed = [place[f] for f in feeders[item] if f in place]
            place[item] = sum(fed) / len(fed) if fed else float(index)
        items.sort(key=lambda item: place[item])
        for index, item in enumerate(items):
            place[item] = float(index)

    # Text: the title wrapped to the box, the shop on one line.
    room = NODE_W - 2 * TEXT_X
    titles = {
        s.pk: wrap(
            s.process.name + (f" {s.title}" if s.title else ""), room, TITLE_SIZE, TITLE_LINES
        )
        for s in steps
    }
    shops = {s.pk: (wrap(s.workshop.display_name, room, TEXT_SIZE, 1) or [""])[0] for s in steps}
    colours = part_colours(steps)
    many_parts = len(colours) > 1
    part_names = (
        {s.pk: (wrap(s.part.name, room, TEXT_SIZE, 1) or [""])[0] for s in steps}
        if many_parts
        else {}
    )
    title_lines = max((len(t) for t in titles.values()), default=1)
    node_h = 24 + title_lines * LINE_H + (3 if many_parts else 2) * (LINE_H + 2)

    between, beside = GAP_DOWN if down else GAP_ACROSS
    rank_depth = node_h if down else NODE_W  # a rank's extent along the flow
    along = {"step": NODE_W if down else node_h, "lane": LANE}

    def extent(items) -> int:
        return sum(along[kind] for kind, _ in items) + max(len(items) - 1, 0) * beside

    widest = max((extent(items) for items in ranks.values()), default=0)
    rank_count = (max(ranks) + 1) if ranks else 0
    diagram = Diagram(down=down)
    nodes: dict[int, Node] = {}
    # Where each lane crosses its rank: its centre line across the flow.
    lanes: dict[tuple[int, int], int] = {}
    for rank, items in sorted(ranks.items()):
        flow_at = PAD + rank * (rank_depth + between)
        at = PAD + (widest - extent(items)) // 2
        for kind, key in items:
            if kind == "lane":
                lanes[(key, rank)] = at + LANE // 2
                at += LANE + beside
                continue
            step = by_pk[key]
            fill, stroke = STATUS_COLOURS.get(step.status, STATUS_COLOURS["planned"])
            x, y = (at, flow_at) if down else (flow_at, at)
            node = Node(
                step=step,
                x=x,
                y=y,
                w=NODE_W,
                h=node_h,
                fill=fill,
                stroke="#b3261e" if step.late_risk else stroke,
                title=[(y + 22 + n * LINE_H, line) for n, line in enumerate(titles[key])],
                shop=shops[key],
            )
            node.shop_y = y + 22 + title_lines * LINE_H + 2
            node.status_y = node.shop_y + LINE_H + 2
            if many_parts:
                node.band = colours.get(step.part_id, "")
                node.part = part_names[key]
                node.part_y = node.status_y + LINE_H + 2
            node.rework = bool(getattr(step, "rework_of_id", None))
            nodes[key] = node
            diagram.nodes.append(node)
            at += NODE_W + beside if down else node_h + beside

    received: dict[tuple[int, int | None], list] = defaultdict(list)
    for h in handoffs:
        received[(h.from_step_id, h.to_step_id)].append(h)
    for index, (a, b) in enumerate(links):
        start, end = nodes[a], nodes[b]
        # The points the arrow passes, each a (entering, leaving) pair along the flow.
        if down:
            points = [(start.x + NODE_W // 2, start.y + node_h)]
            for rank in range(depth[a] + 1, depth[b]):
                top = PAD + rank * (rank_depth + between)
                points += [(lanes[(index, rank)], top), (lanes[(index, rank)], top + node_h)]
            points.append((end.x + NODE_W // 2, end.y - 6))
        else:
            points = [(start.x + NODE_W, start.y + node_h // 2)]
            for rank in range(depth[a] + 1, depth[b]):
                left = PAD + rank * (rank_depth + between)
                points += [(left, lanes[(index, rank)]), (left + NODE_W, lanes[(index, rank)])]
            points.append((end.x - 6, end.y + node_h // 2))
        path = [f"M{points[0][0]},{points[0][1]}"]
        for n in range(0, len(points) - 1):
            (x1, y1), (x2, y2) = points[n], points[n + 1]
            if n % 2:  # straight through a lane
                path.append(f"L{x2},{y2}")
            elif down:
                mid = (y1 + y2) // 2
                path.append(f"C{x1},{mid} {x2},{mid} {x2},{y2}")
            else:
                mid = (x1 + x2) // 2
                path.append(f"C{mid},{y1} {mid},{y2} {x2},{y2}")
        label, short = "", False
        moves = received.get((a, b), [])
        if moves:
            shipped = sum(h.quantity_shipped for h in moves)
            got = sum(h.quantity_received or 0 for h in moves if h.status == HandOffStatus.RECEIVED)
            label = f"{got}/{shipped}"
            short = any(h.shortfall for h in moves)
        (x1, y1), (x2, y2) = points[0], points[1]
        diagram.edges.append(
            Edge(
                path=" ".join(path),
                cross_shop=start.step.workshop_id != end.step.workshop_id,
                source=str(start.step.uuid),
                target=str(end.step.uuid),
                label=label,
                # In the gap after the first box, where no box is.
                label_x=(x1 + 8) if down else (x1 + x2) // 2,
                label_y=(y1 + y2) // 2 if down else (y1 + y2) // 2 - 6,
                shortfall=short,
                rework=getattr(end.step, "rework_of_id", None) == a,
            )
        )
    flow = PAD * 2 + rank_count * rank_depth + max(rank_count - 1, 0) * between
    across = PAD * 2 + widest
    diagram.width, diagram.height = (across, flow) if down else (flow, across)
    return diagram
