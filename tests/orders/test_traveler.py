"""The job traveler (工程票): GET /jobs/<uuid>/traveler.pdf.

The QR codes are read back from the PDF itself: each is a form XObject named after its step,
holding the dark modules as rectangles. They are compared module by module with a fresh
encoding of the step's floor-station URL, so a code pointing anywhere else fails.
"""

from __future__ import annotations

import io
import math
import re

import pytest
import segno
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from orders.access import job_access
from orders.pdf import FONT_NAME, missing_glyphs
from orders.services.jobs import job_update, step_insert
from orders.traveler import QR_BORDER, render_traveler, short_id, traveler_steps
from tests.conftest import client_for
from workshops.models import Process

from .conftest import add, post_job

pytestmark = pytest.mark.django_db

MM = 72 / 25.4
FLOOR_PREFIX = "http://testserver/floor/steps/"


def traveler_url(job) -> str:
    return f"/jobs/{job.uuid}/traveler.pdf"


def fetch(user, job, **extra):
    response = client_for(user).get(traveler_url(job), **extra)
    assert response.status_code == 200, response.status_code
    return response.content


def pdf_text(data: bytes) -> str:
    """All text with whitespace removed: table cells wrap long values."""
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def page_texts(data: bytes) -> list[str]:
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def embedded_fonts(data: bytes) -> list[tuple[str, bool]]:
    """(BaseFont, has a TrueType font program) for every font the pages use."""
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for reference in page["/Resources"]["/Font"].values():
            font = reference.get_object()
            descriptor = font.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            found.append((str(font["/BaseFont"]), "/FontFile2" in descriptor))
    return found


NUMBER = r"(-?\d+(?:\.\d+)?)"
SCALE = re.compile(rf"{NUMBER} 0 0 {NUMBER} 0 0 cm")
RECT = re.compile(rf"{NUMBER} {NUMBER} {NUMBER} {NUMBER} re")


def printed_qr_codes(data: bytes) -> dict[str, dict]:
    """step uuid hex → {"size": width in points, "module": points per module, "dark": the set
    of (row, column) modules drawn dark, counted from the symbol's top-left corner}."""
    codes = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        xobjects = page["/Resources"].get("/XObject") or {}
        for name, reference in xobjects.items():
            if "qr_" not in name:
                continue
            form = reference.get_object()
            content = form.get_data().decode("latin-1")
            # The form's transforms compose; together they give the size of one module.
            module = math.prod(float(a) for a, _d in SCALE.findall(content))
            size = float(form["/BBox"][2]) - float(form["/BBox"][0])
            total = round(size / module)
            dark = set()
            for numbers in RECT.findall(content):
                x, y, w, h = (round(float(v)) for v in numbers)
                row = total - y - h - QR_BORDER
                for column in range(x - QR_BORDER, x - QR_BORDER + w):
                    dark.add((row, column))
            codes[name.split("qr_")[1]] = {"size": size, "module": module, "dark": dark}
    return codes


def dark_modules(url: str) -> set[tuple[int, int]]:
    qr = segno.make(url, error="m", micro=False)
    return {(r, c) for r, line in enumerate(qr.matrix) for c, value in enumerate(line) if value}


def floor_url(step) -> str:
    return "http://testserver" + reverse("floor_step", kwargs={"step_uuid": step.uuid})


# --- the PDF --------------------------------------------------------------------------------


def test_it_renders_an_a4_pdf_with_the_japanese_font_embedded(chain, routed_job):
    job, _steps, _orders = routed_job
    data = fetch(chain.hub_owner, job)

    assert data.startswith(b"%PDF-")
    fonts = embedded_fonts(data)
    assert fonts and all(name.endswith(f"+{FONT_NAME}") and embedded for name, embedded in fonts)
    assert b"HeiseiKakuGo" not in data and b"HeiseiMin" not in data
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_it_answers_inline_as_a_pdf_that_is_not_sniffed(chain, routed_job):
    job, _steps, _orders = routed_job
    response = client_for(chain.hub_owner).get(traveler_url(job))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="traveler-{short_id(job)}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_it_prints_the_job_header_and_every_step_in_japanese(chain, routed_job):
    job, steps, _orders = routed_job
    text = pdf_text(fetch(chain.hub_owner, job))

    for expected in ("工程票", "シャフト", "MR-1001", "丸山製作所", short_id(job), "担当印"):
        assert expected in text, expected
    for label in ("図番", "材質", "数量", "納期", "着手日", "完了日", "良品", "不良"):
        assert label in text, label
    for step in steps.values():
        assert re.sub(r"\s+", "", step.process.name_ja) in text, step.process.code
        assert step.workshop.name in text


def test_it_prints_tolerance_symbols_in_a_step_title_with_glyphs_the_font_has(chain, routed_job):
    job, steps, _orders = routed_job
    step = next(iter(steps.values()))
    step.title = "膜厚5µm Ra0.8 ⌀40±0.01"
    step.save(update_fields=["title"])
    text = pdf_text(fetch(chain.hub_owner, job))

    assert "膜厚5μmRa0.8∅40±0.01" in text and "\u00b5" not in text
    assert missing_glyphs(text) == set()


def test_it_never_prints_the_customer_the_notes_or_a_price(chain, routed_job):
    job, _steps, orders = routed_job
    job_update(job=job, actor=chain.hub_owner, data={"notes": "社外秘の覚え書き"})
    for user in (chain.hub_owner, chain.turner_owner, chain.grinder_owner, chain.plater_owner):
        data = fetch(user, job)
        text = pdf_text(data)
        metadata = " ".join(str(v) for v in (PdfReader(io.BytesIO(data)).metadata or {}).values())

        for secret in ("秘密顧客", "社外秘の覚え書き", "¥", "円"):
            assert secret not in text and secret not in metadata, (user, secret)
        for order in orders.values():
            price = int(order.price)
            for shown in (f"{price:,}", str(price)):
                assert shown not in text, (user, shown)


def test_it_prints_the_process_names_in_english_for_english_users(chain, routed_job):
    job, steps, _orders = routed_job
    client = client_for(chain.hub_owner)
    client.cookies["shopnet_language"] = "en"
    text = pdf_text(client.get(traveler_url(job)).content)

    assert "Jobtraveler" in text and "Drawingnumber" in text and "Signature" in text
    for step in steps.values():
        assert re.sub(r"\s+", "", step.process.name_en) in text, step.process.code
    assert "工程票" not in text


def test_it_prints_the_drawing_revision_as_not_yet_known(chain, routed_job):
    job, _steps, _orders = routed_job
    text = pdf_text(fetch(chain.hub_owner, job))

    assert "図面の版—" in text


# --- QR codes -------------------------------------------------------------------------------


def test_it_prints_one_qr_per_step_that_opens_the_step_on_the_floor_station(chain, routed_job):
    job, steps, _orders = routed_job
    codes = printed_qr_codes(fetch(chain.hub_owner, job))

    assert set(codes) == {s.uuid.hex for s in steps.values()}
    for step in steps.values():
        url = floor_url(step)
        assert url.startswith(FLOOR_PREFIX)
        assert codes[step.uuid.hex]["dark"] == dark_modules(url), step.process.code


def test_it_would_notice_a_qr_that_points_elsewhere(chain, routed_job):
    """The comparison above is not vacuous: another step's URL gives another pattern."""
    job, steps, _orders = routed_job
    codes = printed_qr_codes(fetch(chain.hub_owner, job))

    assert codes[steps["L"].uuid.hex]["dark"] != dark_modules(floor_url(steps["G"]))


def test_it_prints_qr_codes_large_enough_for_a_tablet_at_arms_length(chain, routed_job):
    job, steps, _orders = routed_job
    codes = printed_qr_codes(fetch(chain.hub_owner, job))

    for step in steps.values():
        code = codes[step.uuid.hex]
        qr = segno.make(floor_url(step), error="m", micro=False)
        symbol = len(qr.matrix)
        assert qr.error in ("M", "Q", "H")
        # The form holds the symbol and its four-module quiet zone on each side.
        assert code["size"] == pytest.approx(code["module"] * (symbol + 2 * QR_BORDER), abs=0.05)
        assert code["module"] * symbol >= 22 * MM


def test_it_encodes_the_url_it_is_given(chain, routed_job):
    """The renderer is pure: whatever `url_for` says is what the code carries."""
    job, _steps, _orders = routed_job
    access = job_access(chain.hub_owner, job)
    rows = traveler_steps(access)
    data = render_traveler(job, rows, lambda step: f"https://shop.example/s/{step.pk}")
    codes = printed_qr_codes(data)

    for row in rows:
        expected = dark_modules(f"https://shop.example/s/{row.step.pk}")
        assert codes[row.step.uuid.hex]["dark"] == expected


# --- who sees which steps -------------------------------------------------------------------


def test_it_gives_a_supplier_only_the_steps_of_its_orders(chain, routed_job):
    job, steps, _orders = routed_job
    data = fetch(chain.turner_owner, job)
    text = pdf_text(data)

    assert set(printed_qr_codes(data)) == {steps["L"].uuid.hex, steps["G"].uuid.hex}
    assert "旋削" in text and "研削" in text
    for hidden in ("めっき", "組立", "検査", "糀谷鍍金"):
        assert hidden not in text, hidden


@pytest.mark.parametrize("who", ["grinder_owner", "grinder_floor"])
def test_it_gives_a_sub_supplier_only_its_own_step(chain, routed_job, who):
    job, steps, _orders = routed_job
    data = fetch(getattr(chain, who), job)
    text = pdf_text(data)

    assert set(printed_qr_codes(data)) == {steps["G"].uuid.hex}
    assert "研削" in text
    assert "旋削" not in text and "田中旋盤" not in text


def test_it_numbers_steps_the_same_on_every_partys_traveler(chain, routed_job):
    """Grinding is step 2 of 5 for the hub and for the grinder, and it waits for No.1."""
    job, steps, _orders = routed_job
    hub = {r.step.pk: r for r in traveler_steps(job_access(chain.hub_owner, job))}
    grinder = traveler_steps(job_access(chain.grinder_owner, job))

    assert [hub[s.pk].number for s in steps.values()] == [1, 2, 3, 4, 5]
    assert [(r.step.pk, r.number, r.after) for r in grinder] == [(steps["G"].pk, 2, [1])]
    assert "No.1" in pdf_text(fetch(chain.grinder_owner, job))


def test_it_orders_an_inserted_step_before_the_steps_that_wait_for_it(chain):
    """A step inserted into the flow gets the last position but must print where it runs."""
    job = post_job(chain)
    turn = add(job, chain, "L")
    inspect = add(job, chain, "INS", after=[turn])
    deburr = step_insert(
        job=job,
        actor=chain.hub_owner,
        process=Process.objects.get(code="G"),
        planned_hours=1,
        after=[turn],
        before=[inspect],
    )
    access = job_access(chain.hub_owner, job)

    rows = traveler_steps(access)

    assert [r.step.pk for r in rows] == [turn.pk, deburr.pk, inspect.pk]
    assert [r.after for r in rows] == [[], [1], [2]]


@pytest.mark.parametrize("who", ["stranger_owner", "staff"])
def test_it_refuses_an_outsider_with_404(chain, routed_job, who):
    job, _steps, _orders = routed_job
    response = client_for(getattr(chain, who)).get(traveler_url(job))

    assert response.status_code == 404


def test_it_sends_anonymous_users_to_sign_in(routed_job):
    job, _steps, _orders = routed_job
    response = client_for(None).get(traveler_url(job))

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_it_refuses_post(chain, routed_job):
    job, _steps, _orders = routed_job
    response = client_for(chain.hub_owner).post(traveler_url(job))

    assert response.status_code == 405


def test_it_links_the_traveler_from_the_job_page_for_every_party(chain, routed_job):
    job, _steps, _orders = routed_job
    for user in (chain.hub_owner, chain.grinder_floor):
        page = client_for(user).get(f"/jobs/{job.uuid}/").content.decode()
        assert f'href="{traveler_url(job)}"' in page
        assert "工程票を印刷" in page


# --- many steps -----------------------------------------------------------------------------


def long_job(chain, count: int):
    job = post_job(chain, part_name=f"ブラケット{count}")
    previous = []
    for n in range(count):
        previous = [
            add(job, chain, "L" if n % 2 else "M", title=f"工程{n + 1:02d}", after=previous)
        ]
    return job


def test_it_spreads_many_steps_over_numbered_pages(chain):
    job = long_job(chain, 25)
    data = fetch(chain.hub_owner, job)
    pages = page_texts(data)

    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"{number}/{len(pages)}ページ" in text
        assert short_id(job) in text
    assert len(printed_qr_codes(data)) == 25
    everything = "".join(pages)
    assert all(f"工程{n:02d}" in everything for n in range(1, 26))


def test_it_reads_ten_queries_whatever_the_step_count(chain):
    counts = []
    for count in (3, 25):
        job = long_job(chain, count)
        client = client_for(chain.hub_owner)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(traveler_url(job)).status_code == 200
        counts.append(len(queries))

    # 1 session, 2 user; get_job_for: 3 job with hub and material, 4 memberships, 5 orders,
    # 6 order steps, 7 the job's steps and shops; the step graph: 8 every step with its
    # process and shop, 9 links; 10 the current drawing revision.
    assert counts == [10, 10]


def test_it_names_each_steps_part_on_a_job_of_several_parts(chain):
    from orders.models import Part
    from orders.services.jobs import step_add
    from orders.services.parts import part_add

    job = post_job(chain, part_name="ギアユニット")
    part_add(
        job=job,
        actor=chain.hub_owner,
        data={"name": "ブラケット", "quantity": 38, "drawing_number": "MR-2002", "revision": "C"},
    )
    bracket = Part.objects.get(job=job, name="ブラケット")
    add(job, chain, "ASM")
    step_add(
        job=job,
        actor=chain.hub_owner,
        process=Process.objects.get(code="M"),
        planned_hours=2,
        part=bracket,
    )
    text = re.sub(r"\s+", "", pdf_text(fetch(chain.hub_owner, job)))
    assert "品名:ブラケット(MR-2002C)" in text
    assert "品名:ギアユニット" in text


def test_it_prints_no_part_line_for_a_job_of_one_part(chain, routed_job):
    job, _steps, _orders = routed_job
    text = re.sub(r"\s+", "", pdf_text(fetch(chain.hub_owner, job)))
    assert "品名:" not in text
