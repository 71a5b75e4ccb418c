"""The files a job travels with: drawings (図面), their revisions (版), previews, who may see them
(per order), and who looked at or downloaded which revision.

A drawing is a drawing number (図番) on one job; each upload under that number is a revision.
The newest upload is the current revision (`is_current`, at most one per drawing, enforced by a
partial unique constraint); older ones stay readable, marked 「旧版 / SUPERSEDED」 wherever shown.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import Job, Order, Step
from workshops.models import Workshop


class Drawing(models.Model):
    """図面: one drawing number of a job, with its revisions."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="drawings")
    number = models.CharField(_("drawing number"), max_length=100)
    # The steps this drawing is for; an order's supplier sees, by default, the drawings its
    # steps reference.
    steps = models.ManyToManyField(
        Step, related_name="drawings", blank=True, verbose_name=_("steps")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["number", "pk"]
        verbose_name = _("drawing")
        verbose_name_plural = _("drawings")
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="unique_drawing_number")
        ]

    def __str__(self) -> str:
        return self.number


class FileKind(models.TextChoices):
    PDF = "pdf", "PDF"
    PNG = "png", "PNG"
    JPEG = "jpeg", "JPEG"
    TIFF = "tiff", "TIFF"
    DXF = "dxf", "DXF"
    STEP = "step", "STEP"


# The type a file is served with, decided by what its content proved it to be.
CONTENT_TYPES = {
    FileKind.PDF: "application/pdf",
    FileKind.PNG: "image/png",
    FileKind.JPEG: "image/jpeg",
    FileKind.TIFF: "image/tiff",
    FileKind.DXF: "image/vnd.dxf",
    FileKind.STEP: "model/step",
}
EXTENSIONS = {
    FileKind.PDF: "pdf",
    FileKind.PNG: "png",
    FileKind.JPEG: "jpg",
    FileKind.TIFF: "tif",
    FileKind.DXF: "dxf",
    FileKind.STEP: "stp",
}


class PreviewStatus(models.TextChoices):
    PENDING = "pending", _("Preview being made")
    READY = "ready", _("Preview ready")
    FAILED = "failed", _("No preview")


def original_upload_to(instance: DrawingRevision, filename: str) -> str:
    # Never the user's name: a random one, with the extension of the type the content proved.
    token = uuid.uuid4().hex
    return f"drawings/originals/{token[:2]}/{token}.{EXTENSIONS[instance.kind]}"


class DrawingRevision(models.Model):
    """版: one uploaded file of a drawing number. Immutable once made, except for its previews
    and for being superseded by a newer upload."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    drawing = models.ForeignKey(Drawing, on_delete=models.CASCADE, related_name="revisions")
    label = models.CharField(_("revision"), max_length=20)
    is_current = models.BooleanField(default=True)
    file = models.FileField(upload_to=original_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("type"), max_length=8, choices=FileKind.choices)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    page_count = models.PositiveIntegerField(default=1)
    # What the parse found, as JSON primitives: pixel size, pages, a STEP file's product name
    # and units, a DXF file's units.
    info = models.JSONField(default=dict, blank=True)
    preview_status = models.CharField(
        max_length=8, choices=PreviewStatus.choices, default=PreviewStatus.PENDING
    )
    # Storage names: {"media": "image/png", "thumbnail": name, "pages": [name, ...]}
    previews = models.JSONField(default=dict, blank=True)
    preview_error = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["drawing", "-created_at", "-pk"]
        verbose_name = _("drawing revision")
        verbose_name_plural = _("drawing revisions")
        constraints = [
            models.UniqueConstraint(fields=["drawing", "label"], name="unique_revision_label"),
            models.UniqueConstraint(
                fields=["drawing"], condition=Q(is_current=True), name="one_current_revision"
            ),
        ]
        indexes = [models.Index(fields=["preview_status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.drawing_id} rev {self.label}"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]

    @property
    def is_superseded(self) -> bool:
        return not self.is_current

    @property
    def preview_pages(self) -> int:
        return len(self.previews.get("pages", []))


class OrderDrawingPolicy(models.Model):
    """What the hub decided about drawings for one order: which ones its supplier sees (once
    `chosen`; before that, those its steps reference), whether the supplier may download the
    originals, and whether it may pass drawings on to a sub-supplier."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="drawing_policy")
    chosen = models.BooleanField(default=False)
    download = models.BooleanField(_("may download the original files"), default=False)
    reshare = models.BooleanField(_("may pass drawings on to a sub-supplier"), default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("drawing sharing of an order")

    def __str__(self) -> str:
        return f"{self.order_id}: download={self.download} reshare={self.reshare}"


class DrawingShare(models.Model):
    """A drawing (all its revisions) shown to the supplier of an order."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="drawing_shares")
    drawing = models.ForeignKey(Drawing, on_delete=models.CASCADE, related_name="shares")
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "drawing"], name="unique_drawing_share")
        ]

    def __str__(self) -> str:
        return f"{self.drawing_id} → {self.order_id}"


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    DOWNLOAD = "download", _("Downloaded")


class DrawingAccessLog(models.Model):
    """Who viewed or downloaded which revision, when. Append-only; the hub reads it."""

    revision = models.ForeignKey(
        DrawingRevision, on_delete=models.CASCADE, related_name="access_log"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Kept as written, so the log still names someone whose account is gone.
    user_name = models.CharField(max_length=150)
    workshop = models.ForeignKey(
        Workshop, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    page = models.PositiveIntegerField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["revision", "at"]),
            models.Index(fields=["user", "revision", "action", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_name} {self.action} {self.revision_id} at {self.at:%Y-%m-%d %H:%M}"
