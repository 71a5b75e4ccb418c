"""Lay out a job's order graph as an SVG diagram: steps as boxes in columns by depth, links as
arrows, and hand-offs between shops as thick arrows with their quantities."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .models import HandOffStatus, Step

NODE_W, NODE_H = 190, 84
GAP_X, GAP_Y = 70, 26
PAD = 16

STATUS_COLOURS = {
    "planned": ("#eef2f6", "#5b6570"),
    "ready": ("#e7f0fa", "#0b5cad"),
    "in_progress": ("#fff4de", "#9a6200"),
    "on_hold": ("#fbe9e7", "#b3261e"),
    "done": ("#e3f4e8", "#1d7a3a"),
    "cancelled": ("#f1f1f1", "#8a8a8a"),
}


@dataclass
class Node:
    step: Step
    x: int
    y: int
    fill: str
    stroke: str

    @property
    def cx_right(self) -> int:
        return self.x + NODE_W

    @property
    def cy(self) -> int:
        return self.y + NODE_H // 2


@dataclass
class Edge:
    path: str
    cross_shop: bool
    label: str = ""
    label_x: int = 0
    label_y: int = 0
    shortfall: bool = False


@dataclass
class Diagram:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    width: int = 0
    height: int = 0


def layout(steps: list[Step], links: list[tuple[int, int]], handoffs: list) -> Diagram:
    """`steps` are the visible steps; links among them only; hand-offs between visible steps."""
    ids = {s.pk for s in steps}
    links = [(a, b) for a, b in links if a in ids and b in ids]
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

    columns: dict[int, list[Step]] = defaultdict(list)
    for step in sorted(steps, key=lambda s: (s.position, s.pk)):
        columns[depth_of(step.pk)].append(step)
    diagram = Diagram()
    by_id: dict[int, Node] = {}
    tallest = max((len(c) for c in columns.values()), default=0)
    for col, column in sorted(columns.items()):
        offset = (tallest - len(column)) * (NODE_H + GAP_Y) // 2
        for row, step in enumerate(column):
            fill, stroke = STATUS_COLOURS.get(step.status, STATUS_COLOURS["planned"])
            node = Node(
                step=step,
                x=PAD + col * (NODE_W + GAP_X),
                y=PAD + offset + row * (NODE_H + GAP_Y),
                fill=fill,
                stroke="#b3261e" if step.late_risk else stroke,
            )
            by_id[step.pk] = node
            diagram.nodes.append(node)
    received: dict[tuple[int, int | None], list] = defaultdict(list)
    for h in handoffs:
        received[(h.from_step_id, h.to_step_id)].append(h)
    for a, b in links:
        start, end = by_id[a], by_id[b]
        x1, y1, x2, y2 = start.cx_right, start.cy, end.x - 6, end.cy
        mid = (x1 + x2) // 2
        cross = start.step.workshop_id != end.step.workshop_id
        label, short = "", False
        moves = received.get((a, b), [])
        if moves:
            shipped = sum(h.quantity_shipped for h in moves)
            got = sum(h.quantity_received or 0 for h in moves if h.status == HandOffStatus.RECEIVED)
            label = f"{got}/{shipped}"
            short = any(h.shortfall for h in moves)
        diagram.edges.append(
            Edge(
                path=f"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}",
                cross_shop=cross,
                label=label,
                label_x=mid,
                label_y=(y1 + y2) // 2 - 6,
                shortfall=short,
            )
        )
    columns_used = (max(columns) + 1) if columns else 0
    diagram.width = PAD * 2 + columns_used * NODE_W + max(columns_used - 1, 0) * GAP_X
    diagram.height = PAD * 2 + tallest * NODE_H + max(tallest - 1, 0) * GAP_Y
    return diagram
