"""Ratings (評価) pages: the buyer rates a delivered order on its page, the supplier replies
once; a workshop's ratings, for the district's members."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..access import JobAccess, get_order_for
from ..forms import RatingForm, RatingReplyForm
from ..models import Order, OrderStatus
from ..ratings import PAGE_SIZE, get_rated_workshop_for, order_rating, ratings_of, workshop_record
from ..services.ratings import rating_create, rating_reply


def rating_context(
    access: JobAccess,
    order: Order,
    *,
    rating_form: RatingForm | None = None,
    reply_form: RatingReplyForm | None = None,
) -> dict[str, Any]:
    """What the order page shows about its rating: the rating to both parties' owners and
    managers, the form to rate to the buyer's, the form to reply to the supplier's. A form
    handed in (bound, with errors) is shown as it is. At most one query."""
    is_buyer = order.buyer_id in access.managed
    is_supplier = order.supplier_id in access.managed
    # Only a delivered order is ever rated: spare the query for all the others.
    rating = order_rating(order) if order.status == OrderStatus.DELIVERED else None
    can_rate = is_buyer and order.status == OrderStatus.DELIVERED and rating is None
    can_reply = is_supplier and rating is not None and rating.replied_at is None
    return {
        "rating": rating if (is_buyer or is_supplier) else None,
        "rating_form": rating_form or (RatingForm() if can_rate else None),
        "reply_form": reply_form or (RatingReplyForm() if can_reply else None),
    }


@require_POST
@login_required
def order_rate(request: HttpRequest, order_uuid: UUID) -> HttpResponse:
    from .orders import render_order_detail

    access, order = get_order_for(request.user, order_uuid)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            rating_create(order=order, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Thank you. Your rating was saved."))
            return redirect("order_detail", order_uuid=order.uuid)
    return render_order_detail(request, access, order, rating_form=form, status=400)


@require_POST
@login_required
def order_rating_reply(request: HttpRequest, order_uuid: UUID) -> HttpResponse:
    from .orders import render_order_detail

    access, order = get_order_for(request.user, order_uuid)
    form = RatingReplyForm(request.POST)
    rating = order_rating(order)
    if rating is None:
        form.is_valid()
        form.add_error(None, _("This order has not been rated."))
    elif form.is_valid():
        try:
            rating_reply(rating=rating, actor=request.user, reply=form.cleaned_data["reply"])
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Your reply was saved."))
            return redirect("order_detail", order_uuid=order.uuid)
    return render_order_detail(request, access, order, reply_form=form, status=400)


@require_GET
@login_required
def workshop_ratings(request: HttpRequest, workshop_uuid: UUID) -> HttpResponse:
    """All of a workshop's ratings, newest first, a page at a time."""
    workshop = get_rated_workshop_for(request.user, workshop_uuid)
    page = Paginator(ratings_of(workshop), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "workshops/ratings.html",
        {"workshop": workshop, "page": page, **workshop_record(workshop)},
    )
