"""Demo jobs for the demo district: routed across shops, at different stages, all made through
the same services the pages use (so the event log, documents and projections are real)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from workshops.demo_data import demo_uuid
from workshops.models import Membership, Process, Role, Workshop

from .models import Job, Part
from .services.handoffs import handoff_receive, handoff_return, handoff_ship, return_resolve
from .services.jobs import job_create, step_add
from .services.parts import part_add, step_inputs_set
from .services.progress import step_done, step_start
from .services.routing import order_accept, order_request

DEMO_NAMESPACE = uuid.UUID("9a3f1c52-0d7e-4b8e-a2b4-6d1f0e7c3b11")

# Apps above orders add their part of the demo here (the open board adds a posting with an
# offer): each is called after the jobs below, inside the same transaction, and returns how
# many demo objects it made.
_extensions: list[Callable[[], int]] = []


def extend(seeder: Callable[[], int]) -> None:
    if seeder not in _extensions:
        _extensions.append(seeder)


def demo_job_uuid(key: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, key)


def floor_of(workshop: Workshop):
    return Membership.objects.filter(workshop=workshop, role=Role.FLOOR).first().user


def _shop(key: str) -> Workshop:
    return Workshop.objects.get(uuid=demo_uuid(key))


def _owner(workshop: Workshop):
    return Membership.objects.filter(workshop=workshop, role=Role.OWNER).first().user


def _terms(due_in: int, price: int, place: str) -> dict:
    today = timezone.localdate()
    return {
        "price": price,
        "due_date": today + dt.timedelta(days=due_in),
        "delivery_place": place,
        "inspection_due_date": None,
        "payment_due_date": today + dt.timedelta(days=due_in + 30),
        "payment_method": "bank_transfer",
        "terms_note": "",
    }


def _job(key: str, hub: Workshop, actor, **data) -> Job | None:
    job_uuid = demo_job_uuid(key)
    if Job.objects.filter(uuid=job_uuid).exists():
        return None
    return job_create(workshop=hub, actor=actor, data=data, uuid=job_uuid)


@transaction.atomic
def seed_jobs() -> int:
    """Create the demo jobs that do not exist yet; returns how many were made."""
    hub = _shop("maruyama-seisakusho")
    tanaka, matsumoto, heiwajima, kojiya = (
        _shop("tanaka-seiki"),
        _shop("matsumoto-kensaku"),
        _shop("heiwajima-netsushori"),
        _shop("kojiya-mekki"),
    )
    hub_owner, tanaka_owner = _owner(hub), _owner(tanaka)
    tanaka_floor = Membership.objects.filter(workshop=tanaka, role=Role.FLOOR).first().user
    made = 0
    today = timezone.localdate()
    p = {proc.code: proc for proc in Process.objects.all()}
    place = f"{hub.name} {hub.address}"

    # 1. A shaft: two sub-parts in parallel, joined for assembly, then inspection.
    job = _job(
        "shaft",
        hub,
        hub_owner,
        part_name="スピンドルシャフト組立",
        drawing_number="MR-2401-A",
        quantity=50,
        due_date=today + dt.timedelta(days=21),
        customer_name="株式会社 東京精工（デモ）",
        priority=1,
    )
    if job:
        made += 1
        turn = step_add(
            job=job, actor=hub_owner, process=p["L"], planned_hours=12, title="シャフト"
        )
        quench = step_add(
            job=job, actor=hub_owner, process=p["HT_QT"], planned_hours=6, after=[turn]
        )
        grind = step_add(job=job, actor=hub_owner, process=p["GS"], planned_hours=8, after=[quench])
        mill = step_add(
            job=job, actor=hub_owner, process=p["M"], planned_hours=6, title="ハウジング"
        )
        plate = step_add(
            job=job, actor=hub_owner, process=p["PLT_ENI"], planned_hours=4, after=[mill]
        )
        assemble = step_add(
            job=job, actor=hub_owner, process=p["ASM"], planned_hours=5, after=[grind, plate]
        )
        step_add(job=job, actor=hub_owner, process=p["CMM"], planned_hours=2, after=[assemble])
        top = order_request(
            job=job,
            actor=hub_owner,
            supplier=tanaka,
            steps=[turn],
            terms=_terms(9, 180000, place),
        )
        order_accept(order=top, actor=tanaka_owner)
        for supplier, step, price, days in (
            (heiwajima, quench, 25000, 11),
            (matsumoto, grind, 60000, 14),
            (kojiya, plate, 30000, 12),
        ):
            order = order_request(
                job=job,
                actor=hub_owner,
                supplier=supplier,
                steps=[step],
                terms=_terms(days, price, place),
            )
            order_accept(order=order, actor=_owner(supplier))
        step_start(step=turn, actor=tanaka_floor)
        step_done(step=turn, actor=tanaka_floor, good=50, scrap=0)
        handoff = handoff_ship(step=turn, actor=tanaka_floor, quantity=50)
        handoff_receive(handoff=handoff, actor=_owner(heiwajima), quantity=49)
        step_start(step=quench, actor=floor_of(heiwajima))
        hub_floor = floor_of(hub)
        step_start(step=mill, actor=hub_floor)
        step_done(step=mill, actor=hub_floor, good=50, scrap=0)
        handoff_ship(step=mill, actor=hub_floor, quantity=50, to_step=plate)

    # 2. A repeat order of pins: the turning shop passes its turning on to an automatic-lathe
    # shop (a sub-order); the hub sees that, but not the sub-order's price.
    job = _job(
        "pin",
        hub,
        hub_owner,
        part_name="ロケートピン",
        drawing_number="MR-1187-C",
        quantity=2000,
        due_date=today + dt.timedelta(days=25),
        customer_name="株式会社 東京精工（デモ）",
    )
    if job:
        made += 1
        turn = step_add(job=job, actor=hub_owner, process=p["L"], planned_hours=30)
        step_add(job=job, actor=hub_owner, process=p["CMM"], planned_hours=3, after=[turn])
        top = order_request(
            job=job,
            actor=hub_owner,
            supplier=tanaka,
            steps=[turn],
            terms=_terms(15, 240000, place),
        )
        order_accept(order=top, actor=tanaka_owner)
        suzuki = _shop("suzuki-jidou-senban")
        sub = order_request(
            job=job,
            actor=tanaka_owner,
            supplier=suzuki,
            steps=[turn],
            terms=_terms(13, 160000, f"{tanaka.name} {tanaka.address}"),
            parent=top,
        )
        order_accept(order=sub, actor=_owner(suzuki))

    # 3. A plate waiting for the grinding shop to answer.
    job = _job(
        "plate",
        hub,
        hub_owner,
        part_name="ガイドプレート",
        drawing_number="MR-2415",
        quantity=200,
        due_date=today + dt.timedelta(days=30),
        customer_name="有限会社 川口機械（デモ）",
    )
    if job:
        made += 1
        mill = step_add(job=job, actor=hub_owner, process=p["M"], planned_hours=10)
        grind = step_add(job=job, actor=hub_owner, process=p["GS"], planned_hours=6, after=[mill])
        step_add(job=job, actor=hub_owner, process=p["CMM"], planned_hours=2, after=[grind])
        order_request(
            job=job,
            actor=hub_owner,
            supplier=matsumoto,
            steps=[grind],
            terms=_terms(20, 90000, place),
        )
    made += _rush_jobs(p)
    made += _jig_job(p)
    made += _gear_unit_job(p)
    for seeder in _extensions:
        made += seeder()
    return made


def _accepted(job: Job, buyer_actor, supplier: Workshop, steps, terms: dict):
    order = order_request(job=job, actor=buyer_actor, supplier=supplier, steps=steps, terms=terms)
    return order_accept(order=order, actor=_owner(supplier))


def _rush_jobs(p: dict) -> int:
    """Two rush jobs due tomorrow: every shop on them sees its step at risk of being late."""
    made = 0
    today = timezone.localdate()
    hub = _shop("maruyama-seisakusho")
    hub_owner = _owner(hub)
    job = _job(
        "rush-bush",
        hub,
        hub_owner,
        part_name="ガイドブッシュ（特急）",
        drawing_number="MR-2460",
        quantity=40,
        due_date=today + dt.timedelta(days=1),
        customer_name="株式会社 東京精工（デモ）",
        priority=2,
    )
    if job:
        made += 1
        place = f"{hub.name} {hub.address}"
        # More hours than are left before tomorrow's delivery, wherever the day is.
        turn = step_add(job=job, actor=hub_owner, process=p["L"], planned_hours=48)
        grind = step_add(job=job, actor=hub_owner, process=p["GS"], planned_hours=8, after=[turn])
        step_add(job=job, actor=hub_owner, process=p["INS"], planned_hours=3, after=[grind])
        _accepted(job, hub_owner, _shop("tanaka-seiki"), [turn], _terms(1, 64000, place))
        _accepted(job, hub_owner, _shop("matsumoto-kensaku"), [grind], _terms(1, 48000, place))

    kamata = _shop("kamata-techno")
    kamata_owner = _owner(kamata)
    job = _job(
        "rush-panel",
        kamata,
        kamata_owner,
        part_name="操作盤ユニット（特急）",
        drawing_number="KT-0871",
        quantity=12,
        due_date=today + dt.timedelta(days=1),
        customer_name="日東オートメーション株式会社（デモ）",
        priority=2,
    )
    if job:
        made += 1
        place = f"{kamata.name} {kamata.address}"
        panel = step_add(
            job=job, actor=kamata_owner, process=p["SMT"], planned_hours=48, title="パネル"
        )
        knob = step_add(
            job=job, actor=kamata_owner, process=p["L"], planned_hours=48, title="ツマミ"
        )
        step_add(
            job=job, actor=kamata_owner, process=p["ASM"], planned_hours=4, after=[panel, knob]
        )
        _accepted(job, kamata_owner, _shop("ishikawa-bankin"), [panel], _terms(1, 52000, place))
        _accepted(job, kamata_owner, _shop("suzuki-jidou-senban"), [knob], _terms(1, 18000, place))
    return made


def _jig_job(p: dict) -> int:
    """A jig base: turned in-house at the hub, cut by wire EDM next door, back for assembly.
    The parts went out and have come back on their way: the hub's floor has them arriving."""
    today = timezone.localdate()
    hub = _shop("hayashi-kiko")
    hub_owner = _owner(hub)
    job = _job(
        "jig-base",
        hub,
        hub_owner,
        part_name="治具ベース",
        drawing_number="HK-3302",
        quantity=8,
        due_date=today + dt.timedelta(days=14),
        customer_name="有限会社 川口機械（デモ）",
    )
    if not job:
        return 0
    wire = _shop("yamaguchi-wire")
    turn = step_add(job=job, actor=hub_owner, process=p["L"], planned_hours=4)
    cut = step_add(job=job, actor=hub_owner, process=p["SPEDW"], planned_hours=6, after=[turn])
    step_add(job=job, actor=hub_owner, process=p["ASM"], planned_hours=3, after=[cut])
    _accepted(job, hub_owner, wire, [cut], _terms(7, 36000, f"{hub.name} {hub.address}"))
    hub_floor, wire_floor = floor_of(hub), floor_of(wire)
    step_start(step=turn, actor=hub_floor)
    step_done(step=turn, actor=hub_floor, good=8, scrap=0)
    handoff_ship(step=turn, actor=hub_floor, quantity=8, to_step=cut)
    handoff = turn.handoffs_out.get()
    handoff_receive(handoff=handoff, actor=_owner(wire), quantity=8)
    step_start(step=cut, actor=wire_floor)
    step_done(step=cut, actor=wire_floor, good=8, scrap=0)
    handoff_ship(step=cut, actor=wire_floor, quantity=8)
    return 1


def _gear_unit_job(p: dict) -> int:
    """A gear unit of three parts at different stages: the shafts are turned by one shop and
    ground by another, which found two out of tolerance and sent them back (the turning shop
    reworks them); the brackets are milled at the hub and being plated; the assembly joins one
    shaft and two brackets per unit and waits for both."""
    today = timezone.localdate()
    hub = _shop("maruyama-seisakusho")
    hub_owner = _owner(hub)
    job = _job(
        "gear-unit",
        hub,
        hub_owner,
        part_name="ギアユニット",
        drawing_number="MR-2470",
        quantity=10,
        due_date=today + dt.timedelta(days=28),
        customer_name="日東オートメーション株式会社（デモ）",
    )
    if not job:
        return 0
    tanaka, matsumoto, kojiya = (
        _shop("tanaka-seiki"),
        _shop("matsumoto-kensaku"),
        _shop("kojiya-mekki"),
    )
    unit = Part.objects.main_for(job)
    shaft = part_add(
        job=job,
        actor=hub_owner,
        data={
            "name": "シャフト",
            "drawing_number": "MR-2470-1",
            "revision": "B",
            "material_note": "S45C",
            "quantity": 10,
        },
    )
    bracket = part_add(
        job=job,
        actor=hub_owner,
        data={
            "name": "ブラケット",
            "drawing_number": "MR-2470-2",
            "revision": "A",
            "material_note": "A5052",
            "quantity": 20,
        },
    )

    def step(part, code, hours, after=()):
        return step_add(
            job=job, actor=hub_owner, process=p[code], planned_hours=hours, after=after, part=part
        )

    turn = step(shaft, "L", 6)
    grind = step(shaft, "GS", 4, [turn])
    mill = step(bracket, "M", 8)
    plate = step(bracket, "PLT_ENI", 3, [mill])
    assemble = step(unit, "ASM", 4, [grind, plate])
    step_inputs_set(step=assemble, actor=hub_owner, inputs=[(shaft, 1), (bracket, 2)])
    step(unit, "CMM", 1, [assemble])
    place = f"{hub.name} {hub.address}"
    _accepted(job, hub_owner, tanaka, [turn], _terms(10, 42000, place))
    _accepted(job, hub_owner, matsumoto, [grind], _terms(16, 38000, place))
    _accepted(job, hub_owner, kojiya, [plate], _terms(18, 26000, place))

    # The shafts: turned, shipped to the grinder, two rejected at receipt and sent back.
    tanaka_floor, matsumoto_floor = floor_of(tanaka), floor_of(matsumoto)
    step_start(step=turn, actor=tanaka_floor)
    step_done(step=turn, actor=tanaka_floor, good=10, scrap=0)
    shipped = handoff_ship(step=turn, actor=tanaka_floor, quantity=10, to_step=grind)
    handoff_receive(
        handoff=shipped,
        actor=matsumoto_floor,
        quantity=10,
        rejected=2,
        cause="dimension",
        note="外径 φ20 h7 外れ 2本",
    )
    back = handoff_return(
        handoff=shipped,
        actor=_owner(matsumoto),
        quantity=2,
        cause="dimension",
        note="外径 φ20 h7 外れ",
    )
    handoff_receive(handoff=back, actor=tanaka_floor, quantity=2)
    return_resolve(handoff=back, actor=_owner(tanaka), action="rework")
    step_start(step=grind, actor=matsumoto_floor)

    # The brackets: milled at the hub, at the plater now.
    hub_floor = floor_of(hub)
    step_start(step=mill, actor=hub_floor)
    step_done(step=mill, actor=hub_floor, good=20, scrap=0)
    to_plate = handoff_ship(step=mill, actor=hub_floor, quantity=20, to_step=plate)
    handoff_receive(handoff=to_plate, actor=floor_of(kojiya), quantity=20)
    step_start(step=plate, actor=floor_of(kojiya))
    return 1
