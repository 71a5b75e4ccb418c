"""The open board (引合い・見積) and route suggestions."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orders.access import get_job_for
from orders.live import live_config, workshop_stream
from workshops.models import Workshop
from workshops.selectors import memberships_for_request

from . import services
from .filters import PostingFilter, active_filter_labels
from .forms import AwardForm, InquiryForm, OfferForm, PostingForm
from .selectors import (
    get_offer_for,
    get_posting_for,
    invited_postings,
    offer_comparison,
    own_postings,
    route_suggestions,
    unrouted_steps,
)

DEFAULT_ANSWER_DAYS = 3


def _managed(request) -> list[Workshop]:
    return [m.workshop for m in memberships_for_request(request) if m.can_manage]


def _for_shop(posting, workshop) -> str:
    return f"{reverse('posting_detail', args=[posting.uuid])}?workshop={workshop.uuid}"


def _default_answer_by() -> dt.datetime:
    local = timezone.localtime() + dt.timedelta(days=DEFAULT_ANSWER_DAYS)
    return local.replace(hour=17, minute=0, second=0, microsecond=0)


@require_GET
@login_required
def board(request: HttpRequest) -> HttpResponse:
    """One workshop's board: postings sent to it, and its own postings with their offers."""
    managed = _managed(request)
    if not managed:
        raise Http404("No workshop to show a board for.")
    wanted = request.GET.get("workshop")
    workshop = next((w for w in managed if str(w.uuid) == wanted), managed[0])
    filterset = PostingFilter(request.GET or None, request=request)
    invited = invited_postings(workshop)
    mine = own_postings(workshop)
    active = []
    if filterset.is_bound and filterset.is_valid():
        invited = filterset.filter_queryset(invited)
        mine = filterset.filter_queryset(mine)
        active = active_filter_labels(filterset)
    return render(
        request,
        "board/board.html",
        {
            "workshop": workshop,
            "managed": managed,
            "filter": filterset,
            "active_filters": active,
            "invited": list(invited[:50]),
            "mine": list(mine[:50]),
            "live_config": live_config(workshop_stream(workshop)),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def posting_new(request: HttpRequest, job_uuid: UUID) -> HttpResponse:
    access = get_job_for(request.user, job_uuid)
    if not access.can_manage_job():
        raise Http404("No such job.")
    job = access.job
    steps = unrouted_steps(job)
    chosen = list(steps.filter(uuid__in=request.GET.getlist("step")))
    initial = {
        "steps": chosen,
        "districts": list(job.owner.districts.all()),
        "answer_by": _default_answer_by(),
        "due_date": job.due_date,
        "quantity": job.quantity,
        "material": job.material,
        "share_drawings": True,
    }
    form = PostingForm(
        request.POST if request.method == "POST" else None, steps=steps, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            posting = services.posting_create(
                job=job,
                actor=request.user,
                steps=list(data["steps"]),
                districts=list(data["districts"]),
                answer_by=data["answer_by"],
                due_date=data["due_date"],
                quantity=data["quantity"],
                material=data["material"],
                size_mm=data["size_mm"],
                tolerance_um=data["tolerance_um"],
                certifications=list(data["certifications"]),
                description=data["description"],
                share_drawings=data["share_drawings"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("Posted to %(count)d capable workshops.") % {"count": posting.invites.count()},
            )
            return redirect("posting_detail", posting.uuid)
    elif request.method == "POST":
        data = form.cleaned_data
        form.add_problems(
            services.posting_problems(
                job=job,
                steps=list(data.get("steps") or []),
                districts=data.get("districts"),
                answer_by=data.get("answer_by"),
                due_date=data.get("due_date"),
                quantity=data.get("quantity"),
                description=data.get("description") or "",
            )
        )
    return render(
        request,
        "board/posting_form.html",
        {"job": job, "form": form},
        status=400 if form.errors else 200,
    )


def _detail(request, access, *, offer_form=None, award_form=None, status=200) -> HttpResponse:
    posting = access.posting
    context = {
        "posting": posting,
        "access": access,
        "steps": list(posting.steps.select_related("process").order_by("position", "pk")),
        "live_config": live_config(workshop_stream(access.workshop or posting.buyer)),
        # The offer and award forms answer from their POST-only addresses: refresh from here.
        "live_url": _for_shop(posting, access.workshop)
        if access.workshop
        else reverse("posting_detail", args=[posting.uuid]),
    }
    if access.is_buyer:
        context["rows"] = offer_comparison(posting)
        context["invited_count"] = posting.invites.count()
        context["award_form"] = award_form or AwardForm(
            posting=posting,
            initial={
                "delivery_place": f"{posting.buyer.name} {posting.buyer.address}".strip(),
                "payment_method": "bank_transfer",
            },
        )
    else:
        context["offer_form"] = offer_form or OfferForm.for_offer(access.offer)
    return render(request, "board/posting_detail.html", context, status=status)


@require_GET
@login_required
def posting_detail(request: HttpRequest, posting_uuid: UUID) -> HttpResponse:
    access = get_posting_for(request.user, posting_uuid, workshop=request.GET.get("workshop"))
    return _detail(request, access)


@require_POST
@login_required
def posting_offer(request: HttpRequest, posting_uuid: UUID) -> HttpResponse:
    access = get_posting_for(request.user, posting_uuid, workshop=request.POST.get("workshop"))
    if access.is_buyer:
        raise Http404("No such posting.")
    form = OfferForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.offer_submit(
                posting=access.posting,
                workshop=access.workshop,
                actor=request.user,
                price=data["price"],
                promised_date=data["promised_date"],
                lead_time_days=data["lead_time_days"],
                valid_until=data["valid_until"],
                note=data["note"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Your offer was sent."))
            return redirect(_for_shop(access.posting, access.workshop))
    else:
        # The service's rules on what the form could read (the price and lead time as typed:
        # the service reads them), so that one answer says everything.
        data = form.cleaned_data
        form.add_problems(
            services.offer_problems(
                price=request.POST.get("price", ""),
                lead_time_days=data.get("lead_time_days", request.POST.get("lead_time_days")),
                promised_date=data.get("promised_date"),
                valid_until=data.get("valid_until"),
                note=data.get("note", ""),
            )
        )
    return _detail(request, access, offer_form=form, status=400)


@require_POST
@login_required
def offer_withdraw(request: HttpRequest, offer_uuid: UUID) -> HttpResponse:
    offer = get_offer_for(request.user, offer_uuid)
    try:
        services.offer_withdraw(offer=offer, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your offer was withdrawn."))
    return redirect(_for_shop(offer.posting, offer.workshop))


@require_POST
@login_required
def posting_award(request: HttpRequest, posting_uuid: UUID) -> HttpResponse:
    access = get_posting_for(request.user, posting_uuid)
    if not access.is_buyer:
        raise Http404("No such posting.")
    form = AwardForm(request.POST, posting=access.posting)
    if form.is_valid():
        try:
            posting = services.posting_award(
                posting=access.posting,
                offer=form.cleaned_data["offer"],
                actor=request.user,
                terms=form.terms(),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("Awarded to %(shop)s: the order request was sent.")
                % {"shop": posting.order.supplier.display_name},
            )
            return redirect("order_detail", posting.order.uuid)
    return _detail(request, access, award_form=form, status=400)


@require_POST
@login_required
def posting_withdraw(request: HttpRequest, posting_uuid: UUID) -> HttpResponse:
    access = get_posting_for(request.user, posting_uuid)
    if not access.is_buyer:
        raise Http404("No such posting.")
    try:
        services.posting_withdraw(posting=access.posting, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The posting was withdrawn."))
    return redirect("posting_detail", access.posting.uuid)


@require_http_methods(["GET", "POST"])
@login_required
def job_suggestions(request: HttpRequest, job_uuid: UUID) -> HttpResponse:
    """Capable shops for each unrouted step, ranked and explained; one tap sends the chosen
    shops of every step an inquiry (a posting for them alone)."""
    access = get_job_for(request.user, job_uuid)
    if not access.can_manage_job():
        raise Http404("No such job.")
    job = access.job
    suggestions = route_suggestions(job)
    form = InquiryForm(
        request.POST if request.method == "POST" else None,
        initial={"answer_by": _default_answer_by()},
    )
    if request.method == "POST" and form.is_valid():
        picks = []
        for step, ranked in suggestions:
            wanted = set(request.POST.getlist(f"step-{step.uuid}"))
            shops = [s.workshop for s in ranked if str(s.workshop.uuid) in wanted]
            if shops:
                picks.append((step, shops))
        if not picks:
            form.add_error(None, _("Choose at least one workshop to ask."))
        else:
            try:
                # All or nothing: one refused inquiry sends none of them.
                with transaction.atomic():
                    for step, shops in picks:
                        services.posting_create(
                            job=job,
                            actor=request.user,
                            steps=[step],
                            districts=list(job.owner.districts.all()),
                            answer_by=form.cleaned_data["answer_by"],
                            only_workshops=shops,
                        )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(
                    request,
                    _("Inquiries sent for %(count)d steps.") % {"count": len(picks)},
                )
                return redirect("job_detail", job.uuid)
    return render(
        request,
        "board/suggestions.html",
        {"job": job, "suggestions": suggestions, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )
