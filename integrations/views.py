"""A workshop's webhooks: register, the signing secret shown once, the delivery log, turn back
on, remove. Owners and managers only (anyone else: 404)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from workshops.selectors import get_workshop_for

from . import services
from .access import get_endpoint_for
from .forms import EndpointForm
from .models import WebhookLog
from .selectors import deliveries_of, endpoints_of

DELIVERIES_PAGE = 50


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def webhook_list(request: HttpRequest, workshop_uuid: UUID) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    form = EndpointForm(request.POST if request.method == "POST" else None)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = services.endpoint_create(
                workshop=workshop,
                actor=request.user,
                url=form.cleaned_data["url"],
                kinds=form.cleaned_data["kinds"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = EndpointForm()
    return render(
        request,
        "integrations/webhooks.html",
        {
            "workshop": workshop,
            "endpoints": endpoints_of(workshop),
            "form": form,
            "created": created,
            "secret": secret,
        },
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def webhook_detail(request: HttpRequest, workshop_uuid: UUID, endpoint_uuid: UUID) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    endpoint = get_endpoint_for(request.user, workshop, endpoint_uuid)
    page = Paginator(deliveries_of(endpoint), DELIVERIES_PAGE).get_page(request.GET.get("page"))
    log = WebhookLog.objects.filter(endpoint=endpoint).select_related("actor")[:20]
    return render(
        request,
        "integrations/webhook_detail.html",
        {"workshop": workshop, "endpoint": endpoint, "page": page, "log": log},
    )


@require_POST
@login_required
def webhook_enable(request: HttpRequest, workshop_uuid: UUID, endpoint_uuid: UUID) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    endpoint = get_endpoint_for(request.user, workshop, endpoint_uuid)
    try:
        services.endpoint_enable(endpoint=endpoint, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The webhook is on again."))
    return redirect("webhook_detail", workshop_uuid=workshop.uuid, endpoint_uuid=endpoint.uuid)


@require_POST
@login_required
def webhook_delete(request: HttpRequest, workshop_uuid: UUID, endpoint_uuid: UUID) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    endpoint = get_endpoint_for(request.user, workshop, endpoint_uuid)
    try:
        services.endpoint_delete(endpoint=endpoint, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The webhook was removed."))
    return redirect("webhook_list", workshop_uuid=workshop.uuid)
