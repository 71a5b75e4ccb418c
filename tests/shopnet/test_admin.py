"""The admin: Django's own user admin (the password form), and read-only pages for what an
association operator looks up: orders, order documents by supplier and date, postings, and
the drawings' access log."""

from __future__ import annotations

import pytest

from orders.models import Order, OrderDocument
from tests.conftest import client_for, make_user
from workshops.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    return make_user("operator", is_staff=True, is_superuser=True)


def test_the_user_page_offers_django_s_password_form(operator, owner):
    admin = client_for(operator)
    page = admin.get(f"/admin/workshops/user/{owner.pk}/change/")
    assert page.status_code == 200
    assert "../password/" in page.content.decode()

    response = admin.post(
        f"/admin/workshops/user/{owner.pk}/password/",
        {
            "password1": "a-new-long-password-7",
            "password2": "a-new-long-password-7",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("a-new-long-password-7")
    assert not owner.password.startswith("a-new")  # hashed


def test_a_user_added_in_the_admin_gets_a_hashed_password(operator):
    response = client_for(operator).post(
        "/admin/workshops/user/add/",
        {
            "username": "newcomer",
            "display_name": "新人",
            "email": "",
            "password1": "a-new-long-password-7",
            "password2": "a-new-long-password-7",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="newcomer")
    assert user.check_password("a-new-long-password-7")
    assert user.display_name == "新人"


READ_ONLY = [
    "/admin/orders/order/",
    "/admin/orders/orderdocument/",
    "/admin/orders/handoff/",
    "/admin/orders/payment/",
    "/admin/board/posting/",
    "/admin/drawings/drawingaccesslog/",
]


@pytest.mark.parametrize("url", READ_ONLY)
def test_the_operator_reads_but_never_adds(operator, routed_job, url):
    admin = client_for(operator)
    assert admin.get(url).status_code == 200
    assert admin.get(url + "add/").status_code == 403


def test_order_documents_filter_by_supplier_and_date(operator, routed_job, chain):
    admin = client_for(operator)
    documents = OrderDocument.objects.filter(order__supplier=chain.plater)
    assert documents.exists()
    page = admin.get(f"/admin/orders/orderdocument/?order__supplier__id__exact={chain.plater.pk}")
    assert page.status_code == 200
    assert page.context["cl"].result_count == documents.count()
    document = documents.first()
    day = document.issued_at
    dated = admin.get(
        "/admin/orders/orderdocument/"
        f"?issued_at__year={day.year}&issued_at__month={day.month}&issued_at__day={day.day}"
    )
    assert dated.status_code == 200


def test_an_order_cannot_be_changed_in_the_admin(operator, routed_job):
    _job, _steps, orders = routed_job
    order = orders["top"]
    admin = client_for(operator)
    assert admin.get(f"/admin/orders/order/{order.pk}/change/").status_code == 200
    before = Order.objects.get(pk=order.pk).status
    admin.post(f"/admin/orders/order/{order.pk}/change/", {"status": "cancelled"})
    assert Order.objects.get(pk=order.pk).status == before
    assert admin.post(f"/admin/orders/order/{order.pk}/delete/", {"post": "yes"}).status_code == 403


def test_a_workshop_owner_is_not_let_into_the_admin(owner):
    assert client_for(owner).get("/admin/orders/order/").status_code == 302


def test_a_payment_and_its_log_are_read_only_in_the_admin(operator, routed_job, chain):
    import datetime as dt

    from django.utils import timezone

    from orders.models import Payment
    from orders.services.payments import payment_record

    order = Order.objects.get(pk=routed_job[2]["top"].pk)
    payment = payment_record(
        order=order,
        actor=chain.hub_owner,
        paid_on=timezone.localdate(),
        amount=5000,
        means="bank_transfer",
    )
    admin = client_for(operator)
    page = admin.get(f"/admin/orders/payment/{payment.pk}/change/")
    assert page.status_code == 200
    assert "payment.recorded" in page.content.decode()  # the inline log
    admin.post(
        f"/admin/orders/payment/{payment.pk}/change/",
        {"paid_on": (timezone.localdate() - dt.timedelta(days=9)).isoformat()},
    )
    assert Payment.objects.get(pk=payment.pk).paid_on == timezone.localdate()
    assert (
        admin.post(f"/admin/orders/payment/{payment.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
