"""Ratings test data shared by the page and API tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from orders.models import Order, OrderStatus, ProgressEvent, Rating
from tests.orders.conftest import in_days, post_job
from workshops.models import District


def snapshot():
    """Everything a rating or a reply could change."""
    return (
        list(Rating.objects.values_list("pk", "quality", "delivery", "cost", "comment", "reply")),
        ProgressEvent.objects.filter(kind__startswith="order.rat").count(),
    )


def place_in_districts(chain, district):
    """The hub and the turner are in 大田区 (whose staff is `chain.staff`); the stranger is in
    another district; the grinder and the plater are in none."""
    kawasaki = District.objects.create(slug="kawasaki", name_ja="川崎市", name_en="Kawasaki")
    chain.hub.districts.add(district)
    chain.turner.districts.add(district)
    chain.stranger.districts.add(kawasaki)
    return kawasaki


def many_ratings(chain, n: int, *, supplier=None, scores=(4, 3, 5)) -> list[Rating]:
    """`n` delivered orders from the hub and their ratings, written directly (test data)."""
    supplier = supplier or chain.turner
    job = post_job(chain)
    ratings = []
    for i in range(n):
        order = Order.objects.create(
            job=job,
            buyer=chain.hub,
            supplier=supplier,
            status=OrderStatus.DELIVERED,
            price=1000,
            due_date=in_days(1),
            delivery_place="丸山製作所",
            payment_due_date=in_days(30),
            payment_method="bank_transfer",
            delivered_at=timezone.now(),
        )
        q, d, c = scores
        ratings.append(
            Rating.objects.create(
                order=order,
                buyer=chain.hub,
                supplier=supplier,
                quality=q,
                delivery=d,
                cost=c,
                comment=f"コメント{i}",
                created_at=timezone.now() - dt.timedelta(hours=i),
            )
        )
    return ratings
