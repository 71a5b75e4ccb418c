"""Shops outside shopnet, end to end: the hub routes to one, the shop answers and reports
through its link, the hub prints, stops and renews the link, the shop joins."""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core import realtime
from core.services import Refused
from districts.metrics.scope import Scope
from districts.metrics.summary import outside_shops, summary
from drawings.models import DrawingAccessLog
from orders.models import HandOff, Order, ProgressEvent, Step
from orders.services.jobs import job_create, step_add
from orders.services.routing import order_request, order_request_problems
from outside.links import link_url, token_for
from outside.models import CapabilityLink, LinkUse, OutsideShop
from outside.services import outside_order_request
from outside.tasks import mail_link
from tests.conftest import client_for
from tests.orders.conftest import add, in_days, post_job, terms
from tests.orders.test_traveler import dark_modules, printed_qr_codes
from tests.tasks import run_tasks
from workshops.models import Membership, Process, Role, User, Workshop

from .conftest import OMORI, phone, route_outside

pytestmark = pytest.mark.django_db


def route_form(chain, job, steps, **shop):
    data = {
        "steps": [str(s.uuid) for s in steps],
        "name": OMORI["name"],
        "address": OMORI["address"],
        "contact_name": OMORI["contact_name"],
        "email": OMORI["email"],
        "fax": "",
        "price": "120000",
        "due_date": in_days(10).isoformat(),
        "delivery_place": "丸山製作所 本社工場",
        "payment_due_date": in_days(40).isoformat(),
        "payment_method": "bank_transfer",
        "material_supply": "",
    }
    data.update(shop)
    return client_for(chain.hub_owner).post(reverse("outside_route", args=[job.uuid]), data)


# --- routing to an outside shop ------------------------------------------------------------


def test_the_hub_routes_a_step_to_a_shop_not_on_shopnet(outside, chain):
    job = post_job(chain, part_name="ピン")
    step = add(job, chain, "L", 2)
    page = client_for(chain.hub_owner).get(reverse("outside_route", args=[job.uuid]))
    assert page.status_code == 200 and "shopnetにない工場に依頼" in page.content.decode()
    response = route_form(chain, job, [step])
    assert response.status_code == 302, response.context["form"].errors
    order = Order.objects.get(job=job)
    assert response.status_code == 302
    assert response["Location"] == reverse("outside_order_link", args=[order.uuid])
    # The same e-mail: the shop the hub brought in before, not a second one.
    assert order.supplier == outside.shop.workshop
    assert OutsideShop.objects.filter(workshop__invited_by=chain.hub).count() == 2
    assert order.status == "requested" and order.requested_by == chain.hub_owner
    assert CapabilityLink.objects.live().filter(order=order).count() == 1
    event = ProgressEvent.objects.get(job=job, kind="order.requested")
    assert event.data["supplier"] == str(outside.shop.workshop.uuid)


def test_the_route_form_says_every_problem_at_once_and_writes_nothing(chain, outside):
    job = post_job(chain, part_name="ピン")
    step = add(job, chain, "L", 2)
    before = (Workshop.objects.count(), Order.objects.count(), CapabilityLink.objects.count())
    response = route_form(
        chain, job, [step], name="", email="", fax="", price="", due_date=in_days(-3).isoformat()
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) >= {"name", "__all__", "price", "due_date"}
    assert "e-mail" in str(errors["__all__"]).lower() or "メール" in str(errors["__all__"])
    bad_fax = route_form(chain, job, [step], email="", fax="12-34")
    assert "fax" in bad_fax.context["form"].errors
    assert before == (
        Workshop.objects.count(),
        Order.objects.count(),
        CapabilityLink.objects.count(),
    )


def test_a_fax_only_shop_is_brought_in_once(chain, outside):
    # The fixture's second shop came by FAX; asked again with the number written otherwise.
    job = post_job(chain, part_name="ピン")
    step = add(job, chain, "M", 2)
    link = route_outside(
        chain, job, [step], shop={"name": "羽田ミーリング", "fax": "(03) 1234 5678"}
    )
    assert link.shop == outside.other.shop
    assert link.shop.link_user == outside.other.shop.link_user


def test_only_the_hub_that_brought_the_shop_may_ask_it(chain, outside):
    job = job_create(
        workshop=chain.turner,
        actor=chain.turner_owner,
        data={"part_name": "ボス", "quantity": 10, "due_date": in_days(20)},
    )
    step = step_add(
        job=job, actor=chain.turner_owner, process=Process.objects.get(code="L"), planned_hours=2
    )
    problems = order_request_problems(
        job=job, buyer=chain.turner, supplier=outside.shop.workshop, steps=[step], terms=terms()
    )
    assert problems.code == "supplier_inactive" and "supplier" in problems
    with pytest.raises(Refused):
        order_request(
            job=job,
            actor=chain.turner_owner,
            supplier=outside.shop.workshop,
            steps=[step],
            terms=terms(),
        )
    assert not Order.objects.filter(job=job).exists()


# --- invisible until it joins ---------------------------------------------------------------


def test_an_outside_shop_is_in_no_listing_until_it_joins(chain, outside):
    shop = outside.shop.workshop
    client = client_for(chain.stranger_owner)
    search = client.get(reverse("workshop_search"))
    names = [w.name for w in search.context["page"].object_list]
    assert shop.name not in names and chain.turner.name in names
    assert client.get(reverse("workshop_detail", args=[shop.uuid])).status_code == 404
    assert not Workshop.objects.active().filter(pk=shop.pk).exists()
    assert not Workshop.objects.capable_of([outside.turn.process_id]).filter(pk=shop.pk).exists()
    # The hub's route form lists member shops only.
    form = client_for(chain.hub_owner).get(
        reverse("order_new", args=[outside.job.uuid]), {"step": [str(outside.grind.uuid)]}
    )
    assert shop.name not in form.content.decode()
    # ...and after joining, it is a member like any other.
    _join(outside)
    names = [w.name for w in client.get(reverse("workshop_search")).context["page"].object_list]
    assert shop.name in names
    assert client.get(reverse("workshop_detail", args=[shop.uuid])).status_code == 200


# --- the link's page and what it does ---------------------------------------------------


def test_the_shop_accepts_and_reports_through_its_link_and_the_log_says_who(
    chain, outside, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(realtime, "_send", lambda groups, message: sent.append((groups, message)))
    fx, client = outside, phone()
    base = f"/l/{fx.token}/{fx.order.uuid}/"
    page = client.get(f"/l/{fx.token}/").content.decode()
    assert "¥120,000" in page and "丸山製作所 本社工場" in page and "シャフト" in page
    assert "株式会社 秘密顧客" not in page  # the hub's customer stays the hub's
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{base}accept/").status_code == 302
    order = Order.objects.get(pk=fx.order.pk)
    assert order.status == "accepted" and order.documents.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{base}steps/{fx.turn.uuid}/start/")
        client.post(
            f"{base}steps/{fx.turn.uuid}/done/",
            {f"done-{fx.turn.uuid}-good": "97", f"done-{fx.turn.uuid}-scrap": "3"},
        )
        client.post(f"{base}steps/{fx.turn.uuid}/ship/", {f"ship-{fx.turn.uuid}-quantity": "50"})
    step = Step.objects.get(pk=fx.turn.pk)
    assert (step.status, step.good_qty, step.scrap_qty) == ("done", 97, 3)
    handoff = HandOff.objects.get(from_step=step)
    assert handoff.quantity_shipped == 50 and handoff.shipped_by == fx.shop.link_user
    kinds = ["order.accepted", "step.started", "step.done", "handoff.shipped"]
    events = list(ProgressEvent.objects.filter(job=fx.job, kind__in=kinds).order_by("seq"))
    assert [e.kind for e in events] == kinds
    assert {e.actor for e in events} == {fx.shop.link_user}
    assert str(fx.shop.link_user) == "大森研磨（リンク）"
    # The hub's job page says who, and every write was published to the job's group.
    hub_page = client_for(chain.hub_owner).get(reverse("job_detail", args=[fx.job.uuid]))
    assert "大森研磨（リンク）" in hub_page.content.decode()
    job_group = realtime.job_group(str(fx.job.uuid))
    published = [m["event"]["kind"] for groups, m in sent if job_group in groups and "event" in m]
    assert [kind for kind in published if kind in kinds] == kinds
    assert list(LinkUse.objects.filter(link=fx.link).values_list("action", flat=True))[::-1] == [
        "view",
        "accept",
        "start",
        "done",
        "ship",
    ]
    # The page now shows the shipment, and what the buyer received once it does.
    after = client.get(f"/l/{fx.token}/").content.decode()
    assert f'data-handoff="{handoff.uuid}"' in after


def test_the_shop_declines_with_a_reason_or_counters(chain, outside):
    fx, client = outside, phone()
    base = f"/l/{fx.token}/{fx.order.uuid}/"
    refused = client.post(f"{base}decline/", {"code": "other", "reason": ""})
    assert refused.status_code == 400
    assert Order.objects.get(pk=fx.order.pk).status == "requested"
    assert LinkUse.objects.get(link=fx.link, action="decline").ok is False
    countered = client.post(
        f"{base}counter/",
        {
            "counter-price": "135000",
            "counter-due_date": in_days(15).isoformat(),
            "counter-note": "材料手配",
        },
    )
    assert countered.status_code == 302
    counter = fx.order.counters.get()
    assert counter.price == 135000 and counter.proposed_by == fx.shop.link_user
    assert "135,000" in client.get(f"/l/{fx.token}/").content.decode()
    other = fx.other
    declined = phone().post(
        f"/l/{fx.other_token}/{other.order.uuid}/decline/",
        {"code": "fully_booked", "reason": "今月は満杯"},
    )
    assert declined.status_code == 302
    order = Order.objects.get(pk=other.order.pk)
    assert (order.status, order.decline_code, order.decided_by) == (
        "declined",
        "fully_booked",
        other.shop.link_user,
    )


def test_a_drawing_opened_through_the_link_is_marked_with_the_shop_and_logged(outside):
    fx = outside
    page = phone().get(f"/l/{fx.token}/").content.decode()
    url = f"/l/{fx.token}/{fx.order.uuid}/drawings/{fx.revision.uuid}/1/"
    assert url in page
    response = phone().get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    body = response.content.decode()
    assert "shopnet-watermark" in body and "大森研磨" in body
    assert timezone.localdate().isoformat() in body
    assert "sandbox" in response["Content-Security-Policy"]
    entry = DrawingAccessLog.objects.get(revision=fx.revision)
    assert entry.user == fx.shop.link_user and entry.workshop == fx.shop.workshop
    assert entry.user_name == "大森研磨（リンク）"
    # Another order's link cannot open it.
    other = f"/l/{fx.other_token}/{fx.other.order.uuid}/drawings/{fx.revision.uuid}/1/"
    assert phone().get(other).status_code == 404


# --- mail and print ----------------------------------------------------------------------


def test_the_worker_mails_the_link_once(chain, django_capture_on_commit_callbacks):
    job = post_job(chain)
    step = add(job, chain, "L", 2)
    with django_capture_on_commit_callbacks(execute=True):
        link = route_outside(chain, job, [step])
    assert mail.outbox == []  # the request's answer does not wait for the mail server
    assert run_tasks() >= 1
    (message,) = mail.outbox
    assert message.to == ["omori@example.jp"]
    assert message.subject == "[shopnet] 丸山製作所 から依頼: シャフト"
    assert link_url(link) in message.body
    assert link_url(link).startswith("https://shopnet.example.jp/l/")
    assert CapabilityLink.objects.get(pk=link.pk).mailed_at is not None
    assert mail_link.call(link.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_the_request_sheet_carries_the_link_as_text_and_qr_code(chain, outside):
    fx = outside
    response = client_for(chain.hub_owner).get(
        reverse("outside_order_link_sheet", args=[fx.order.uuid])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    url = link_url(fx.link)
    assert url in re.sub(r"\s", "", text)
    assert "大森研磨" in text and "¥120,000" in text
    codes = printed_qr_codes(response.content)
    assert codes["link"]["dark"] == dark_modules(url)


# --- the hub's side: revoke, renew, the log; outsiders ---------------------------------


def test_the_hub_stops_and_renews_the_link(chain, outside, django_capture_on_commit_callbacks):
    fx, hub = outside, client_for(chain.hub_owner)
    page = hub.get(reverse("outside_order_link", args=[fx.order.uuid]))
    assert page.status_code == 200 and link_url(fx.link) in page.content.decode()
    assert hub.get(reverse("outside_order_link_revoke", args=[fx.order.uuid])).status_code == 405
    hub.post(reverse("outside_order_link_revoke", args=[fx.order.uuid]))
    assert phone().get(f"/l/{fx.token}/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        hub.post(reverse("outside_order_link_reissue", args=[fx.order.uuid]))
    new = CapabilityLink.objects.live().get(order=fx.order)
    assert new.pk != fx.link.pk and token_for(new) != fx.token
    assert phone().get(f"/l/{token_for(new)}/").status_code == 200
    assert phone().get(f"/l/{fx.token}/").status_code == 404
    run_tasks()
    assert [m.to for m in mail.outbox] == [["omori@example.jp"]]
    assert link_url(new) in mail.outbox[0].body
    log = hub.get(reverse("outside_order_link", args=[fx.order.uuid])).content.decode()
    assert "203.0.113.7" in log


def test_the_order_page_leads_the_hub_to_the_link(chain, outside):
    page = client_for(chain.hub_owner).get(reverse("order_detail", args=[outside.order.uuid]))
    assert reverse("outside_order_link", args=[outside.order.uuid]) in page.content.decode()


@pytest.mark.parametrize(
    "who", ["stranger_owner", "hub_floor", "turner_owner", "grinder_owner", "staff"]
)
def test_no_one_else_sees_or_stops_the_link(chain, outside, who):
    fx, client = outside, client_for(getattr(chain, who))
    for name in ("outside_order_link", "outside_order_link_sheet"):
        assert client.get(reverse(name, args=[fx.order.uuid])).status_code == 404
    for name in ("outside_order_link_revoke", "outside_order_link_reissue"):
        assert client.post(reverse(name, args=[fx.order.uuid])).status_code == 404
    assert CapabilityLink.objects.live().get(order=fx.order) == fx.link
    assert client.get(reverse("outside_route", args=[fx.job.uuid])).status_code == 404
    assert (
        client_for(None).get(reverse("outside_order_link", args=[fx.order.uuid])).status_code == 302
    )


# --- joining ------------------------------------------------------------------------------


def _join(fx, client=None):
    client = client or phone()
    return client.post(
        f"/l/{fx.token}/{fx.order.uuid}/join/",
        {
            "name": "大森 一郎",
            "email": "ichiro@omori.example.jp",
            "password": "kensaku-2026-ok",
            "password_again": "kensaku-2026-ok",
        },
    )


def test_joining_makes_the_shop_a_member_with_its_history(chain, outside):
    fx = outside
    client = phone()
    client.post(f"/l/{fx.token}/{fx.order.uuid}/accept/")
    response = _join(fx, client)
    assert response.status_code == 302
    assert response["Location"] == reverse("order_detail", args=[fx.order.uuid])
    shop = Workshop.objects.get(pk=fx.shop.workshop.pk)
    assert shop.is_member and shop.joined_at is not None
    owner = User.objects.get(email="ichiro@omori.example.jp")
    assert Membership.objects.get(workshop=shop, user=owner).role == Role.OWNER
    assert not Membership.objects.filter(user=fx.shop.link_user).exists()
    assert set(shop.districts.all()) == set(chain.hub.districts.all())
    # Signed in, the new owner finds the order and its history under the shop.
    order_page = client.get(response["Location"])
    assert order_page.status_code == 200
    assert Order.objects.get(pk=fx.order.pk).supplier == shop
    assert ProgressEvent.objects.filter(job=fx.job, kind="order.accepted").get().actor == (
        fx.shop.link_user
    )
    # The link has done its work.
    assert phone().get(f"/l/{fx.token}/").status_code == 404


def test_joining_says_every_problem_at_once(chain, outside):
    fx = outside
    response = phone().post(
        f"/l/{fx.token}/{fx.order.uuid}/join/",
        {
            "name": "",
            "email": chain.hub_owner.username + "@",
            "password": "1",
            "password_again": "2",
        },
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"name", "email", "password_again"}
    assert not Workshop.objects.get(pk=fx.shop.workshop.pk).is_member
    assert not User.objects.filter(email__startswith=chain.hub_owner.username).exists()


def test_the_district_counts_invited_and_joined_shops_from_three_inviting_workshops(
    chain, outside, district
):
    for shop in (chain.hub, chain.turner, chain.grinder):
        shop.districts.add(district)
    scope = Scope(district=district, start=in_days(-30), end=in_days(0), today=in_days(0))
    assert outside_shops(scope) == {"invited": 2, "joined": 0, "hubs": 1}
    # One inviting workshop would be singled out: suppressed.
    figures = summary(scope)
    assert figures["outside_invited"] is None and figures["outside_joined"] is None
    for n, (shop, owner) in enumerate(
        [(chain.turner, chain.turner_owner), (chain.grinder, chain.grinder_owner)]
    ):
        job = job_create(
            workshop=shop,
            actor=owner,
            data={"part_name": f"ボス{n}", "quantity": 10, "due_date": in_days(20)},
        )
        step = step_add(
            job=job, actor=owner, process=Process.objects.get(code="L"), planned_hours=2
        )
        outside_order_request(
            job=job,
            actor=owner,
            steps=[step],
            terms=terms(),
            shop={"name": f"外部{n}", "email": f"shop{n}@example.jp"},
        )
    _join(outside)
    figures = summary(scope)
    assert (figures["outside_invited"], figures["outside_joined"]) == (4, 1)
    # A shop that joined is now one of the district's workshops.
    assert outside.shop.workshop.districts.filter(pk=district.pk).exists()
