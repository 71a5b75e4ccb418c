"""The order graph on a tablet, as drawn by the browser: no two boxes overlap, no arrow crosses
a box it does not connect, the graph fits the screen's width, each box leads to its step; in
portrait and landscape."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.orders.conftest import add, post_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PORTRAIT = {"width": 820, "height": 1180}
LANDSCAPE = {"width": 1180, "height": 820}

GEOMETRY = """() => {
  const svg = Array.from(document.querySelectorAll('svg[data-graph]'))
    .find(s => s.getBoundingClientRect().width > 0);
  const boxes = Array.from(svg.querySelectorAll('g[data-step]')).map(g => {
    const r = g.querySelector('rect[data-box]').getBoundingClientRect();
    const texts = Array.from(g.querySelectorAll('text')).map(t => {
      const b = t.getBoundingClientRect();
      return {left: b.left, right: b.right, top: b.top, bottom: b.bottom};
    });
    return {step: g.getAttribute('data-step'), left: r.left, right: r.right, top: r.top,
            bottom: r.bottom, texts: texts, href: g.parentNode.getAttribute('href')};
  });
  const ctm = svg.getScreenCTM();
  const edges = Array.from(svg.querySelectorAll('path[data-edge]')).map(p => {
    const length = p.getTotalLength();
    const points = [];
    for (let d = 0; d <= length; d += 3) {
      const q = p.getPointAtLength(d).matrixTransform(ctm);
      points.push([q.x, q.y]);
    }
    return {from: p.getAttribute('data-from'), to: p.getAttribute('data-to'), points: points};
  });
  const wrap = svg.closest('.graph-wrap');
  return {boxes: boxes, edges: edges, svgRight: svg.getBoundingClientRect().right,
          viewport: document.documentElement.clientWidth,
          scrolls: wrap.scrollWidth > wrap.clientWidth + 1};
}"""


@pytest.fixture
def a27_job(chain):
    """The job of screenshot A27, long labels included."""
    job = post_job(chain, part_name="ドライブシャフト")
    turn = add(job, chain, "L", title="外径・端面")
    mill = add(job, chain, "M", after=[turn], title="キー溝")
    grind = add(job, chain, "G", after=[turn], title="軸受部")
    plate = add(
        job, chain, "PLT", after=[mill, grind], title="無電解ニッケルめっき 軸受部以外 膜厚5µm"
    )
    add(job, chain, "ASM", after=[plate, mill], title="最終組立")
    return job


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_the_graph_has_no_overlaps_fits_the_width_and_links_its_steps(
    live_server, browser, chain, a27_job, viewport
):
    context = browser.new_context(viewport=viewport, has_touch=True, locale="ja-JP")
    page = context.new_page()
    sign_in(page, live_server, chain.hub_owner.username, f"pw-{chain.hub_owner.username}")
    page.goto(f"{live_server.url}/jobs/{a27_job.uuid}/")
    graph = page.evaluate(GEOMETRY)
    boxes, edges = graph["boxes"], graph["edges"]
    assert len(boxes) == 5 and len(edges) == 6

    for n, one in enumerate(boxes):
        for two in boxes[n + 1 :]:
            apart = (
                one["right"] <= two["left"]
                or two["right"] <= one["left"]
                or one["bottom"] <= two["top"]
                or two["bottom"] <= one["top"]
            )
            assert apart, (one, two)
        for text in one["texts"]:  # every label inside its own box
            assert one["left"] <= text["left"] and text["right"] <= one["right"] + 0.5, text
            assert one["top"] <= text["top"] and text["bottom"] <= one["bottom"] + 0.5, text

    for edge in edges:
        for box in boxes:
            if box["step"] in (edge["from"], edge["to"]):
                continue
            under = [
                (x, y)
                for x, y in edge["points"]
                if box["left"] + 1 < x < box["right"] - 1 and box["top"] + 1 < y < box["bottom"] - 1
            ]
            assert not under, (edge["from"], edge["to"], box["step"], under[:3])

    assert graph["svgRight"] <= graph["viewport"] and not graph["scrolls"], graph["svgRight"]

    # Each box leads to its step's card, and the cards follow the flow.
    for box in boxes:
        assert box["href"] == f"#step-{box['step']}"
        assert page.locator(f"#step-{box['step']}").count() == 1
    cards = page.eval_on_selector_all(".step-card", "cards => cards.map(c => c.id)")
    steps = {s.pk: s for s in a27_job.steps.all()}
    flow = sorted(steps.values(), key=lambda s: s.pk)
    assert cards[0] == f"step-{flow[0].uuid}" and cards[-1] == f"step-{flow[-1].uuid}"
    assert cards.index(f"step-{flow[3].uuid}") > cards.index(f"step-{flow[2].uuid}")
    page.locator(f"a[href='#step-{flow[3].uuid}']:visible").tap()
    assert page.url.endswith(f"#step-{flow[3].uuid}")
    context.close()
