"""Every write to drawings: uploads and revisions, which steps a drawing is for, what each order
shows its supplier, and the access log.

A refusal raises `Refused` (a ValidationError) with a translated message and writes nothing:
the file stored for an upload that is then refused is removed again, and the revisions that
were there stay exactly as they were.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import Refused
from orders.events import append_event, locked_job
from orders.models import LIVE_ORDER_STATES, Job, Order, Step
from workshops.access import require_member
from workshops.models import Membership, User

from .filetypes import Rejected, detect
from .models import (
    AccessAction,
    Drawing,
    DrawingAccessLog,
    DrawingRevision,
    DrawingShare,
    OrderDrawingPolicy,
)
from .selectors import job_sharing

NUMBER_MAX = 100
LABEL_MAX = 20
# Views of one revision by one person within this window are one entry in the log.
VIEW_LOG_WINDOW = dt.timedelta(minutes=10)

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_REVISION_IN_NAME = re.compile(r"[\s_\-]*(?:rev|REV|Rev)\.?[\s_\-]*([0-9A-Za-z]{1,4})$")


# --- names, numbers and revision labels ----------------------------------------------------------


def sanitize_filename(name: str | None) -> str:
    """A file name fit to show and to offer back in Content-Disposition: no directories, no
    control characters, NFC, at most 255 characters. Never used to store the file."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _CONTROL.sub("", name).strip().strip(".")
    return name[-255:] or "drawing"


def guess_from_filename(name: str) -> tuple[str, str]:
    """(drawing number, revision) as a file name suggests them: "MR-1001_revB.pdf" gives
    ("MR-1001", "B"); "MR-1001.pdf" gives ("MR-1001", "")."""
    stem = sanitize_filename(name)
    if "." in stem:
        stem = stem.rsplit(".", 1)[0]
    stem = unicodedata.normalize("NFKC", stem).strip()
    label = ""
    match = _REVISION_IN_NAME.search(stem)
    if match and match.start() > 0:
        label = match.group(1).upper()
        stem = stem[: match.start()]
    return stem.strip(" _-")[:NUMBER_MAX], label


def clean_number(value: str | None) -> str:
    """A drawing number as people write it (full-width letters and digits made half-width),
    refused when it could be taken for a path: slashes, backslashes, "..", control characters."""
    number = unicodedata.normalize("NFKC", str(value or "")).strip()
    number = re.sub(r"\s+", " ", number)
    if not number:
        raise Refused({"number": _("Give the drawing number.")}, code="number_required")
    if len(number) > NUMBER_MAX:
        raise Refused(
            {
                "number": _("The drawing number is too long (%(max)s characters at most).")
                % {"max": NUMBER_MAX}
            },
            code="number_too_long",
        )
    if "/" in number or "\\" in number or ".." in number or _CONTROL.search(number):
        raise Refused(
            {"number": _("A drawing number cannot contain slashes, backslashes or “..”.")},
            code="number_invalid",
        )
    return number


def clean_label(value: str | None) -> str:
    label = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not label:
        raise Refused({"revision": _("Give the revision.")}, code="revision_required")
    if len(label) > LABEL_MAX or not re.fullmatch(r"[^\s/\\]+", label) or ".." in label:
        raise Refused(
            {
                "revision": _(
                    "A revision is a short mark without spaces or slashes, like A, B or 02."
                )
            },
            code="revision_invalid",
        )
    return label


def next_label(labels: Iterable[str]) -> str:
    """The revision after the newest of `labels` in the usual schemes: A → B … Z → AA; 1 → 2;
    01 → 02. A first revision is A."""
    labels = list(labels)
    if not labels:
        return "A"
    last = labels[0]
    if last.isdigit():
        return str(int(last) + 1).zfill(len(last))
    if last.isalpha() and last.isascii():
        letters = list(last.upper())
        i = len(letters) - 1
        while i >= 0:
            if letters[i] != "Z":
                letters[i] = chr(ord(letters[i]) + 1)
                return "".join(letters)
            letters[i] = "A"
            i -= 1
        return "A" + "".join(letters)
    return f"{last}+1"


# --- uploads -------------------------------------------------------------------------------------


def too_large(size: int) -> Refused:
    return Refused(
        _("The file is too large (%(size)s MB). The limit is %(limit)s MB per file.")
        % {
            "size": f"{size / 1_048_576:.1f}",
            "limit": f"{settings.DRAWINGS_MAX_UPLOAD_BYTES / 1_048_576:.0f}",
        },
        code="too_large",
    )


def _local_copy(upload: UploadedFile, directory: Path) -> tuple[Path, int, str]:
    """The upload as a local file (Django's temporary file when it made one), its size and
    SHA-256, reading at most one byte past the limit."""
    limit = settings.DRAWINGS_MAX_UPLOAD_BYTES
    digest = hashlib.sha256()
    size = 0
    if hasattr(upload, "temporary_file_path"):
        path = Path(upload.temporary_file_path())
        with open(path, "rb") as handle:
            while chunk := handle.read(1024 * 1024):
                size += len(chunk)
                if size > limit:
                    raise too_large(size)
                digest.update(chunk)
        return path, size, digest.hexdigest()
    path = directory / "upload"
    upload.seek(0)
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            size += len(chunk)
            if size > limit:
                raise too_large(size)
            digest.update(chunk)
            out.write(chunk)
    return path, size, digest.hexdigest()


def _require_hub(actor: User | None, job: Job) -> None:
    require_member(actor, job.owner, manage=True)


def _job_steps(job: Job, steps: Iterable[Step] | None) -> list[Step] | None:
    if steps is None:
        return None
    steps = list(steps)
    if any(s.job_id != job.pk for s in steps):
        raise Refused({"steps": _("These steps are not steps of this job.")}, code="bad_steps")
    return steps


def drawing_upload(
    *,
    job: Job,
    actor: User | None,
    upload: UploadedFile,
    number: str = "",
    label: str = "",
    steps: Iterable[Step] | None = None,
) -> DrawingRevision:
    """Add a file to `job`: a new drawing number (its first revision), or a new revision of a
    number the job has, which becomes current. The type is decided from the content alone.

    The checks that read the file run before anything is written; the file is then stored under
    a random name and the rows are written under the job's lock; should that fail (a revision
    that was taken meanwhile), the stored file is removed again."""
    _require_hub(actor, job)
    original_name = sanitize_filename(getattr(upload, "name", ""))
    guessed_number, guessed_label = guess_from_filename(original_name)
    number = clean_number(number or guessed_number)
    wanted_label = clean_label(label) if label else ""
    steps = _job_steps(job, steps)
    declared = getattr(upload, "size", None)
    if declared is not None and declared > settings.DRAWINGS_MAX_UPLOAD_BYTES:
        raise too_large(declared)
    if declared == 0:
        raise Refused(_("The file is empty."), code="empty")
    with tempfile.TemporaryDirectory(prefix="shopnet-upload-") as tmp:
        path, size, sha256 = _local_copy(upload, Path(tmp))
        if size == 0:
            raise Refused(_("The file is empty."), code="empty")
        try:
            detected = detect(path)
        except Rejected as rejected:
            raise Refused(str(rejected.message), code=rejected.code) from None
        revision = DrawingRevision(
            kind=detected.kind,
            original_name=original_name,
            size=size,
            sha256=sha256,
            page_count=detected.page_count,
            info=detected.info,
            uploaded_by=actor,
        )
        with open(path, "rb") as handle:
            revision.file.save(original_name, File(handle), save=False)
    try:
        return _record_revision(
            job=job,
            actor=actor,
            revision=revision,
            number=number,
            label=wanted_label or guessed_label,
            label_given=bool(wanted_label),
            steps=steps,
        )
    except BaseException:
        revision.file.delete(save=False)
        raise


@transaction.atomic
def _record_revision(
    *,
    job: Job,
    actor: User | None,
    revision: DrawingRevision,
    number: str,
    label: str,
    label_given: bool,
    steps: list[Step] | None,
) -> DrawingRevision:
    # The job's lock orders uploads, step starts and event seqs: a step started before this
    # commits started on the previous revision, one started after on this one.
    job = locked_job(job)
    drawing = Drawing.objects.filter(job=job, number=number).first()
    created = drawing is None
    labels = (
        []
        if created
        else list(drawing.revisions.order_by("-created_at", "-pk").values_list("label", flat=True))
    )
    label = clean_label(label) if label else next_label(labels)
    taken = {existing.casefold() for existing in labels}
    if label.casefold() in taken:
        message = _(
            "Revision %(revision)s of drawing %(number)s already exists. "
            "Give the new file its own revision."
        ) % {"revision": label, "number": number}
        raise Refused({"revision": message} if label_given else message, code="revision_exists")
    now = timezone.now()
    if created:
        drawing = Drawing.objects.create(job=job, number=number, created_by=actor, created_at=now)
    previous = drawing.revisions.filter(is_current=True).first()
    if previous is not None:
        previous.is_current = False
        previous.superseded_at = now
        previous.save(update_fields=["is_current", "superseded_at"])
    revision.drawing = drawing
    revision.label = label
    revision.is_current = True
    revision.created_at = now
    revision.save()
    if steps is not None and (created or steps):
        drawing.steps.set(steps)
    append_event(
        job,
        "drawing.added" if created else "drawing.revised",
        actor=actor,
        workshop=job.owner,
        drawing=str(drawing.uuid),
        revision=str(revision.uuid),
        number=number,
        label=label,
        superseded=previous.label if previous is not None else "",
    )
    return revision


@transaction.atomic
def drawing_set_steps(*, drawing: Drawing, actor: User | None, steps: Iterable[Step]) -> Drawing:
    """Which steps work to this drawing. Orders whose sharing the hub has not chosen show their
    supplier the drawings their steps reference, so this changes what they see."""
    job = drawing.job
    _require_hub(actor, job)
    steps = _job_steps(job, steps) or []
    job = locked_job(job)
    before = set(drawing.steps.values_list("pk", flat=True))
    after = {s.pk for s in steps}
    if before == after:
        return drawing
    drawing.steps.set(steps)
    append_event(
        job,
        "drawing.linked",
        actor=actor,
        workshop=job.owner,
        drawing=str(drawing.uuid),
        number=drawing.number,
        steps=len(after),
    )
    return drawing


def _manages(actor: User | None, workshop_id: int) -> bool:
    return (
        actor is None
        or Membership.objects.managed_by(actor).filter(workshop_id=workshop_id).exists()
    )


def order_drawings_set(
    *,
    order: Order,
    actor: User | None,
    drawings: Iterable[Drawing],
    download: bool | None = None,
    reshare: bool | None = None,
) -> OrderDrawingPolicy:
    """Choose the drawings an order's supplier sees (replacing the default of those its steps
    reference). The hub also decides whether the supplier may download the originals and pass
    drawings on. A supplier may choose for a sub-order it placed, among the drawings it sees
    itself, only where the hub allowed passing them on; it decides no permissions."""

    job = order.job
    drawings = list(drawings)
    hub = _manages(actor, job.owner_id)
    if not hub:
        require_member(actor, order.buyer, manage=True)
        if download is not None or reshare is not None:
            raise Refused(
                _("Only the hub decides who may download drawings or pass them on."),
                code="not_allowed",
            )
    if order.status not in LIVE_ORDER_STATES:
        raise Refused(
            _("This order is %(status)s: it shows no drawings.")
            % {"status": order.get_status_display()},
            code="order_not_live",
        )
    if any(d.job_id != job.pk for d in drawings):
        raise Refused(_("These drawings are not drawings of this job."), code="bad_drawings")
    if order.parent_id is not None:
        sharing = job_sharing(job)
        parent = sharing.policy(order.parent_id)
        if parent is None or not parent.reshare:
            raise Refused(
                _("The hub has not allowed passing drawings on to a sub-supplier for this order."),
                code="no_reshare",
            )
        allowed = sharing.shown(order.parent_id)
        if any(d.pk not in allowed for d in drawings):
            raise Refused(
                _("Only drawings shared with your own order can be passed on."),
                code="not_shared",
            )
    return _write_sharing(
        order=order, actor=actor, drawings=drawings, download=download, reshare=reshare
    )


@transaction.atomic
def _write_sharing(*, order, actor, drawings, download, reshare) -> OrderDrawingPolicy:
    job = locked_job(order.job)
    policy, _created = OrderDrawingPolicy.objects.select_for_update().get_or_create(order=order)
    before = (
        policy.chosen,
        policy.download,
        policy.reshare,
        set(order.drawing_shares.values_list("drawing_id", flat=True)),
    )
    policy.chosen = True
    if download is not None:
        policy.download = download
    if reshare is not None:
        policy.reshare = reshare
    after = (policy.chosen, policy.download, policy.reshare, {d.pk for d in drawings})
    if before == after:
        return policy
    policy.updated_by = actor
    policy.updated_at = timezone.now()
    policy.save()
    DrawingShare.objects.filter(order=order).exclude(drawing__in=drawings).delete()
    existing = set(order.drawing_shares.values_list("drawing_id", flat=True))
    DrawingShare.objects.bulk_create(
        [
            DrawingShare(order=order, drawing=d, shared_by=actor)
            for d in drawings
            if d.pk not in existing
        ]
    )
    append_event(
        job,
        "drawing.shared",
        actor=actor,
        workshop=order.buyer,
        order=order,
        drawings=len(drawings),
        download=policy.download,
        reshare=policy.reshare,
    )
    return policy


def access_log_add(
    *, revision: DrawingRevision, actor: User, workshop, action: str, page: int | None = None
) -> DrawingAccessLog | None:
    """Note that `actor` viewed or downloaded `revision`. Views of the same revision by the
    same person within VIEW_LOG_WINDOW are one entry; every download is its own."""
    now = timezone.now()
    if (
        action == AccessAction.VIEW
        and DrawingAccessLog.objects.filter(
            user=actor, revision=revision, action=action, at__gte=now - VIEW_LOG_WINDOW
        ).exists()
    ):
        return None
    return DrawingAccessLog.objects.create(
        revision=revision,
        user=actor,
        user_name=(getattr(actor, "display_name", "") or actor.get_username())[:150],
        workshop=workshop,
        action=action,
        page=page,
        at=now,
    )


__all__ = [
    "access_log_add",
    "clean_label",
    "clean_number",
    "drawing_set_steps",
    "drawing_upload",
    "guess_from_filename",
    "next_label",
    "order_drawings_set",
    "sanitize_filename",
]
