"""Home as a to-do list: what needs the person now, per role, each item one tap from its page.

Each section is two queries whatever its length (how many, and the first few), across every
workshop the person manages, so the page costs the same for a shop with one request waiting
or a hundred.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from board.models import OfferStatus, Posting, PostingStatus
from core import dates
from orders.access import jobs_visible_to
from orders.models import (
    HandOff,
    HandOffStatus,
    JobStatus,
    Order,
    OrderStatus,
)
from workshops.models import User

from .kinds import title_of
from .models import Notification

TOP = 5


@dataclass
class Item:
    label: str
    detail: str
    link: str


@dataclass
class Section:
    code: str
    title: str
    count: int
    items: list[Item] = field(default_factory=list)
    more: str = ""


def _section(code, title, qs, item, more: str = "") -> Section:
    count = qs.count()
    items = [item(obj) for obj in qs[:TOP]] if count else []
    return Section(code, str(title), count, items, more)


def todo_for(user: User, managed: set[int]) -> list[Section]:
    """The owner's and manager's to-do list over the workshops in `managed`."""
    orders = reverse("order_list")
    requests = (
        Order.objects.filter(supplier_id__in=managed, status=OrderStatus.REQUESTED)
        .select_related("job", "buyer")
        .order_by("due_date", "pk")
    )
    offers = (
        Posting.objects.filter(buyer_id__in=managed, status=PostingStatus.OPEN)
        .annotate(active=Count("offers", filter=Q(offers__status=OfferStatus.ACTIVE)))
        .filter(active__gt=0)
        .select_related("job", "process")
        .order_by("answer_by", "pk")
    )
    arriving = (
        HandOff.objects.filter(to_workshop_id__in=managed, status=HandOffStatus.SHIPPED)
        .select_related("job", "from_workshop")
        .order_by("shipped_at", "pk")
    )
    late = (
        jobs_visible_to(user)
        .filter(late_risk=True, status__in=[JobStatus.OPEN, JobStatus.IN_PROGRESS])
        .order_by("due_date", "pk")
    )
    documents = (
        Notification.objects.for_user(user)
        .unread()
        .filter(kind="document.issued")
        .order_by("-created_at", "-pk")
    )
    return [
        _section(
            "requests",
            _("Requests waiting for my answer"),
            requests,
            lambda o: Item(
                str(o.job),
                f"{o.buyer.display_name} · {dates.day(o.due_date)}",
                reverse("order_detail", args=[o.uuid]),
            ),
            f"{orders}?{urlencode({'inbox': 'true'})}",
        ),
        _section(
            "offers",
            _("Offers to compare"),
            offers,
            lambda p: Item(
                str(p.job),
                str(_("%(n)s offer(s) · %(process)s") % {"n": p.active, "process": p.process}),
                reverse("posting_detail", args=[p.uuid]),
            ),
            reverse("board"),
        ),
        _section(
            "arriving",
            _("Parts on their way to us"),
            arriving,
            lambda h: Item(
                str(h.job),
                f"{h.from_workshop.display_name} · {h.quantity_shipped}",
                reverse("job_detail", args=[h.job.uuid]),
            ),
        ),
        _section(
            "late",
            _("Jobs at risk of being late"),
            late,
            lambda j: Item(str(j), dates.day(j.due_date), reverse("job_detail", args=[j.uuid])),
            f"{reverse('job_list')}?{urlencode({'late_risk': 'true'})}",
        ),
        _section(
            "documents",
            _("Order documents to check"),
            documents,
            lambda n: Item(title_of(n.kind, n.data), "", n.link),
        ),
    ]
