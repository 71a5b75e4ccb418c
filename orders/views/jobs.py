"""Pages for jobs: posting, shaping the steps, the job page, and step actions."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from workshops.selectors import get_workshop_for

from ..access import JobAccess, get_handoff_for, get_job_for, get_step_for
from ..dag import StepGraph
from ..diagram import flow_order, layout
from ..events import EVENT_LABELS
from ..forms import (
    CancelForm,
    ConfirmForm,
    CopyJobForm,
    DoneForm,
    HoldForm,
    JobForm,
    ReceiveForm,
    ShipForm,
    StepForm,
)
from ..live import job_stream, live_config
from ..models import HandOffKind, HandOffStatus, Step, StepInput, StepStatus
from ..selectors import ship_plan
from ..services import handoffs, progress, undo
from ..services import jobs as job_services
from ..services.jobs import job_may_end
from ..services.progress import allows

S = StepStatus


def _refusal(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(str(m) for m in error.messages))


# --- posting and editing a job -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def job_new(request: HttpRequest, workshop_uuid: UUID) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    form = JobForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            job = job_services.job_create(
                workshop=workshop, actor=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The job was posted. Now add its steps."))
            return redirect("job_detail", job_uuid=job.uuid)
    elif request.method == "POST":
        form.add_problems(job_services.job_problems(form.cleaned_data))
    return render(
        request,
        "orders/job_form.html",
        {"form": form, "workshop": workshop, "job": None},
        status=400 if form.errors else 200,
    )


def _hub_access(request: HttpRequest, job_uuid: UUID) -> JobAccess:
    access = get_job_for(request.user, job_uuid)
    if not access.can_manage_job():
        raise Http404("No such job.")
    return access


@require_http_methods(["GET", "POST"])
@login_required
def job_edit(request: HttpRequest, job_uuid: UUID) -> HttpResponse:
    access = _hub_access(request, job_uuid)
    job = access.job
    form = JobForm(request.POST if request.method == "POST" else None, instance=job)
    if request.method == "POST" and form.is_valid():
        try:
            job_services.job_update(job=job, actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The job was saved."))
            return redirect("job_detail", job_uuid=job.uuid)
    elif request.method == "POST":
        form.add_problems(job_services.job_problems(form.cleaned_data, job=job))
    return render(
        request,
        "orders/job_form.html",
        {"form": form, "workshop": job.owner, "job": job},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def job_copy(request: HttpRequest, job_uuid: UUID) -> HttpResponse:
    access = _hub_access(request, job_uuid)
    form = CopyJobForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            copy = job_services.job_copy(
                job=access.job,
                actor=request.user,
                due_date=form.cleaned_data["due_date"],
                quantity=form.cleaned_data.get("quantity"),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("A copy of the job was posted with the same steps."))
            return redirect("job_detail", job_uuid=copy.uuid)
    return render(
        request,
        "orders/job_copy.html",
        {"form": form, "job": access.job},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def step_edit(request: HttpRequest, job_uuid: UUID, step_uuid: UUID | None = None) -> HttpResponse:
    access = _hub_access(request, job_uuid)
    job = access.job
    step = get_step_for(access, step_uuid) if step_uuid else None
    initial = {}
    if step is not None:
        initial = {
            "process": step.process,
            "title": step.title,
            "planned_hours": step.planned_hours,
            "quantity": step.quantity,
            "part": step.part_id,
            "after": list(step.predecessors.all()),
        }
    form = StepForm(
        request.POST if request.method == "POST" else None, job=job, step=step, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if step is None:
                job_services.step_insert(
                    job=job,
                    actor=request.user,
                    process=data["process"],
                    planned_hours=data["planned_hours"],
                    quantity=data.get("quantity"),
                    title=data.get("title", ""),
                    after=data["after"],
                    before=data.get("before") or [],
                    part=data.get("part"),
                )
            else:
                job_services.step_change(
                    step=step,
                    actor=request.user,
                    data={
                        "process": data["process"],
                        "title": data.get("title", ""),
                        "planned_hours": data["planned_hours"],
                        "quantity": data.get("quantity") or step.quantity,
                        **({"part": data["part"]} if data.get("part") else {}),
                    },
                    predecessors=data["after"],
                )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The step was saved."))
            return redirect("job_detail", job_uuid=job.uuid)
    elif request.method == "POST":
        # The service's rules on what the form could read, so that one answer says it all.
        data = form.cleaned_data
        form.add_problems(
            job_services.step_problems(
                job=job,
                step=step,
                planned_hours=data.get("planned_hours"),
                quantity=data.get("quantity"),
                after=data.get("after") or [],
                before=data.get("before") or [],
            )
        )
    return render(
        request,
        "orders/step_form.html",
        {"form": form, "job": job, "step": step},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def step_remove(request: HttpRequest, job_uuid: UUID, step_uuid: UUID) -> HttpResponse:
    access = _hub_access(request, job_uuid)
    step = get_step_for(access, step_uuid)
    try:
        job_services.step_remove(step=step, actor=request.user)
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(request, _("The step was removed."))
    return redirect("job_detail", job_uuid=access.job.uuid)


# --- the job page --------------------------------------------------------------------------------


@require_http_methods(["GET"])
@login_required
def job_detail(request: HttpRequest, job_uuid: UUID) -> HttpResponse:
    access = get_job_for(request.user, job_uuid)
    return render(request, "orders/job_detail.html", job_page_context(access))


def job_page_context(access: JobAccess) -> dict:
    """Everything the job page shows, in a fixed number of queries whatever the step count."""
    job = access.job
    graph = StepGraph.load(
        job, steps=Step.objects.with_posted_flag(), related=("workshop", "process", "part")
    )
    steps = [s for s in graph.steps.values() if access.sees_step(s)]
    links = graph.links
    handoffs = list(
        access.handoffs().select_related(
            "part", "from_step__process", "to_step__process", "from_workshop", "to_workshop"
        )
    )
    events = list(
        access.events().select_related("actor", "workshop", "step__process").order_by("-seq")[:100]
    )
    by_id = {s.pk: s for s in steps}
    parts = list(job.parts.select_related("material"))
    parts_by_id = {p.pk: p for p in parts}
    # What each assembly step joins, in one query whatever the part count.
    inputs: dict[int, list[StepInput]] = {}
    for row in StepInput.objects.filter(step__job=job).order_by("part__position", "pk"):
        row.part = parts_by_id[row.part_id]
        inputs.setdefault(row.step_id, []).append(row)
    successors: dict[int, list] = {}
    for a, b in links:
        if a in by_id and b in by_id:
            successors.setdefault(a, []).append(by_id[b])
    shipped_from: dict[int, int] = {}
    for h in handoffs:
        if h.kind == HandOffKind.SHIP:
            shipped_from[h.from_step_id] = shipped_from.get(h.from_step_id, 0) + h.quantity_shipped
    # Where the parts of each done step of the viewer's go next, and how many may still go to
    # each (no query when there are none).
    destinations = ship_plan(
        [
            s
            for s in steps
            if s.status == S.DONE
            and access.can_perform(s)
            and (s.good_qty or 0) > shipped_from.get(s.pk, 0)
        ]
    )
    rows = []
    # The cards follow the parts: a step after the steps that feed it.
    for step in flow_order(steps, links):
        nexts = successors.get(step.pk, [])
        mine = access.can_perform(step)
        # A next step this viewer may not see is not named, nor its id given.
        ship_to = [
            d
            for d in destinations.get(step.pk, [])
            if d.left > 0 and (d.step is None or access.sees_step(d.step))
        ]
        left_to_ship = (step.good_qty or 0) - shipped_from.get(step.pk, 0)
        rows.append(
            {
                "step": step,
                "next": nexts,
                "inputs": inputs.get(step.pk, []),
                "mine": mine,
                "can_start": mine and allows("start", step),
                "can_done": mine and allows("done", step),
                "can_hold": mine and allows("hold", step),
                "can_resume": mine and allows("resume", step),
                "can_cancel": access.can_manage_job() and allows("cancel", step),
                "can_edit": access.can_manage_job()
                and step.status in (S.PLANNED, S.READY)
                and step.workshop_id == job.owner_id,
                # One form (and so one idempotency key) per destination.
                "ship_to": [(dest, ShipForm(initial={"quantity": dest.left})) for dest in ship_to]
                if mine and step.status == S.DONE and left_to_ship > 0
                else [],
                "left_to_ship": left_to_ship,
                "done_form": DoneForm(initial={"good": step.quantity, "scrap": 0}),
                "hold_form": HoldForm(),
                "confirm_form": ConfirmForm(),
                "cancel_form": CancelForm(),
            }
        )
    incoming = [
        {"handoff": h, "form": ReceiveForm(initial={"quantity": h.quantity_shipped})}
        for h in handoffs
        if h.status == HandOffStatus.SHIPPED and h.to_workshop_id in (access.managed | access.floor)
    ]
    orders = [{"order": o, "price_visible": access.can_see_price(o)} for o in access.orders]
    for event in events:
        event.label = EVENT_LABELS.get(event.kind, event.kind)
    return {
        "access": access,
        "job": job,
        # Parts by name only for those who see the whole job; a supplier sees its steps' parts.
        "parts": parts
        if access.can_manage_job()
        else [p for p in parts if any(s.part_id == p.pk for s in steps)],
        "rows": rows,
        "orders": orders,
        "handoffs": handoffs,
        "incoming": incoming,
        "events": events,
        "diagrams": [
            (layout(steps, links, handoffs), "across"),
            (layout(steps, links, handoffs, down=True), "down"),
        ],
        "routable": access.can_manage_job() and any(r["can_edit"] for r in rows),
        "can_end": access.can_manage_job() and job_may_end(job, "cancel"),
        "posted": access.can_manage_job() and any(s.posted for s in steps),
        "live_config": live_config(job_stream(job)),
    }


# --- step actions ---------------------------------------------------------------------------------

# The form each step button posts; `_perform` says which service it calls.
ACTION_FORMS = {
    "start": ConfirmForm,
    "done": DoneForm,
    "hold": HoldForm,
    "resume": ConfirmForm,
    "cancel": CancelForm,
    "undo": ConfirmForm,
}

DONE_MESSAGES = {
    "start": gettext_lazy("Started."),
    "done": gettext_lazy("Marked done."),
    "hold": gettext_lazy("Put on hold."),
    "resume": gettext_lazy("Resumed."),
    "cancel": gettext_lazy("The step was cancelled."),
    "undo": gettext_lazy("Your last tap was undone."),
}


def _perform(action: str, step, user, form, key: str | None) -> None:
    if action == "start":
        progress.step_start(step=step, actor=user, idempotency_key=key)
    elif action == "done":
        progress.step_done(
            step=step,
            actor=user,
            idempotency_key=key,
            good=form.cleaned_data["good"],
            scrap=form.cleaned_data["scrap"],
            scrap_cause=form.cleaned_data.get("scrap_cause", ""),
        )
    elif action == "hold":
        progress.step_hold(
            step=step,
            actor=user,
            idempotency_key=key,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data.get("note", ""),
        )
    elif action == "resume":
        progress.step_resume(step=step, actor=user, idempotency_key=key)
    elif action == "undo":
        undo.step_undo(step=step, actor=user, idempotency_key=key)
    elif action == "cancel":
        progress.step_cancel(
            step=step, actor=user, idempotency_key=key, reason=form.cleaned_data.get("reason", "")
        )


@require_POST
@login_required
def step_action(request: HttpRequest, job_uuid: UUID, step_uuid: UUID, action: str) -> HttpResponse:
    if action not in ACTION_FORMS:
        raise Http404("No such action.")
    access = get_job_for(request.user, job_uuid)
    step = get_step_for(access, step_uuid)
    form = ACTION_FORMS[action](request.POST)
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label}: {' '.join(errors)}"
            if name in form.fields
            else " ".join(errors)
            for name, errors in form.errors.items()
        )
        messages.error(request, _("Please check the values: %(errors)s") % {"errors": problems})
        return _back(request, access.job)
    try:
        _perform(action, step, request.user, form, form.cleaned_data.get("idempotency_key") or None)
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(request, str(DONE_MESSAGES[action]))
    return _back(request, access.job)


def _back(request: HttpRequest, job) -> HttpResponse:
    """Back where the button was (the floor station posts `next`), else to the job page."""
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return redirect(target)
    return redirect("job_detail", job_uuid=job.uuid)


@require_POST
@login_required
def step_ship(request: HttpRequest, job_uuid: UUID, step_uuid: UUID) -> HttpResponse:
    access = get_job_for(request.user, job_uuid)
    step = get_step_for(access, step_uuid)
    form = ShipForm(request.POST)
    if form.is_valid():
        to_step = None
        if form.cleaned_data.get("to_step"):
            to_step = step.ships_towards().filter(uuid=form.cleaned_data["to_step"]).first()
            if to_step is None:
                raise Http404("No such step.")
        try:
            shipped = handoffs.handoff_ship(
                step=step,
                actor=request.user,
                idempotency_key=form.cleaned_data.get("idempotency_key") or None,
                quantity=form.cleaned_data["quantity"],
                to_step=to_step,
                note=form.cleaned_data.get("note", ""),
            )
        except ValidationError as error:
            _refusal(request, error)
        else:
            # The delivery note (納品書) to print and put with the parts.
            messages.success(
                request,
                format_html(
                    '{} <a href="{}" class="delivery-note" target="_blank">{}</a>',
                    _("Shipment recorded."),
                    reverse("delivery_note_pdf", args=[shipped.uuid]),
                    _("Delivery note (PDF)"),
                ),
            )
    else:
        messages.error(request, _("Enter how many parts you ship (at least 1)."))
    return _back(request, access.job)


@require_POST
@login_required
def handoff_receive(request: HttpRequest, handoff_uuid: UUID) -> HttpResponse:
    access, handoff = get_handoff_for(request.user, handoff_uuid)
    form = ReceiveForm(request.POST)
    if form.is_valid():
        try:
            received = handoffs.handoff_receive(
                handoff=handoff,
                actor=request.user,
                idempotency_key=form.cleaned_data.get("idempotency_key") or None,
                quantity=form.cleaned_data["quantity"],
                rejected=form.cleaned_data.get("rejected") or 0,
                cause=form.cleaned_data.get("cause") or "",
                note=form.cleaned_data.get("note", ""),
            )
        except ValidationError as error:
            _refusal(request, error)
        else:
            if received.shortfall:
                messages.warning(
                    request,
                    _("Received %(got)s of %(sent)s: %(short)s parts short. The sender sees this.")
                    % {
                        "got": received.quantity_received,
                        "sent": received.quantity_shipped,
                        "short": received.shortfall,
                    },
                )
            else:
                messages.success(request, _("Receipt recorded."))
    else:
        messages.error(request, _("Enter how many parts arrived (0 or more)."))
    return _back(request, access.job)
