"""The order graph's layout: boxes never overlap, an arrow never runs under a box it does not
connect, labels stay inside their boxes, and the cards follow the flow."""

from __future__ import annotations

import itertools
import re
import uuid
from types import SimpleNamespace

import pytest

from orders.diagram import flow_order, layout, text_width, wrap


def step(pk, name, shop="株式会社 丸山製作所", title="", position=None, shop_id=1):
    return SimpleNamespace(
        pk=pk,
        uuid=uuid.uuid4(),
        position=pk if position is None else position,
        process=SimpleNamespace(name=name),
        title=title,
        workshop=SimpleNamespace(name=shop, display_name=shop),
        workshop_id=shop_id,
        status="planned",
        late_risk=False,
    )


def a27():
    """The job of screenshot A27: turning feeds milling and grinding; both feed plating, and
    milling also feeds assembly directly, past plating."""
    steps = [
        step(1, "旋削", title="外径・端面", shop="田中精機製作所", shop_id=2),
        step(2, "フライス削り", title="キー溝"),
        step(3, "円筒研削", title="軸受部"),
        step(4, "無電解ニッケルめっき", title="軸受部以外 膜厚5µm"),
        step(5, "組立", title="最終組立"),
    ]
    links = [(1, 2), (1, 3), (2, 4), (3, 4), (4, 5), (2, 5)]
    return steps, links


def sample(path: str, per_curve: int = 24) -> list[tuple[float, float]]:
    """Points along an M / C / L path."""
    tokens = re.findall(r"[MCL]|-?\d+(?:\.\d+)?", path)
    points, at, i = [], None, 0
    while i < len(tokens):
        op = tokens[i]
        if op == "M":
            at = (float(tokens[i + 1]), float(tokens[i + 2]))
            points.append(at)
            i += 3
        elif op == "L":
            end = (float(tokens[i + 1]), float(tokens[i + 2]))
            points += [
                (at[0] + (end[0] - at[0]) * t / per_curve, at[1] + (end[1] - at[1]) * t / per_curve)
                for t in range(1, per_curve + 1)
            ]
            at = end
            i += 3
        else:
            c1, c2, end = (
                (float(tokens[i + 1]), float(tokens[i + 2])),
                (float(tokens[i + 3]), float(tokens[i + 4])),
                (float(tokens[i + 5]), float(tokens[i + 6])),
            )
            for n in range(1, per_curve + 1):
                t = n / per_curve
                u = 1 - t
                points.append(
                    tuple(
                        u**3 * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t**3 * p3
                        for p0, p1, p2, p3 in zip(at, c1, c2, end, strict=True)
                    )
                )
            at = end
            i += 7
    return points


def inside(point, node, margin=1.0) -> bool:
    x, y = point
    return (
        node.x + margin < x < node.x + node.w - margin
        and node.y + margin < y < node.y + node.h - margin
    )


@pytest.mark.parametrize("down", [False, True], ids=["across", "down"])
def test_it_never_overlaps_boxes_nor_runs_an_arrow_under_a_box(down):
    steps, links = a27()
    diagram = layout(steps, links, [], down=down)
    assert len(diagram.nodes) == 5 and len(diagram.edges) == 6
    for one, two in itertools.combinations(diagram.nodes, 2):
        apart = (
            one.x + one.w <= two.x
            or two.x + two.w <= one.x
            or one.y + one.h <= two.y
            or two.y + two.h <= one.y
        )
        assert apart, (one.step.process.name, two.step.process.name)
    by_uuid = {str(n.step.uuid): n for n in diagram.nodes}
    for edge in diagram.edges:
        others = [n for u, n in by_uuid.items() if u not in (edge.source, edge.target)]
        for point in sample(edge.path):
            hit = [n.step.process.name for n in others if inside(point, n)]
            assert not hit, (edge.source, edge.target, point, hit)
        for point in sample(edge.path):
            assert 0 <= point[0] <= diagram.width and 0 <= point[1] <= diagram.height


def test_the_long_link_of_a27_goes_round_the_box_it_skips():
    steps, links = a27()
    diagram = layout(steps, links, [])
    plate = next(n for n in diagram.nodes if n.step.pk == 4)
    mill_to_assembly = next(
        e
        for e in diagram.edges
        if e.source == str(steps[1].uuid) and e.target == str(steps[4].uuid)
    )
    ys = [y for x, y in sample(mill_to_assembly.path) if plate.x <= x <= plate.x + plate.w]
    assert ys and all(y < plate.y or y > plate.y + plate.h for y in ys)


@pytest.mark.parametrize("down", [False, True], ids=["across", "down"])
def test_labels_wrap_inside_their_box(down):
    steps, links = a27()
    steps.append(step(6, "Electroless nickel plating", title="outside the bearing seats, 5 µm"))
    diagram = layout(steps, [*links, (4, 6)], [], down=down)
    for node in diagram.nodes:
        assert 1 <= len(node.title) <= 2
        for y, line in node.title:
            assert text_width(line, 16) <= node.w - 20, line
            assert node.y < y < node.y + node.h
        assert text_width(node.shop, 14) <= node.w - 20
        assert node.y < node.shop_y < node.status_y < node.y + node.h
    plate = next(n for n in diagram.nodes if n.step.pk == 4)
    assert "".join(line for _y, line in plate.title) == "無電解ニッケルめっき軸受部以外 膜厚5µm"


def test_wrap_cuts_with_an_ellipsis_only_past_the_last_line():
    assert wrap("旋削", 170, 16, 2) == ["旋削"]
    long = wrap("あ" * 40, 170, 16, 2)
    assert len(long) == 2 and long[-1].endswith("…")
    assert all(text_width(line, 16) <= 170 for line in long)


def test_the_portrait_layout_is_narrower_than_a_portrait_tablet():
    steps, links = a27()
    assert layout(steps, links, [], down=True).width <= 820 - 2 * 16


def test_the_cards_follow_the_flow():
    steps, links = a27()
    # Added in another order than they flow: assembly first, turning last.
    shuffled = [step(s.pk, s.process.name, position=10 - s.pk) for s in steps]
    assert [s.pk for s in flow_order(shuffled, links)] == [1, 3, 2, 4, 5]


def test_each_part_has_its_band_and_name_and_a_rework_is_marked():
    shaft = SimpleNamespace(name="シャフト", position=10)
    bracket = SimpleNamespace(name="ブラケット", position=20)
    steps = [
        step(1, "旋削"),
        step(2, "円筒研削"),
        step(3, "フライス削り"),
        step(4, "円筒研削", title="手直し"),
    ]
    for s, part, part_id in zip(steps, [shaft, shaft, bracket, shaft], [1, 1, 2, 1], strict=True):
        s.part, s.part_id, s.rework_of_id = part, part_id, None
    steps[3].rework_of_id = 2
    links = [(1, 2), (2, 4)]
    diagram = layout(steps, links, [], down=True)
    nodes = {n.step.pk: n for n in diagram.nodes}
    assert nodes[1].part == nodes[2].part == "シャフト" and nodes[3].part == "ブラケット"
    assert nodes[1].band == nodes[2].band != nodes[3].band
    assert nodes[4].rework and not nodes[2].rework
    assert [e.rework for e in diagram.edges] == [False, True]
    # The part's line stays inside its box.
    for n in diagram.nodes:
        assert n.y < n.part_y < n.y + n.h


def test_a_job_of_one_part_draws_no_band():
    steps = [step(1, "旋削"), step(2, "円筒研削")]
    for s in steps:
        s.part, s.part_id = SimpleNamespace(name="シャフト", position=10), 1
    diagram = layout(steps, [(1, 2)], [])
    assert all(n.band == "" and n.part == "" for n in diagram.nodes)
