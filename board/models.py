"""The open board: postings (引合い) offered to capable shops, their invitations, and offers
(見積). The tables were created by the orders app and keep their names."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import Job, Order, Step
from workshops.models import Material, Process, Workshop


class PostingStatus(models.TextChoices):
    OPEN = "open", _("Open for offers")
    AWARDED = "awarded", _("Awarded")
    CLOSED = "closed", _("Closed without award")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Posting(models.Model):
    """引合い on the open board: steps of a job offered to every workshop that can do them.

    Who may see it is decided once, when it is posted: the capable workshops of the chosen
    districts at that moment are its invitations (PostingInvite). Nobody else ever sees it,
    and no invitee sees who else was invited or who else offered.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="postings")
    buyer = models.ForeignKey(
        Workshop, on_delete=models.PROTECT, related_name="postings", verbose_name=_("buyer")
    )
    steps = models.ManyToManyField(Step, related_name="postings", verbose_name=_("steps"))
    process = models.ForeignKey(
        Process, on_delete=models.PROTECT, related_name="+", verbose_name=_("process")
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    material = models.ForeignKey(
        Material, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("material")
    )
    material_note = models.CharField(_("material (other)"), max_length=100, blank=True)
    # The work envelope asked for (mm, any order) and the tightest tolerance (µm).
    size_mm = models.JSONField(_("size (mm)"), default=list, blank=True)
    tolerance_um = models.DecimalField(
        _("tolerance (µm)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    certifications = models.ManyToManyField(
        "workshops.Certification",
        blank=True,
        related_name="+",
        verbose_name=_("certifications required"),
    )
    districts = models.ManyToManyField(
        "workshops.District", related_name="postings", verbose_name=_("districts")
    )
    due_date = models.DateField(_("delivery date"))
    answer_by = models.DateTimeField(_("answer by"))
    description = models.TextField(_("what is asked"), blank=True, max_length=2000)
    # The drawings hook: when set, invitees may view the job's current drawings (previews only).
    share_drawings = models.BooleanField(_("share the drawings with invited shops"), default=True)
    status = models.CharField(
        _("status"), max_length=12, choices=PostingStatus.choices, default=PostingStatus.OPEN
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    posted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    awarded_offer = models.OneToOneField(
        "Offer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="posting"
    )

    class Meta:
        db_table = "orders_posting"  # created by orders; moved here without moving its rows
        ordering = ["answer_by", "pk"]
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        indexes = [
            models.Index(fields=["status", "answer_by"]),
            models.Index(fields=["buyer", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.job} — {self.process}"

    @property
    def is_open(self) -> bool:
        return self.status == PostingStatus.OPEN and self.answer_by > timezone.now()


class PostingInvite(models.Model):
    """A workshop that may see a posting and offer on it, fixed when it was posted."""

    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="invites")
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="invites")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "orders_postinginvite"
        constraints = [
            models.UniqueConstraint(fields=["posting", "workshop"], name="unique_posting_invite")
        ]

    def __str__(self) -> str:
        return f"{self.posting_id} → {self.workshop_id}"


class OfferStatus(models.TextChoices):
    ACTIVE = "active", _("Offered")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    AWARDED = "awarded", _("Awarded")
    NOT_SELECTED = "not_selected", _("Went elsewhere")
    CLOSED = "closed", _("Closed without award")


class Offer(models.Model):
    """見積: one invited workshop's answer to a posting. One per workshop; revised in place."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="offers")
    workshop = models.ForeignKey(
        Workshop, on_delete=models.PROTECT, related_name="offers", verbose_name=_("workshop")
    )
    price = models.DecimalField(_("price (excl. tax, JPY)"), max_digits=12, decimal_places=0)
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"), null=True, blank=True)
    promised_date = models.DateField(_("promised delivery date"))
    note = models.TextField(_("note"), blank=True, max_length=1000)
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=16, choices=OfferStatus.choices, default=OfferStatus.ACTIVE
    )
    revision = models.PositiveIntegerField(default=1)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "orders_offer"
        ordering = ["price", "promised_date", "pk"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        indexes = [models.Index(fields=["workshop", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["posting", "workshop"], name="unique_offer_per_shop"),
            models.CheckConstraint(condition=Q(price__gt=0), name="offer_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.workshop} → {self.posting_id}"
