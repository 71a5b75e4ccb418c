"""The open board (引合い): posting steps to capable shops, their offers (見積), and the award.

A posting's invitations are fixed when it is posted: the capable workshops of the chosen
districts at that moment. Offers are taken until the answer-by time; the hub may award before
then, and a posting still open at its answer-by time closes (`close_postings`, run on a
schedule). Awarding creates the order request exactly as a direct request does.

Posting and offer events go to the job's log, which only the hub's managers read for events
without a step or order; prices never go into an event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core import realtime
from core.forms import normalize_number
from core.services import Refused
from orders.events import append_event, locked_job
from orders.models import LIVE_ORDER_STATES, Job, Step
from orders.services.routing import TERM_FIELDS, check_routable, order_request, steps_connected
from workshops.access import require_member
from workshops.models import Certification, District, Material, User, Workshop
from workshops.selectors import capability_shortfall

from .matching import capable_workshops
from .models import Offer, OfferStatus, Posting, PostingInvite, PostingStatus

MAX_TEXT = 2000
MAX_NOTE = 1000
# An offer may not promise further out than this, nor stay valid longer: typos, not plans.
MAX_DAYS_AHEAD = 730


def _doorbell(posting: Posting, extra: Iterable[Workshop] = ()) -> None:
    invited = posting.invites.values_list("workshop__uuid", flat=True)
    uuids = [str(posting.buyer.uuid), *(str(u) for u in invited), *(str(w.uuid) for w in extra)]
    realtime.board_changed(str(posting.uuid), uuids)


def _check_steps(job: Job, buyer: Workshop, steps: list[Step]) -> None:
    check_routable(steps, buyer)
    for step in steps:
        if step.orders.filter(status__in=LIVE_ORDER_STATES, parent__isnull=True).exists():
            raise Refused(
                {"steps": _("Step %(step)s is already routed.") % {"step": step.label}},
                code="already_routed",
            )
        if step.postings.filter(status=PostingStatus.OPEN).exists():
            raise Refused(
                {"steps": _("Step %(step)s is already on the open board.") % {"step": step.label}},
                code="on_board",
            )
    if len(steps) > 1 and not steps_connected(steps):
        raise Refused(
            {"steps": _("One posting covers consecutive steps. Post them separately instead.")},
            code="not_consecutive",
        )


def posting_problems(
    *,
    job: Job,
    steps: list[Step],
    districts: Iterable[District] | None,
    answer_by: dt.datetime | None,
    due_date: dt.date | None = None,
    quantity: int | None = None,
    description: str = "",
) -> dict[str, list[str]]:
    """Every reason `posting_create` would refuse these terms, by field, at once; it only
    reads. The posting form adds them to its own field errors, so one submit says all."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(str(message))

    if steps:
        try:
            _check_steps(job, job.owner, steps)
        except Refused as refused:
            for field, messages in refused.message_dict.items():
                for message in messages:
                    add(field, message)
    else:
        add("steps", _("Choose at least one step of this job."))
    now = timezone.now()
    due_date = due_date or job.due_date
    if due_date < timezone.localdate():
        add("due_date", _("The delivery date cannot be in the past."))
    if not isinstance(answer_by, dt.datetime) or answer_by <= now:
        add("answer_by", _("The answer-by time must be in the future."))
    elif timezone.localdate(answer_by) > due_date:
        add("answer_by", _("Ask for answers before the delivery date."))
    if quantity is not None and quantity < 1:
        add("quantity", _("The quantity must be at least 1."))
    if districts is not None and not list(districts):
        add("districts", _("Choose at least one district."))
    if len((description or "").strip()) > MAX_TEXT:
        add("description", _("At most 2,000 characters."))
    return errors


@transaction.atomic
def posting_create(
    *,
    job: Job,
    actor: User | None,
    steps: Iterable[Step],
    districts: Iterable[District],
    answer_by: dt.datetime,
    due_date: dt.date | None = None,
    quantity: int | None = None,
    material: Material | None = None,
    material_note: str = "",
    size_mm: list | None = None,
    tolerance_um: Decimal | None = None,
    certifications: Iterable[Certification] = (),
    description: str = "",
    share_drawings: bool = True,
    only_workshops: Iterable[Workshop] | None = None,
) -> Posting:
    """Post `steps` of the hub's job to the open board. With `only_workshops`, the posting
    goes to those shops alone (each must still be capable): an inquiry to chosen peers."""
    job = locked_job(job)
    buyer = job.owner
    require_member(actor, buyer, manage=True)
    steps = list(
        Step.objects.select_related("process")
        .select_for_update()
        .filter(pk__in=[s.pk for s in steps], job=job)
        .order_by("position", "pk")
    )
    _check_steps(job, buyer, steps)
    district_list = list(districts)
    errors = posting_problems(
        job=job,
        steps=steps,
        districts=district_list,
        answer_by=answer_by,
        due_date=due_date,
        quantity=quantity,
        description=description,
    )
    if errors:
        raise Refused(errors, code="posting_terms")
    now = timezone.now()
    due_date = due_date or job.due_date
    quantity = quantity or max(s.quantity for s in steps)
    description = (description or "").strip()
    material = material if material is not None else job.material
    certs = list(certifications)
    capable = capable_workshops(
        processes=list({s.process_id: s.process for s in steps}.values()),
        districts=district_list,
        material=material,
        size_mm=size_mm,
        tolerance_um=tolerance_um,
        lot=quantity,
        certifications=certs,
        exclude=[buyer],
    )
    if only_workshops is not None:
        chosen = [w.pk for w in only_workshops]
        capable = capable.filter(pk__in=chosen)
        if capable.count() != len(set(chosen)):
            raise Refused(
                _("Some of the chosen workshops cannot do these steps."), code="not_capable"
            )
    invited = list(capable.order_by("pk"))
    if not invited:
        shortfall = capability_shortfall(
            {s.process_id for s in steps},
            among=Workshop.objects.filter(districts__in=district_list).exclude(pk=buyer.pk),
            material=material,
            size=[Decimal(str(d)) for d in size_mm] if size_mm else None,
            tolerance_um=tolerance_um,
            lot=quantity,
            certifications=certs,
        )
        raise Refused(
            _(
                "No workshop in the chosen districts can do these steps as asked. "
                "Ruled out by: %(conditions)s."
            )
            % {"conditions": pgettext("list separator", ", ").join(shortfall)},
            code="nobody_capable",
        )
    posting = Posting.objects.create(
        job=job,
        buyer=buyer,
        process=steps[0].process,
        quantity=quantity,
        material=material,
        material_note=(material_note or job.material_note or "").strip()[:100],
        size_mm=[str(d) for d in size_mm] if size_mm else [],
        tolerance_um=tolerance_um,
        due_date=due_date,
        answer_by=answer_by,
        description=description,
        share_drawings=share_drawings,
        posted_by=actor,
    )
    posting.steps.set(steps)
    posting.districts.set(district_list)
    posting.certifications.set(certs)
    PostingInvite.objects.bulk_create(
        [PostingInvite(posting=posting, workshop=w, created_at=now) for w in invited]
    )
    append_event(
        job,
        "posting.opened",
        actor=actor,
        workshop=buyer,
        posting=str(posting.uuid),
        steps=[str(s.uuid) for s in steps],
        invited=len(invited),
        answer_by=answer_by.isoformat(),
    )
    _doorbell(posting)
    return posting


def _locked_posting(posting: Posting) -> tuple[Job, Posting]:
    # Always the job first, then the posting: the same order as every other job change.
    job = locked_job(posting.job_id)
    return job, Posting.objects.select_for_update().select_related("buyer").get(pk=posting.pk)


def _still_open(posting: Posting) -> None:
    if posting.status != PostingStatus.OPEN:
        raise Refused(
            _("This posting is %(status)s: it no longer takes offers.")
            % {"status": posting.get_status_display()},
            code="not_open",
        )
    if posting.answer_by <= timezone.now():
        raise Refused(_("The answer-by time of this posting has passed."), code="too_late")


def _price(value: Any) -> Decimal:
    try:
        price = Decimal(normalize_number(value, ("円",)))
        if not price.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError, TypeError):
        raise Refused({"price": _("Enter the price in yen.")}, code="price") from None
    if price <= 0:
        raise Refused({"price": _("The price must be more than 0 yen.")}, code="price")
    if price != price.to_integral_value():
        raise Refused({"price": _("Give the price in whole yen.")}, code="price")
    if price >= Decimal("1e12"):
        raise Refused({"price": _("The price is too large.")}, code="price")
    return price


def offer_problems(
    *,
    price: Any,
    lead_time_days: Any,
    promised_date: dt.date | None,
    valid_until: dt.date | None,
    note: str,
) -> dict[str, list[str]]:
    """Every reason `offer_submit` would refuse these terms, by field, all at once; it only
    reads. The offer form adds them to its own field errors so that one submit says all."""
    try:
        _offer_terms(
            price=price,
            lead_time_days=lead_time_days,
            promised_date=promised_date,
            valid_until=valid_until,
            note=note,
        )
    except Refused as refused:
        return refused.message_dict
    return {}


def _offer_terms(
    *,
    price: Any,
    lead_time_days: Any,
    promised_date: dt.date | None,
    valid_until: dt.date | None,
    note: str,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned["price"] = _price(price)
    except Refused as refusal:
        errors.update(refusal.message_dict)
    today = timezone.localdate()
    lead = None
    if lead_time_days not in (None, ""):
        try:
            lead = int(str(lead_time_days).strip())
            if lead < 0 or lead > MAX_DAYS_AHEAD:
                raise ValueError
        except (TypeError, ValueError):
            errors["lead_time_days"] = _("Enter the lead time as a number of days.")
    if promised_date is None and lead is not None and "lead_time_days" not in errors:
        promised_date = today + dt.timedelta(days=lead)
    if promised_date is None:
        errors.setdefault(
            "promised_date", _("Give a promised delivery date or a lead time in days.")
        )
    elif promised_date < today:
        errors["promised_date"] = _("The promised date cannot be in the past.")
    elif promised_date > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        errors["promised_date"] = _("The promised date is more than two years away.")
    if valid_until is None:
        errors["valid_until"] = _("Say until when the offer is valid.")
    elif valid_until < today:
        errors["valid_until"] = _("The offer must be valid until today or later.")
    elif valid_until > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        errors["valid_until"] = _("The validity is more than two years away.")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = _("At most 1,000 characters.")
    if errors:
        raise Refused(errors, code="offer_terms")
    cleaned.update(
        lead_time_days=lead, promised_date=promised_date, valid_until=valid_until, note=note
    )
    return cleaned


@transaction.atomic
def offer_submit(
    *,
    posting: Posting,
    workshop: Workshop,
    actor: User | None,
    price: Any,
    valid_until: dt.date | None,
    promised_date: dt.date | None = None,
    lead_time_days: Any = None,
    note: str = "",
) -> Offer:
    """An invited shop offers, or revises its offer, or offers again after withdrawing."""
    job, posting = _locked_posting(posting)
    require_member(actor, workshop, manage=True)
    if not posting.invites.filter(workshop=workshop).exists():
        raise Refused(
            _("This posting was not sent to %(shop)s.") % {"shop": workshop.display_name},
            code="not_invited",
        )
    _still_open(posting)
    terms = _offer_terms(
        price=price,
        lead_time_days=lead_time_days,
        promised_date=promised_date,
        valid_until=valid_until,
        note=note,
    )
    now = timezone.now()
    offer = Offer.objects.select_for_update().filter(posting=posting, workshop=workshop).first()
    if offer is None:
        offer = Offer.objects.create(
            posting=posting,
            workshop=workshop,
            offered_by=actor,
            created_at=now,
            updated_at=now,
            **terms,
        )
        kind = "offer.submitted"
    else:
        kind = "offer.revised" if offer.status == OfferStatus.ACTIVE else "offer.submitted"
        offer.revision += 1
        for name, value in terms.items():
            setattr(offer, name, value)
        offer.status = OfferStatus.ACTIVE
        offer.offered_by = actor
        offer.updated_at = now
        offer.save()
    append_event(
        job,
        kind,
        actor=actor,
        workshop=workshop,
        posting=str(posting.uuid),
        offer=str(offer.uuid),
        revision=offer.revision,
    )
    realtime.board_changed(str(posting.uuid), [str(posting.buyer.uuid), str(workshop.uuid)])
    return offer


@transaction.atomic
def offer_withdraw(*, offer: Offer, actor: User | None) -> Offer:
    job, posting = _locked_posting(offer.posting)
    offer = Offer.objects.select_for_update().select_related("workshop").get(pk=offer.pk)
    require_member(actor, offer.workshop, manage=True)
    if posting.status != PostingStatus.OPEN:
        raise Refused(
            _("The hub has already decided on this posting: the offer can no longer be withdrawn."),
            code="decided",
        )
    if offer.status != OfferStatus.ACTIVE:
        raise Refused(_("This offer was already withdrawn."), code="not_active")
    offer.status = OfferStatus.WITHDRAWN
    offer.updated_at = timezone.now()
    offer.save(update_fields=["status", "updated_at"])
    append_event(
        job,
        "offer.withdrawn",
        actor=actor,
        workshop=offer.workshop,
        posting=str(posting.uuid),
        offer=str(offer.uuid),
    )
    realtime.board_changed(str(posting.uuid), [str(posting.buyer.uuid), str(offer.workshop.uuid)])
    return offer


@transaction.atomic
def posting_award(
    *, posting: Posting, offer: Offer, actor: User | None, terms: dict[str, Any]
) -> Posting:
    """Award `offer`: its price and promised date become the order request's terms (with the
    delivery place and payment terms in `terms`), through the same `order_request` as a direct
    request. The other offers are told the step went elsewhere."""
    job, posting = _locked_posting(posting)
    require_member(actor, posting.buyer, manage=True)
    if posting.status != PostingStatus.OPEN:
        raise Refused(
            _("This posting is %(status)s.") % {"status": posting.get_status_display()},
            code="not_open",
        )
    if posting.answer_by <= timezone.now():
        raise Refused(
            _("The answer-by time has passed and the posting is closed. Post it again."),
            code="too_late",
        )
    offer = Offer.objects.select_for_update().select_related("workshop").get(pk=offer.pk)
    if offer.posting_id != posting.pk or offer.status != OfferStatus.ACTIVE:
        raise Refused(_("Choose one of the offers on this posting."), code="no_offer")
    if offer.valid_until < timezone.localdate():
        raise Refused(_("This offer is no longer valid."), code="offer_expired")
    # Decide first, so that the steps are free of the open posting when the order is requested.
    now = timezone.now()
    posting.status = PostingStatus.AWARDED
    posting.awarded_offer = offer
    posting.decided_by = actor
    posting.decided_at = now
    posting.save(update_fields=["status", "awarded_offer", "decided_by", "decided_at"])
    order_terms = {k: terms.get(k) for k in TERM_FIELDS}
    order_terms.update(price=offer.price, due_date=offer.promised_date)
    order = order_request(
        job=job,
        actor=actor,
        supplier=offer.workshop,
        steps=list(posting.steps.all()),
        terms=order_terms,
        # The shop was invited for what the posting asked, which may differ from the job's.
        requirements={
            "material": posting.material,
            "size": [Decimal(str(d)) for d in posting.size_mm] or None,
            "tolerance_um": posting.tolerance_um,
            "lot": posting.quantity,
            "certifications": list(posting.certifications.all()),
        },
    )
    # order_request appended to the log through its own copy of the job row: re-read it.
    job = locked_job(job)
    posting.order = order
    posting.save(update_fields=["order"])
    offer.status = OfferStatus.AWARDED
    offer.save(update_fields=["status"])
    Offer.objects.filter(posting=posting, status=OfferStatus.ACTIVE).exclude(pk=offer.pk).update(
        status=OfferStatus.NOT_SELECTED, updated_at=now
    )
    append_event(
        job,
        "posting.awarded",
        actor=actor,
        workshop=posting.buyer,
        posting=str(posting.uuid),
        offer=str(offer.uuid),
        supplier=str(offer.workshop.uuid),
    )
    _doorbell(posting)
    return posting


def _close(job: Job, posting: Posting, *, actor: User | None, status: str, kind: str) -> None:
    now = timezone.now()
    posting.status = status
    posting.decided_by = actor
    posting.decided_at = now
    posting.save(update_fields=["status", "decided_by", "decided_at"])
    Offer.objects.filter(posting=posting, status=OfferStatus.ACTIVE).update(
        status=OfferStatus.CLOSED, updated_at=now
    )
    append_event(job, kind, actor=actor, workshop=posting.buyer, posting=str(posting.uuid))
    _doorbell(posting)


@transaction.atomic
def posting_withdraw(*, posting: Posting, actor: User | None) -> Posting:
    """The hub takes a posting back before deciding (the steps are free to route again)."""
    job, posting = _locked_posting(posting)
    require_member(actor, posting.buyer, manage=True)
    if posting.status != PostingStatus.OPEN:
        raise Refused(
            _("This posting is %(status)s.") % {"status": posting.get_status_display()},
            code="not_open",
        )
    _close(job, posting, actor=actor, status=PostingStatus.WITHDRAWN, kind="posting.withdrawn")
    return posting


def postings_close_expired(*, now: dt.datetime | None = None) -> int:
    """Close every open posting whose answer-by time has passed without an award. One
    transaction per posting, so a long run never holds many jobs' locks at once."""
    now = now or timezone.now()
    closed = 0
    for pk in Posting.objects.filter(status=PostingStatus.OPEN, answer_by__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            job, posting = _locked_posting(Posting(pk=pk, job_id=_job_id(pk)))
            # Re-checked under the lock: the hub may have awarded in the meantime.
            if posting.status != PostingStatus.OPEN or posting.answer_by > now:
                continue
            _close(job, posting, actor=None, status=PostingStatus.CLOSED, kind="posting.closed")
            closed += 1
    return closed


def _job_id(posting_pk: int) -> int:
    return Posting.objects.values_list("job_id", flat=True).get(pk=posting_pk)
