"""Every kind of notification: its label, its default by mail, and how it is worded.

The words are built when shown (in the reader's language) from the notification's `data`:
codes, numbers and names, never stored translated text.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orders.models import END_REASON_LABELS, DeclineReason


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    # How it goes by mail when the person has not chosen: "immediate", "digest" or "off".
    email: str
    # What the inbox, the mail subject and the push title say (with %(…)s from `data`).
    title: str


KINDS = {
    k.code: k
    for k in [
        Kind(
            "request.received",
            _("A request waits for my answer"),
            "immediate",
            _("Request from %(buyer)s: %(job)s"),
        ),
        Kind(
            "request.accepted",
            _("My request was accepted"),
            "immediate",
            _("%(supplier)s accepted: %(job)s"),
        ),
        Kind(
            "request.declined",
            _("My request was declined"),
            "immediate",
            _("%(supplier)s declined: %(job)s"),
        ),
        Kind(
            "counter.received",
            _("A supplier answered my request with other terms"),
            "immediate",
            _("Counter-offer from %(supplier)s: %(job)s"),
        ),
        Kind(
            "counter.accepted",
            _("My counter-offer was accepted"),
            "immediate",
            _("%(buyer)s accepted your counter-offer: %(job)s"),
        ),
        Kind(
            "counter.declined",
            _("My counter-offer was declined"),
            "immediate",
            _("%(buyer)s declined your counter-offer: %(job)s"),
        ),
        Kind(
            "payment.date_late",
            _("A payment due date is past the 60-day limit after a receipt"),
            "immediate",
            _("Payment must be made by %(latest)s: %(job)s"),
        ),
        Kind(
            "payment.flagged",
            _("A payment was late or short"),
            "immediate",
            _("Payment from %(buyer)s was late or short: %(job)s"),
        ),
        Kind(
            "payment.recorded",
            _("A payment was recorded for my order"),
            "immediate",
            _("%(buyer)s recorded a payment: %(job)s"),
        ),
        Kind(
            "statement.issued",
            _("A purchase statement was issued to my shop"),
            "immediate",
            _("%(buyer)s issued purchase statement %(number)s"),
        ),
        Kind(
            "statement.confirmed",
            _("A supplier confirmed my purchase statement"),
            "digest",
            _("%(supplier)s confirmed purchase statement %(number)s"),
        ),
        Kind(
            "statement.disputed",
            _("A supplier disputed my purchase statement"),
            "immediate",
            _("%(supplier)s disputed purchase statement %(number)s"),
        ),
        Kind(
            "statement.cancelled",
            _("A purchase statement to my shop was cancelled"),
            "immediate",
            _("%(buyer)s cancelled purchase statement %(number)s"),
        ),
        Kind(
            "offer.received",
            _("An offer arrived on my posting"),
            "immediate",
            _("Offer from %(supplier)s: %(job)s"),
        ),
        Kind("offer.won", _("My offer won"), "immediate", _("Your offer won: %(job)s")),
        Kind(
            "offer.lost",
            _("My offer went elsewhere"),
            "digest",
            _("Your offer went elsewhere: %(job)s"),
        ),
        Kind(
            "parts.shipped",
            _("Parts shipped to my shop"),
            "immediate",
            _("%(quantity)s parts on their way from %(sender)s: %(job)s"),
        ),
        Kind(
            "parts.short",
            _("Parts received short"),
            "immediate",
            _("%(receiver)s received %(received)s of %(shipped)s: %(job)s"),
        ),
        Kind(
            "step.late_risk",
            _("A step of mine may be late"),
            "immediate",
            _("At risk of being late: %(step)s, %(job)s"),
        ),
        Kind(
            "drawing.revised",
            _("A new drawing revision on a job I work on"),
            "immediate",
            _("New revision %(label)s of %(number)s: %(job)s"),
        ),
        Kind(
            "document.issued",
            _("An order document was issued or changed"),
            "digest",
            _("Order document v%(version)s: %(job)s"),
        ),
        Kind(
            "posting.closing",
            _("A posting I was invited to closes within 24 hours"),
            "immediate",
            _("Closes within 24 hours: %(job)s"),
        ),
        Kind(
            "job.cancelled",
            _("A job I work on was cancelled by its hub"),
            "immediate",
            _("%(hub)s cancelled the job: %(job)s"),
        ),
        Kind(
            "job.closed",
            _("A job I work on was closed by its hub"),
            "immediate",
            _("%(hub)s closed the job with what was made: %(job)s"),
        ),
        Kind(
            "webhook.disabled",
            _("A webhook of my shop was turned off"),
            "immediate",
            _("Webhook turned off after repeated failures: %(url)s"),
        ),
        Kind(
            "rating.received",
            _("A rating received"),
            "digest",
            _("%(buyer)s rated your work: %(job)s"),
        ),
    ]
}

KIND_CHOICES = [(code, kind.label) for code, kind in KINDS.items()]

# Extra lines shown under the title, when the data has them.
DETAIL_LINES = {
    "reason": pgettext_lazy("notification", "Reason: %(reason)s"),
    "started_on_old": _("A step already started on revision %(started_on_old)s."),
    "end_reason": pgettext_lazy("notification", "Reason: %(end_reason)s"),
}


def title_of(kind: str, data: dict) -> str:
    spec = KINDS.get(kind)
    if spec is None:
        return kind
    try:
        return str(spec.title) % data
    except (KeyError, TypeError, ValueError):
        return str(spec.label)


def details_of(data: dict) -> list[str]:
    if data.get("end_reason"):
        # Stored as a code; shown in the reader's language.
        code = data["end_reason"]
        data = {**data, "end_reason": str(END_REASON_LABELS.get(code, code))}
    code = data.get("reason_code")
    if code:
        # A decline reason is stored as its code and put in words for the reader.
        label = str(DeclineReason(code).label) if code in DeclineReason.values else code
        data = {**data, "reason": f"{label}: {data['reason']}" if data.get("reason") else label}
    return [str(line) % data for key, line in DETAIL_LINES.items() if data.get(key)]
