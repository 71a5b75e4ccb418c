"""Pages for routing steps to peers and for the orders that result."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from workshops.models import Workshop
from workshops.selectors import (
    capability_shortfall,
    managed_workshop_ids,
    memberships_for_request,
)

from ..access import (
    JobAccess,
    acceptances_visible,
    documents_visible,
    get_job_for,
    get_order_for,
    is_uuid,
    orders_visible_to,
)
from ..filters import OrderFilter
from ..forms import (
    ChangeTermsForm,
    ConfirmForm,
    CounterAnswerForm,
    CounterForm,
    DeclineForm,
    InspectForm,
    OrderRequestForm,
    PaymentForm,
    RatingForm,
    RatingReplyForm,
    ReturnForm,
    SupplyForm,
)
from ..live import workshops_config
from ..models import (
    CounterStatus,
    HandOffKind,
    HandOffStatus,
    Order,
    OrderStatus,
    Part,
    Step,
)
from ..pdf import render_order_acceptance, render_order_document
from ..ratings import order_rating
from ..selectors import order_deliveries, route_candidates
from ..services import routing
from ..services.documents import DOCUMENT_ITEMS, document_diff
from ..services.ratings import rating_create, rating_reply


def _routable_steps(access, parent: Order | None):
    """Steps the viewer may route now: performed by the routing shop, not started, not routed."""
    buyer = parent.supplier if parent else access.job.owner
    return (
        Step.objects.filter(job=access.job)
        .routable_by(buyer, parent=parent)
        .select_related("process")
        .order_by("position", "pk")
    )


def routing_buyer(request: HttpRequest, access: JobAccess) -> tuple[Order | None, Workshop]:
    """(the order passed on, the shop that routes) for the route form: the hub, or with
    `?parent=` the supplier of that accepted order; 404 for anyone who may not route."""
    parent_uuid = request.GET.get("parent") or request.POST.get("parent")
    if parent_uuid:
        _access, parent = get_order_for(request.user, parent_uuid)
        if parent.supplier_id not in access.managed or parent.status != OrderStatus.ACCEPTED:
            raise Http404("No such order.")
        return parent, parent.supplier
    if not access.can_manage_job():
        raise Http404("No such job.")
    return None, access.job.owner


@require_http_methods(["GET", "POST"])
@login_required
def order_new(request: HttpRequest, job_uuid: UUID) -> HttpResponse:
    """The route form. The steps are chosen first (a GET); the page then offers only the shops
    that `order_request` would accept for them, with what tells them apart, and shows every
    problem of a refused request at once."""
    access = get_job_for(request.user, job_uuid)
    parent, buyer = routing_buyer(request, access)
    routable = _routable_steps(access, parent)
    posted = request.method == "POST"
    wanted_steps = request.POST.getlist("steps") if posted else request.GET.getlist("step")
    chosen = list(routable.filter(uuid__in=[u for u in wanted_steps if is_uuid(u)]))
    requirements = routing.route_requirements(access.job, chosen)
    supplier_rows = route_candidates(buyer, chosen, requirements) if chosen else []
    ruled_out = (
        capability_shortfall(
            {s.process_id for s in chosen},
            among=Workshop.objects.exclude(pk=buyer.pk),
            **requirements,
        )
        if chosen and not supplier_rows
        else []
    )
    initial = {"steps": chosen, "delivery_place": f"{buyer.name} {buyer.address}".strip()}
    wanted = request.GET.get("supplier")
    # The shop a profile's "ask this shop" or a suggestion came for, carried while the steps
    # are chosen (only an active shop other than the buyer; anything else is ignored).
    wanted_supplier = (
        Workshop.objects.active().exclude(pk=buyer.pk).filter(uuid=wanted).first()
        if wanted and is_uuid(wanted) and not chosen
        else None
    )
    if wanted and any(str(r["shop"].uuid) == wanted for r in supplier_rows):
        # From a route suggestion's "request directly".
        initial["supplier"] = wanted
    quantities = routing.order_items_for(chosen) if chosen else {}
    parts = {p.pk: p for p in Part.objects.filter(pk__in=quantities).order_by("position", "pk")}
    form = OrderRequestForm(
        request.POST if posted else None,
        lines=[(part, quantities[pk]) for pk, part in parts.items()],
        routable=routable,
        # Any active shop may be posted: the service explains why one cannot be asked.
        suppliers=Workshop.objects.active().exclude(pk=buyer.pk),
        initial=initial,
    )
    if posted and form.is_valid():
        try:
            order = routing.order_request(
                job=access.job,
                actor=request.user,
                idempotency_key=form.cleaned_data.get("idempotency_key") or None,
                supplier=form.cleaned_data["supplier"],
                steps=list(form.cleaned_data["steps"]),
                terms=form.terms(),
                parent=parent,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("The request was sent to %(shop)s.") % {"shop": order.supplier.display_name},
            )
            return redirect("order_detail", order_uuid=order.uuid)
    elif posted:
        # The fields the form could read are checked by the service's rules too, so that
        # everything wrong is said in this one answer, not one layer per submit.
        problems = routing.order_request_problems(
            job=access.job,
            buyer=buyer,
            supplier=form.cleaned_data.get("supplier"),
            steps=chosen,
            terms=form.terms(),
            parent=parent,
        )
        form.add_problems(problems)
    return render(
        request,
        "orders/order_form.html",
        {
            "access": access,
            "job": access.job,
            "form": form,
            "parent": parent,
            "chosen": chosen,
            "supplier_rows": supplier_rows,
            "wanted_supplier": wanted_supplier,
            "ruled_out": ruled_out,
            "requirements": requirements,
        },
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def order_detail(request: HttpRequest, order_uuid: UUID) -> HttpResponse:
    access, order = get_order_for(request.user, order_uuid)
    return render_order_detail(request, access, order)


def render_order_detail(
    request: HttpRequest,
    access,
    order: Order,
    *,
    status: int = 200,
    counter_form: CounterForm | None = None,
    counter_answer_form: CounterAnswerForm | None = None,
    **rating_forms,
) -> HttpResponse:
    """The order page; the rating and counter-offer views re-render it with their bound form
    on a refusal."""
    documents = list(documents_visible(access, order))
    versions = []
    for i, document in enumerate(documents):
        versions.append(
            {
                "document": document,
                "diff": document_diff(documents[i - 1] if i else None, document),
            }
        )
    acceptance = acceptances_visible(access, order).first()
    is_supplier = order.supplier_id in access.managed
    is_buyer = order.buyer_id in access.managed
    deliveries = order_deliveries(order)
    for h in deliveries["handoffs"]:
        receiving = h.to_workshop_id in access.managed
        h.inspect_form = (
            InspectForm(
                initial={"accepted": h.quantity_received, "rejected": 0},
                auto_id=f"id_inspect_{h.pk}_%s",
            )
            if receiving and h.status == HandOffStatus.RECEIVED and not h.inspected
            else None
        )
        h.return_form = (
            ReturnForm(
                initial={
                    "quantity": h.returnable,
                    "cause": h.defect_cause,
                },
                auto_id=f"id_return_{h.pk}_%s",
            )
            if receiving and h.kind == HandOffKind.SHIP and h.returnable > 0
            else None
        )
    supply_form = (
        SupplyForm()
        if is_buyer and order.material_supply and order.status == OrderStatus.ACCEPTED
        else None
    )
    # Counter-offers carry prices: the two parties only.
    counters = list(order.counters.all()) if access.can_see_price(order) else []
    open_counter = next((c for c in counters if c.status == CounterStatus.OPEN), None)
    requested = order.status == OrderStatus.REQUESTED
    # Payments carry amounts: the two parties only.
    payments = (
        list(order.payments.select_related("recorded_by", "confirmed_by"))
        if access.can_see_price(order)
        else []
    )
    paid = sum((p.amount for p in payments), 0)
    payable = order.status in (OrderStatus.ACCEPTED, OrderStatus.DELIVERED)
    return render(
        request,
        "orders/order_detail.html",
        {
            "access": access,
            "job": access.job,
            "order": order,
            "price_visible": access.can_see_price(order),
            "steps": order.steps.select_related("process", "workshop").order_by("position"),
            "versions": list(reversed(versions)),
            "acceptance": acceptance,
            "items": DOCUMENT_ITEMS,
            "can_accept": is_supplier and order.status == OrderStatus.REQUESTED,
            "can_withdraw": is_buyer and order.status == OrderStatus.REQUESTED,
            "can_change": is_buyer
            and (
                order.status == OrderStatus.ACCEPTED
                or (order.status == OrderStatus.DELIVERED and order.payment_date_late)
            ),
            "can_sub_order": is_supplier and order.status == OrderStatus.ACCEPTED,
            "confirm_form": ConfirmForm(),
            "decline_form": DeclineForm(),
            "terms_form": ChangeTermsForm.for_order(order) if is_buyer else None,
            "deliveries": deliveries,
            "supply_form": supply_form,
            "counters": counters,
            "open_counter": open_counter,
            "counter_form": (
                (counter_form or CounterForm.for_order(order))
                if is_supplier and requested and open_counter is None
                else None
            ),
            "counter_answer_form": (
                (counter_answer_form or CounterAnswerForm(prefix="answer"))
                if is_buyer and requested and open_counter is not None
                else None
            ),
            "payments": payments,
            "paid": paid,
            "owed": order.total - paid,
            "payment_form": (
                PaymentForm(prefix="payment", initial={"means": order.payment_method})
                if is_buyer and payable and paid < order.total
                else None
            ),
            "can_confirm_payment": is_supplier,
            **rating_context(access, order, **rating_forms),
        },
        status=status,
    )


def _decision_form(request: HttpRequest, order: Order, form_class):
    """The bound form of an accept, decline or withdraw button, or None (with the message the
    page shows) when it is not valid."""
    form = form_class(request.POST)
    if form.is_valid():
        return form
    # Every problem at once, in the user's language (the decline form has two fields).
    problems = [str(m) for errors in form.errors.values() for m in errors]
    messages.error(request, " ".join(problems) or _("Tell the buyer why you decline."))
    return None


def _refused(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(str(m) for m in error.messages))


@require_POST
@login_required
def order_accept(request: HttpRequest, order_uuid: UUID) -> HttpResponse:
    _access, order = get_order_for(request.user, order_uuid)
    form = _decision_form(request, order, ConfirmForm)
    if form is not None:
        key = form.cleaned_data.get("idempotency_key") or None
        try:
            routing.order_accept(order=order, actor=request.user, idempotency_key=key)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Accepted. Your order acceptance (注文請書) was recorded."))
    return redirect("order_detail", order_uuid=order.uuid)


@require_POST
@login_required
def order_decline(request: HttpRequest, order_uuid: UUID) -> HttpResponse:
    _access, order = get_order_for(request.user, order_uuid)
    form = _decision_form(request, order, DeclineForm)
    if form is not None:
        key = form.cleaned_data.get("idempotency_key") or None
        try:
            routing.order_decline(
                order=order,
                actor=request.user,
                idempotency_key=key,
                code=form.cleaned_data["code"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Declined. The buyer was told your reason."))
    return redirect("order_detail", order_uuid=order.uuid)


@require_POST
@login_required
def order_withdraw(request: HttpRequest, order_uuid: UUID) -> HttpResponse:
    _access, order = get_order_for(request.user, order_uuid)
    form = _decision_form(request, order, ConfirmForm)
    if form is not None:
        key = form.cleaned_data.get("idempotency_key") or None
        try:
            routing.order_withdraw(order=order, actor=request.user, idempotency_key=key)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("The request was withdrawn."))
    return redirect("order_detail", order_uuid=order.uuid)


@require_POST
@login_required
def order_change_terms(request: HttpRequest, order_uuid: UUID) -> HttpResponse:
    access, order = get_order_for(request.user, order_uuid)
    if order.buyer_id not in access.managed:
        raise Http404("No such order.")
    form = ChangeTermsForm(request.POST)
    if form.is_valid():
        try:
            routing.order_change_terms(
                order=order,
                actor=request.user,
                terms=form.terms(),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The terms were changed and a new version was issued."))
            return redirect("order_detail", order_uuid=order.uuid)
    messages.error(
        request,
        _("The terms were not changed: %(errors)s")
        % {"errors": " ".join(str(e) for errors in form.errors.values() for e in errors)},
    )
    return redirect("order_detail", order_uuid=order.uuid)


@require_GET
@login_required
def order_document_pdf(request: HttpRequest, order_uuid: UUID, version: int) -> HttpResponse:
    access, order = get_order_for(request.user, order_uuid)
    documents = {d.version: d for d in documents_visible(access, order)}
    document = documents.get(version)
    if document is None:
        raise Http404("No such document.")
    pdf = render_order_document(document, previous=documents.get(version - 1))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="order-{document.content["document_number"]}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def order_acceptance_pdf(request: HttpRequest, order_uuid: UUID) -> HttpResponse:
    """The supplier's 注文請書 as PDF: the two parties only, anyone else a 404."""
    access, order = get_order_for(request.user, order_uuid)
    acceptance = acceptances_visible(access, order).first()
    if acceptance is None:
        raise Http404("No such document.")
    response = HttpResponse(render_order_acceptance(acceptance), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="acceptance-{acceptance.content["acceptance_number"]}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- lists ---------------------------------------------------------------------------------------


@require_GET
@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    """Orders I am party to (as supplier or buyer); ?inbox=1 for requests waiting for me."""
    filterset = OrderFilter(request.GET, queryset=orders_visible_to(request.user), request=request)
    valid = filterset.is_valid()
    qs = (
        filterset.qs.select_related("job", "buyer", "supplier").order_by(
            "-job__late_risk", "due_date", "pk"
        )
        if valid
        else Order.objects.none()
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    managed = managed_workshop_ids(request.user)
    for order in page.object_list:
        order.price_visible = order.buyer_id in managed or order.supplier_id in managed
        order.i_supply = order.supplier_id in managed
    inbox_count = filterset.queryset.filter(
        status=OrderStatus.REQUESTED, supplier_id__in=managed
    ).count()
    return render(
        request,
        "orders/order_list.html",
        {
            "filter": filterset,
            "page": page,
            "inbox_count": inbox_count,
            "live_config": workshops_config(memberships_for_request(request)),
        },
        status=200 if valid else 400,
    )


# --- the order's rating ----------------------------------------------------------------------


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
