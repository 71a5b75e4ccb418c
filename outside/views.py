"""The hub's pages for shops outside shopnet: routing steps to one, and an order's link
(print, revoke, issue anew, the log of its uses). Anyone but the ordering hub's owners and
managers gets a 404."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orders.access import get_job_for
from orders.models import Step
from orders.services import routing

from . import selectors, services
from .forms import OutsideRequestForm
from .links import link_url
from .pdf import render_request_sheet


@require_http_methods(["GET", "POST"])
@login_required
def outside_route(request: HttpRequest, job_uuid: UUID) -> HttpResponse:
    """「shopnetにない工場に依頼」: the route form for a shop that is not a member."""
    access = get_job_for(request.user, job_uuid)
    if not access.can_manage_job():
        raise Http404("No such job.")
    job, buyer = access.job, access.job.owner
    routable = (
        Step.objects.filter(job=job)
        .routable_by(buyer)
        .select_related("process")
        .order_by("position", "pk")
    )
    posted = request.method == "POST"
    initial = {
        "delivery_place": f"{buyer.name} {buyer.address}".strip(),
        "steps": list(routable.filter(uuid__in=request.GET.getlist("step"))),
    }
    form = OutsideRequestForm(request.POST if posted else None, routable=routable, initial=initial)
    if posted and form.is_valid():
        try:
            link = services.outside_order_request(
                job=job,
                actor=request.user,
                idempotency_key=form.cleaned_data.get("idempotency_key") or None,
                steps=list(form.cleaned_data["steps"]),
                terms=form.terms(),
                shop=form.shop(),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("The request for %(shop)s is ready: print it or check the e-mail was sent.")
                % {"shop": link.shop.workshop.name},
            )
            return redirect("outside_order_link", order_uuid=link.order.uuid)
    elif posted:
        # What the form could read is checked by the service's rules too: every error at once.
        problems = services.outside_shop_problems(form.shop())
        order_problems = routing.order_request_problems(
            job=job,
            buyer=buyer,
            supplier=None,
            steps=list(routable.filter(uuid__in=request.POST.getlist("steps"))),
            terms=form.terms(),
        )
        form.add_problems({**order_problems, **problems})
    return render(
        request,
        "outside/route.html",
        {"job": job, "form": form, "access": access},
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def order_link(request: HttpRequest, order_uuid: UUID) -> HttpResponse:
    order, shop = selectors.hub_order(request.user, order_uuid)
    links = list(selectors.order_links(order))
    live = next((link for link in links if link.is_live), None)
    return render(
        request,
        "outside/order_link.html",
        {
            "order": order,
            "job": order.job,
            "shop": shop,
            "links": links,
            "live": live,
            "live_url": link_url(live) if live else None,
            "uses": list(selectors.link_uses(order)),
        },
    )


@require_POST
@login_required
def order_link_revoke(request: HttpRequest, order_uuid: UUID) -> HttpResponse:
    order, _shop = selectors.hub_order(request.user, order_uuid)
    for link in selectors.order_links(order).filter(revoked_at=None):
        services.link_revoke(link=link, actor=request.user)
    messages.success(request, _("The link was stopped. It no longer opens anything."))
    return redirect("outside_order_link", order_uuid=order.uuid)


@require_POST
@login_required
def order_link_reissue(request: HttpRequest, order_uuid: UUID) -> HttpResponse:
    order, _shop = selectors.hub_order(request.user, order_uuid)
    try:
        services.link_reissue(order=order, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("A new link was issued; the old one no longer works."))
    return redirect("outside_order_link", order_uuid=order.uuid)


@require_GET
@login_required
def order_link_sheet(request: HttpRequest, order_uuid: UUID) -> HttpResponse:
    """The printable request sheet (PDF) with the live link as text and QR code."""
    order, _shop = selectors.hub_order(request.user, order_uuid)
    live = next((link for link in selectors.order_links(order) if link.is_live), None)
    if live is None:
        raise Http404("No live link.")
    response = HttpResponse(render_request_sheet(live), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="request-{order.uuid}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
