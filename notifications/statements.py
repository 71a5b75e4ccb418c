"""Who is told of a purchase statement's changes (orders/services/statements.py).

A statement is not one job's: it bills receipts of many orders, so it has its own log
(`StatementLog`) rather than events on a job. Each entry is read here, in the change's own
transaction, and the other party's owners and managers are told at once (the notification rows
commit with the change or not at all; mail and push go after the commit). A flagged payment
(late or short) is told to both parties, the recorder included, as for a payment on an order.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from core import realtime
from orders.models import StatementLog
from workshops.models import MANAGING_ROLES, Membership

from . import subscriber
from .delivery import plan_deliveries
from .models import Notification
from .selectors import unread_counts

# action → (notification kind, who is told: "buyer", "supplier" or "both")
TOLD = {
    "statement.issued": ("statement.issued", "supplier"),
    "statement.confirmed": ("statement.confirmed", "buyer"),
    "statement.disputed": ("statement.disputed", "buyer"),
    "statement.cancelled": ("statement.cancelled", "supplier"),
    "statement.payment_recorded": ("payment.recorded", "supplier"),
    "statement.payment_flagged": ("payment.flagged", "both"),
}


def on_statement_log(entry: StatementLog) -> list[Notification]:
    """Tell the other party (or both) of one statement log entry."""
    if not settings.NOTIFICATIONS_ENABLED or entry.action not in TOLD:
        return []
    kind, whom = TOLD[entry.action]
    statement = entry.statement
    shops = {
        "buyer": [statement.buyer_id],
        "supplier": [statement.supplier_id],
        "both": [statement.buyer_id, statement.supplier_id],
    }[whom]
    tell_actor = whom == "both"
    data = {
        "number": statement.number,
        "buyer": statement.buyer.name,
        "supplier": statement.supplier.name,
        # The payment kinds are worded with a job: here, the statement it pays.
        "job": statement.number,
    }
    if entry.data.get("reason"):
        data["reason"] = entry.data["reason"]
    link = reverse("statement_detail", args=[statement.uuid])
    told: dict[int, Notification] = {}
    for membership in Membership.objects.filter(
        workshop_id__in=shops, role__in=MANAGING_ROLES, user__is_active=True
    ).select_related("user"):
        if membership.user_id in told or (membership.user_id == entry.actor_id and not tell_actor):
            continue
        told[membership.user_id] = Notification(
            user=membership.user,
            kind=kind,
            key=f"statement:{entry.pk}",
            workshop_id=membership.workshop_id,
            actor=entry.actor,
            link=link,
            data=data,
        )
    created = subscriber.store(list(told.values()))
    if created:
        plan_deliveries(created)
        realtime.unread_changed(unread_counts({n.user_id for n in created}))
    return created
