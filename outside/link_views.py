"""The capability link's pages: no account, the token in the address. Every route finds a
live link by the token's hash or answers the ordinary 404, counts against the per-address
and per-link limits, logs its use, and acts as the shop's link user through the same
services a member's page calls (docs/OUTSIDE_SHOPS.md)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from drawings.models import AccessAction
from drawings.previews import ensure_previews, marked_preview
from drawings.services import access_log_add
from drawings.views import FILE_CSP
from orders.forms import ConfirmForm, CounterForm, DeclineForm, DoneForm, ShipForm
from orders.pdf import render_order_document
from orders.services import handoffs, progress, routing
from workshops.throttling import client_address

from . import selectors, services
from .forms import JoinForm
from .links import link_path, live_link_for_token, over_limit
from .models import CapabilityLink, LinkAction

NOINDEX = {
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _private(response: HttpResponse) -> HttpResponse:
    for header, value in NOINDEX.items():
        response[header] = value
    return response


def link_route(methods: tuple[str, ...] = ("GET",)) -> Callable:
    """The link's gate: rate limits, then the token (unknown, altered, expired, revoked, a
    shop that joined: the ordinary 404), then the method."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse:
            address = client_address(request)
            if over_limit(f"address:{address}", settings.OUTSIDE_LINK_RATE_PER_ADDRESS):
                return _private(_too_many(request))
            link = live_link_for_token(token)
            order_uuid = kwargs.pop("order_uuid", None)
            if link is None or (order_uuid is not None and order_uuid != str(link.order.uuid)):
                raise Http404("No such page.")
            if over_limit(f"link:{link.pk}", settings.OUTSIDE_LINK_RATE_PER_LINK):
                return _private(_too_many(request))
            if request.method not in methods:
                response = HttpResponse(status=405)
                response["Allow"] = ", ".join(methods)
                return _private(response)
            if request.method == "POST" and request.headers.get(
                "Sec-Fetch-Site", "same-origin"
            ) not in (
                "same-origin",
                "none",
            ):
                return _private(HttpResponseForbidden())
            request.link_address = address or None
            return _private(view(request, link, *args, **kwargs))

        # Django's CSRF check reads the Origin header, which a page under `Referrer-Policy:
        # no-referrer` sends as "null" on its own forms: it would refuse every answer. A link's
        # POST is instead guarded by the token in its path (a secret a forging site cannot
        # know) and by the browser's Sec-Fetch-Site (a cross-site POST is refused).
        return csrf_exempt(wrapper)

    return decorate


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(request, "outside/too_many.html", status=429)
    response["Retry-After"] = "60"
    return response


def _log(request: HttpRequest, link: CapabilityLink, action: str, ok: bool = True) -> None:
    services.link_use_log(link, action, ip=request.link_address, ok=ok)


def _page(
    request: HttpRequest, link: CapabilityLink, *, status: int = 200, **forms
) -> HttpResponse:
    view = selectors.link_view(link)
    order = view.order
    context = {
        "view": view,
        "link": link,
        "order": order,
        "job": order.job,
        "shop": link.shop.workshop,
        "page": link_path(link),
        "base": order_base(link),
        "decline_form": forms.get("decline_form") or DeclineForm(),
        "counter_form": forms.get("counter_form") or CounterForm.for_order(order),
        "accept_form": ConfirmForm(),
        "done_forms": forms.get("done_forms") or {},
        "ship_forms": forms.get("ship_forms") or {},
        "fresh_done": DoneForm(),
        "fresh_ship": ShipForm(),
        "errors": list(forms.get("errors") or []),
    }
    for bound in [*context["done_forms"].values(), *context["ship_forms"].values()]:
        for field_errors in bound.errors.values():
            context["errors"].extend(field_errors)
    return render(request, "outside/link.html", context, status=status)


@link_route()
def link_page(request: HttpRequest, link: CapabilityLink) -> HttpResponse:
    _log(request, link, LinkAction.VIEW)
    return _page(request, link)


def _refused(request, link, action, error: ValidationError, **forms) -> HttpResponse:
    _log(request, link, action, ok=False)
    return _page(request, link, status=400, errors=error.messages, **forms)


def _done(request, link, action, message: str) -> HttpResponse:
    _log(request, link, action)
    messages.success(request, message)
    return redirect(link_path(link))


def order_base(link: CapabilityLink) -> str:
    """Where the link's routes about its order start: the page's address and the order."""
    return f"{link_path(link)}{link.order.uuid}/"


@link_route(("POST",))
def link_accept(request: HttpRequest, link: CapabilityLink) -> HttpResponse:
    form = ConfirmForm(request.POST)
    form.is_valid()
    try:
        routing.order_accept(
            order=link.order,
            actor=link.shop.link_user,
            idempotency_key=form.cleaned_data.get("idempotency_key") or None,
        )
    except ValidationError as error:
        return _refused(request, link, LinkAction.ACCEPT, error)
    return _done(request, link, LinkAction.ACCEPT, _("You accepted the request."))


@link_route(("POST",))
def link_decline(request: HttpRequest, link: CapabilityLink) -> HttpResponse:
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            routing.order_decline(
                order=link.order,
                actor=link.shop.link_user,
                idempotency_key=form.cleaned_data.get("idempotency_key") or None,
                code=form.cleaned_data["code"],
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as error:
            return _refused(request, link, LinkAction.DECLINE, error, decline_form=form)
        return _done(request, link, LinkAction.DECLINE, _("You declined the request."))
    _log(request, link, LinkAction.DECLINE, ok=False)
    return _page(request, link, status=400, decline_form=form)


@link_route(("POST",))
def link_counter(request: HttpRequest, link: CapabilityLink) -> HttpResponse:
    form = CounterForm(request.POST, prefix="counter")
    if form.is_valid():
        try:
            routing.order_counter(
                order=link.order,
                actor=link.shop.link_user,
                price=form.cleaned_data["price"],
                due_date=form.cleaned_data["due_date"],
                note=form.cleaned_data.get("note", ""),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return _done(
                request, link, LinkAction.COUNTER, _("Your counter-offer was sent to the buyer.")
            )
    _log(request, link, LinkAction.COUNTER, ok=False)
    return _page(request, link, status=400, counter_form=form)


@link_route(("POST",))
def link_step_start(request: HttpRequest, link: CapabilityLink, step_uuid) -> HttpResponse:
    step = selectors.link_step(link, step_uuid)
    form = ConfirmForm(request.POST)
    form.is_valid()
    try:
        progress.step_start(
            step=step,
            actor=link.shop.link_user,
            idempotency_key=form.cleaned_data.get("idempotency_key") or None,
        )
    except ValidationError as error:
        return _refused(request, link, LinkAction.START, error)
    return _done(request, link, LinkAction.START, _("Started: %(step)s") % {"step": step.label})


@link_route(("POST",))
def link_step_done(request: HttpRequest, link: CapabilityLink, step_uuid) -> HttpResponse:
    step = selectors.link_step(link, step_uuid)
    form = DoneForm(request.POST, prefix=f"done-{step.uuid}")
    if form.is_valid():
        try:
            progress.step_done(
                step=step,
                actor=link.shop.link_user,
                idempotency_key=form.cleaned_data.get("idempotency_key") or None,
                good=form.cleaned_data["good"],
                scrap=form.cleaned_data.get("scrap") or 0,
                scrap_cause=form.cleaned_data.get("scrap_cause") or "",
            )
        except ValidationError as error:
            return _refused(request, link, LinkAction.DONE, error, done_forms={step.pk: form})
        return _done(request, link, LinkAction.DONE, _("Done: %(step)s") % {"step": step.label})
    _log(request, link, LinkAction.DONE, ok=False)
    return _page(request, link, status=400, done_forms={step.pk: form})


@link_route(("POST",))
def link_step_ship(request: HttpRequest, link: CapabilityLink, step_uuid) -> HttpResponse:
    step = selectors.link_step(link, step_uuid)
    form = ShipForm(request.POST, prefix=f"ship-{step.uuid}")
    if form.is_valid():
        to_step = None
        wanted = form.cleaned_data.get("to_step")
        if wanted:
            to_step = step.ships_towards().filter(uuid=wanted).first()
            if to_step is None:
                raise Http404("No such step.")
        try:
            handoffs.handoff_ship(
                step=step,
                actor=link.shop.link_user,
                idempotency_key=form.cleaned_data.get("idempotency_key") or None,
                quantity=form.cleaned_data["quantity"],
                to_step=to_step,
                note=form.cleaned_data.get("note", ""),
            )
        except ValidationError as error:
            return _refused(request, link, LinkAction.SHIP, error, ship_forms={step.pk: form})
        return _done(request, link, LinkAction.SHIP, _("Shipment recorded."))
    _log(request, link, LinkAction.SHIP, ok=False)
    return _page(request, link, status=400, ship_forms={step.pk: form})


@link_route()
def link_drawing_page(
    request: HttpRequest, link: CapabilityLink, revision_uuid, page: int
) -> HttpResponse:
    """One page of a shared drawing, watermarked with the shop's name and the day, the view
    written to the drawings' access log under the link's name."""
    access, revision = selectors.link_revision(link, revision_uuid)
    revision = ensure_previews(revision)
    marked = marked_preview(revision, page, watermark=access.watermark)
    if marked is None:
        raise Http404("No such page.")
    access_log_add(
        revision=revision,
        actor=link.shop.link_user,
        workshop=link.shop.workshop,
        action=AccessAction.VIEW,
        page=page,
    )
    _log(request, link, LinkAction.DRAWING)
    data, media = marked
    response = HttpResponse(data, content_type=media)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    return response


@link_route()
def link_document(request: HttpRequest, link: CapabilityLink, version: int) -> HttpResponse:
    """A version of the order's 発注書 (取適法 第4条): the same document a member supplier
    downloads from its order page."""
    documents = selectors.link_documents(link)
    document = documents.get(version)
    if document is None:
        raise Http404("No such document.")
    pdf = render_order_document(document, previous=documents.get(version - 1))
    _log(request, link, LinkAction.DOCUMENT)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="order-{document.content["document_number"]}-v{version}.pdf"'
    )
    return response


@link_route(("GET", "POST"))
def link_join(request: HttpRequest, link: CapabilityLink) -> HttpResponse:
    form = JoinForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        problems = services.join_problems(
            email=request.POST.get("email", ""),
            password=request.POST.get("password", ""),
            name=request.POST.get("name", ""),
        )
        if form.is_valid():
            try:
                user = services.outside_join(
                    link=link,
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password"],
                    name=form.cleaned_data["name"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                _log(request, link, LinkAction.JOIN)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect("order_detail", order_uuid=link.order.uuid)
        else:
            form.add_problems(problems)
    return render(
        request,
        "outside/join.html",
        {"form": form, "link": link, "shop": link.shop.workshop, "page": link_path(link)},
        status=400 if form.errors else 200,
    )
