"""Every write about workshops goes through here: views, API, admin and commands alike.

Each service validates first (`full_clean`), writes inside one transaction, and appends an
`AuditEvent` saying who did what. A refused call raises `ValidationError` and writes nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import secrets
import uuid
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from rest_framework.authtoken.models import Token

from core import realtime
from core.services import Refused

from . import tokens
from .access import require_member
from .calendar import (
    Break,
    DayRange,
    calendar_changed,
    calendar_problems,
    parse_breaks,
    parse_ranges,
)
from .models import (
    ApiToken,
    AuditEvent,
    Capability,
    District,
    DistrictStaff,
    Invitation,
    Machine,
    Membership,
    Role,
    TokenScope,
    User,
    Workshop,
)

PROFILE_FIELDS = (
    "name",
    "name_kana",
    "name_en",
    "postal_code",
    "address",
    "latitude",
    "longitude",
    "headcount",
    "founded_year",
    "description",
    "description_en",
    "phone",
    "fax",
    "website",
    "invoice_registration_number",
    "invoice_registrant_is_sole_proprietor",
)
CAPABILITY_FIELDS = (
    "max_length_mm",
    "max_width_mm",
    "max_height_mm",
    "tolerance_um",
    "lot_min",
    "lot_max",
    "lead_time_days",
    "capacity_hours_per_week",
    "notes",
)
LOGO_FORMATS = ("PNG", "JPEG", "WEBP")


def _audit(workshop: Workshop, actor: User | None, action: str, **data: Any) -> AuditEvent:
    return AuditEvent.objects.create(workshop=workshop, actor=actor, action=action, data=data)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def _apply(obj: Any, fields: Iterable[str], data: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the given fields, returning {field: [old, new]} for those that changed."""
    changes = {}
    for field in fields:
        if field not in data:
            continue
        old, new = getattr(obj, field), data[field]
        if old != new:
            changes[field] = [_jsonable(old), _jsonable(new)]
            setattr(obj, field, new)
    return changes


# --- Profile ----------------------------------------------------------------------


@transaction.atomic
def workshop_create(
    *, actor: User | None, owner: User | None = None, uuid: Any = None, **data: Any
) -> Workshop:
    """Create a workshop; `uuid` lets a seeding command give it a stable, re-findable id."""
    certifications = data.pop("certifications", None)
    districts = data.pop("districts", None)
    workshop = Workshop(**{k: v for k, v in data.items() if k in PROFILE_FIELDS})
    if uuid is not None:
        workshop.uuid = uuid
    workshop.full_clean()
    workshop.save()
    if certifications is not None:
        workshop.certifications.set(certifications)
    if districts is not None:
        workshop.districts.set(districts)
    if owner is not None:
        Membership.objects.create(workshop=workshop, user=owner, role=Role.OWNER)
    _audit(workshop, actor, "workshop.created", name=workshop.name)
    return workshop


@transaction.atomic
def workshop_update_profile(*, workshop: Workshop, actor: User, data: dict[str, Any]) -> Workshop:
    # Work on the stored row, locked: the caller's instance may already carry the new values
    # (a ModelForm writes them into its instance while validating), which would hide the change.
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    changes = _apply(workshop, PROFILE_FIELDS, data)
    workshop.full_clean(exclude=["logo"])
    if changes:
        workshop.save(update_fields=[*changes, "updated_at"])
    for m2m in ("certifications", "districts"):
        if m2m in data:
            manager = getattr(workshop, m2m)
            before = sorted(str(o.pk) for o in manager.all())
            after = sorted(str(o.pk) for o in data[m2m])
            if before != after:
                manager.set(data[m2m])
                changes[m2m] = [
                    sorted(_code(o) for o in manager.model.objects.filter(pk__in=before)),
                    sorted(_code(o) for o in data[m2m]),
                ]
    if changes:
        _audit(workshop, actor, "workshop.profile_updated", changes=changes)
    return workshop


def _code(obj: Any) -> str:
    return getattr(obj, "code", None) or getattr(obj, "slug", None) or str(obj)


@dataclass(frozen=True)
class ProcessedImage:
    content: bytes
    width: int
    height: int


def logo_process(upload: UploadedFile) -> ProcessedImage:
    """Decode an uploaded logo from its content, refuse what is not a small real image,
    and return it re-encoded as a WebP of at most LOGO_SIZE pixels a side.

    Re-encoding drops metadata and anything smuggled after the image data.
    """
    if upload.size is not None and upload.size > settings.LOGO_MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The logo file is too large (%(size)s MB). The limit is %(limit)s MB.")
            % {
                "size": f"{upload.size / 1_048_576:.1f}",
                "limit": f"{settings.LOGO_MAX_UPLOAD_BYTES / 1_048_576:.0f}",
            },
            code="too_large",
        )
    upload.seek(0)
    data = upload.read(settings.LOGO_MAX_UPLOAD_BYTES + 1)
    if len(data) > settings.LOGO_MAX_UPLOAD_BYTES:
        raise ValidationError(_("The logo file is too large."), code="too_large")
    not_an_image = ValidationError(
        _("The logo must be a PNG, JPEG or WebP image."), code="not_an_image"
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=LOGO_FORMATS)
            width, height = image.size
            # The header alone tells the pixel count: refuse bombs before decoding anything.
            if width * height > settings.LOGO_MAX_PIXELS:
                raise ValidationError(
                    _("The logo image is too large (%(w)s × %(h)s pixels).")
                    % {"w": width, "h": height},
                    code="too_many_pixels",
                )
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard can fire inside open() before our pixel check runs.
        raise ValidationError(
            _("The logo image has too many pixels to be processed safely."),
            code="too_many_pixels",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_an_image from None
    image = ImageOps.exif_transpose(image)
    image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    image.thumbnail((settings.LOGO_SIZE, settings.LOGO_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=85, method=4)
    return ProcessedImage(content=out.getvalue(), width=image.width, height=image.height)


def workshop_set_logo(*, workshop: Workshop, actor: User, upload: UploadedFile | None) -> Workshop:
    """Replace (or, with None, remove) the logo. The old file goes once the change commits."""
    processed = logo_process(upload) if upload is not None else None
    new_name = ""
    try:
        with transaction.atomic():
            workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
            old_name = workshop.logo.name if workshop.logo else ""
            if processed is None and not old_name:
                return workshop  # nothing to remove: no change, no log entry
            storage = workshop.logo.storage
            if processed is not None:
                workshop.logo.save(
                    f"{uuid.uuid4().hex}.webp", ContentFile(processed.content), save=False
                )
                new_name = workshop.logo.name
            else:
                workshop.logo = ""
            workshop.save(update_fields=["logo", "updated_at"])
            _audit(
                workshop,
                actor,
                "workshop.logo_changed" if processed else "workshop.logo_removed",
                **({"width": processed.width, "height": processed.height} if processed else {}),
            )
            if old_name:
                transaction.on_commit(lambda: storage.delete(old_name))
    except BaseException:
        # The row change rolled back; the file written for it must not stay behind.
        if new_name:
            storage.delete(new_name)
        raise
    return workshop


# --- Machines --------------------------------------------------------------------------


@transaction.atomic
def machine_save(
    *, workshop: Workshop, actor: User, data: dict[str, Any], machine: Machine | None = None
) -> Machine:
    creating = machine is None
    machine = (
        Machine(workshop=workshop)
        if creating
        else Machine.objects.select_for_update().get(pk=machine.pk)
    )
    if machine.workshop_id != workshop.pk:
        raise ValidationError(_("That machine belongs to another workshop."))
    changes = _apply(machine, ("maker", "model_name", "count"), data)
    machine.full_clean()
    machine.save()
    if creating or changes:
        _audit(
            workshop,
            actor,
            "machine.created" if creating else "machine.updated",
            machine=str(machine),
            changes=changes,
        )
    return machine


@transaction.atomic
def machine_delete(*, machine: Machine, actor: User) -> None:
    workshop = machine.workshop
    label = str(machine)
    machine.delete()
    _audit(workshop, actor, "machine.deleted", machine=label)


# --- Capabilities -------------------------------------------------------------------------


@transaction.atomic
def capability_save(
    *,
    workshop: Workshop,
    actor: User,
    data: dict[str, Any],
    capability: Capability | None = None,
) -> Capability:
    creating = capability is None
    capability = (
        Capability(workshop=workshop)
        if creating
        else Capability.objects.select_for_update().select_related("process").get(pk=capability.pk)
    )
    if capability.workshop_id != workshop.pk:
        raise ValidationError(_("That capability belongs to another workshop."))
    changes: dict[str, Any] = {}
    if "process" in data and capability.process_id != getattr(data["process"], "pk", None):
        changes["process"] = [
            capability.process.code if capability.process_id else None,
            data["process"].code,
        ]
        capability.process = data["process"]
    changes.update(_apply(capability, CAPABILITY_FIELDS, data))
    _check_capability(capability, data)
    capability.full_clean()
    capability.save()
    if "materials" in data:
        before = sorted(m.code for m in capability.materials.all())
        after = sorted(m.code for m in data["materials"])
        if before != after:
            capability.materials.set(data["materials"])
            changes["materials"] = [before, after]
    if "machines" in data:
        machines = list(data["machines"])
        if any(m.workshop_id != workshop.pk for m in machines):
            raise ValidationError({"machines": _("Pick machines of this workshop only.")})
        before = sorted(str(m) for m in capability.machines.all())
        after = sorted(str(m) for m in machines)
        if before != after:
            capability.machines.set(machines)
            changes["machines"] = [before, after]
    if creating or changes:
        _audit(
            workshop,
            actor,
            "capability.created" if creating else "capability.updated",
            process=capability.process.code,
            changes=changes,
        )
    return capability


def capability_problems(
    *, workshop: Workshop, data: dict[str, Any], capability: Capability | None = None
) -> dict[str, list[str]]:
    """Every reason `capability_save` would refuse `data`, by field, all at once; it only
    reads. The capability form adds them to its own field errors (on the fields it could
    read) so that one submit says everything."""
    draft = (
        Capability(workshop=workshop)
        if capability is None
        else Capability.objects.select_related("process").get(pk=capability.pk)
    )
    if data.get("process") is not None:
        draft.process = data["process"]
    _apply(draft, CAPABILITY_FIELDS, data)
    try:
        _check_capability(draft, data)
    except ValidationError as error:
        return error.message_dict
    return {}


def _check_capability(capability: Capability, data: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    sizes = [capability.max_length_mm, capability.max_width_mm, capability.max_height_mm]
    if any(s is not None for s in sizes) and not all(s is not None for s in sizes):
        errors["max_length_mm"] = _("Give all three sides of the work size, or none.")
    for field, value in zip(("max_length_mm", "max_width_mm", "max_height_mm"), sizes, strict=True):
        if value is not None and value <= 0:
            errors[field] = _("A size must be greater than 0 mm.")
    if capability.tolerance_um is not None and capability.tolerance_um <= 0:
        errors["tolerance_um"] = _("The tolerance must be greater than 0 µm.")
    for field in ("lot_min", "lot_max", "lead_time_days", "capacity_hours_per_week"):
        value = getattr(capability, field)
        if value is not None and value < (0 if field == "capacity_hours_per_week" else 1):
            errors[field] = _("Enter a positive number.")
    if (
        capability.lot_min is not None
        and capability.lot_max is not None
        and capability.lot_min > capability.lot_max
    ):
        errors["lot_max"] = _("The maximum lot must not be smaller than the minimum lot.")
    if (
        capability.workshop_id
        and capability.process_id
        and Capability.objects.filter(
            workshop_id=capability.workshop_id, process=capability.process
        )
        .exclude(pk=capability.pk)
        .exists()
    ):
        errors["process"] = _("This workshop already lists that process.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def capability_delete(*, capability: Capability, actor: User) -> None:
    workshop = capability.workshop
    code = capability.process.code
    capability.delete()
    _audit(workshop, actor, "capability.deleted", process=code)


# --- Members and invitations -----------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(
    *, workshop: Workshop, actor: User, email: str, role: str
) -> tuple[Invitation, str]:
    """Create an invitation; returns it with the secret token (shown once, stored hashed)."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    _require_owner_for_owner_role(workshop, actor, role)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        workshop=workshop,
        email=email.strip().lower(),
        role=role,
        token_hash=_hash_token(token),
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    _audit(workshop, actor, "invitation.created", email=invitation.email, role=role)
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("workshop").filter(token_hash=_hash_token(token)).first()
    )


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    invitation = (
        Invitation.objects.select_for_update().filter(token_hash=_hash_token(token)).first()
    )
    if invitation is None or not invitation.is_open:
        raise ValidationError(_("This invitation is no longer valid. Ask for a new one."))
    if Membership.objects.filter(workshop=invitation.workshop, user=user).exists():
        raise ValidationError(_("You are already a member of this workshop."))
    membership = Membership.objects.create(
        workshop=invitation.workshop, user=user, role=invitation.role
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _audit(
        invitation.workshop,
        user,
        "membership.joined",
        user=user.username,
        role=invitation.role,
        email=invitation.email,
    )
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> None:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(_("This invitation can no longer be revoked."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    _audit(invitation.workshop, actor, "invitation.revoked", email=invitation.email)


def _require_owner_for_owner_role(workshop: Workshop, actor: User, role: str) -> None:
    if (
        role == Role.OWNER
        and not Membership.objects.filter(workshop=workshop, user=actor, role=Role.OWNER).exists()
    ):
        raise ValidationError({"role": _("Only an owner can make someone an owner.")})


def _lock_memberships(workshop: Workshop) -> list[Membership]:
    # Lock every membership of the shop so two owners demoting each other at once cannot
    # leave it with none.
    return list(Membership.objects.select_for_update().filter(workshop=workshop).order_by("pk"))


def _sockets_recheck(user: User) -> None:
    """After commit, the user's open streams re-check what they may see (and close if nothing)."""
    realtime.access_changed(user)


@transaction.atomic
def membership_change_role(*, membership: Membership, actor: User, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    members = _lock_memberships(membership.workshop)
    membership = next(m for m in members if m.pk == membership.pk)
    if role == membership.role:
        return membership
    if Role.OWNER in (role, membership.role):
        _require_owner_for_owner_role(membership.workshop, actor, Role.OWNER)
    owners = [m for m in members if m.role == Role.OWNER]
    if membership.role == Role.OWNER and len(owners) == 1:
        raise ValidationError(_("A workshop needs at least one owner."))
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    _sockets_recheck(membership.user)
    _audit(
        membership.workshop,
        actor,
        "membership.role_changed",
        user=membership.user.username,
        changes={"role": [old, role]},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User) -> None:
    members = _lock_memberships(membership.workshop)
    membership = next(m for m in members if m.pk == membership.pk)
    if membership.role == Role.OWNER:
        _require_owner_for_owner_role(membership.workshop, actor, Role.OWNER)
        if sum(1 for m in members if m.role == Role.OWNER) == 1:
            raise ValidationError(_("A workshop needs at least one owner."))
    username = membership.user.username
    membership.delete()
    _sockets_recheck(membership.user)
    _audit(membership.workshop, actor, "membership.removed", user=username)


@transaction.atomic
def membership_add(*, workshop: Workshop, user: User, role: str, actor: User | None) -> Membership:
    """Add an existing user directly (admin and seeding; people join through invitations)."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if Membership.objects.filter(workshop=workshop, user=user).exists():
        raise ValidationError(_("That user is already a member of this workshop."))
    membership = Membership.objects.create(workshop=workshop, user=user, role=role)
    _audit(workshop, actor, "membership.joined", user=user.username, role=role)
    return membership


@transaction.atomic
def district_staff_add(*, district: District, user: User) -> DistrictStaff:
    """Make `user` staff of a district association (idempotent)."""
    staff, _created = DistrictStaff.objects.get_or_create(district=district, user=user)
    return staff


@transaction.atomic
def member_password_set(*, membership: Membership, actor: User, password: str) -> None:
    """An owner sets a new password for one of the shop's floor staff, who often have no
    e-mail to reset it themselves. Refused for anyone whose account reaches further than this
    shop's floor (another membership, district staff, the admin): resetting it would hand the
    owner what that account can do elsewhere. Signs the account out everywhere (its sessions
    no longer match, its API token is deleted)."""

    members = _lock_memberships(membership.workshop)
    membership = next(m for m in members if m.pk == membership.pk)
    if not any(m.user_id == actor.pk and m.role == Role.OWNER for m in members):
        raise ValidationError(_("Only an owner can set a member's password."))
    user = User.objects.select_for_update().get(pk=membership.user_id)
    if (
        membership.role != Role.FLOOR
        or user.pk == actor.pk
        or user.is_staff
        or user.is_superuser
        or Membership.objects.filter(user=user).exclude(pk=membership.pk).exists()
        or DistrictStaff.objects.filter(user=user).exists()
    ):
        raise ValidationError(
            _(
                "Only the password of floor staff who belong to this workshop alone can be set "
                "here. Anyone else resets their own password from the sign-in page."
            )
        )
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    Token.objects.filter(user=user).delete()
    _sockets_recheck(user)
    _audit(membership.workshop, actor, "membership.password_set", user=user.username)


# --- API tokens ----------------------------------------------------------------------------------


@transaction.atomic
def api_token_create(
    *, workshop: Workshop, actor: User, name: str, scopes: Iterable[str]
) -> tuple[ApiToken, str]:
    """A new token for `workshop`, made by one of its managers. Returns (token, key): the key is
    shown once and never stored (only its digest)."""
    require_member(actor, workshop, manage=True)
    scopes = [value for value in TokenScope.values if value in set(scopes)]
    errors = {}
    if not name.strip():
        errors["name"] = _("Give the token a name.")
    if not scopes:
        errors["scopes"] = _("Choose at least one scope.")
    if errors:
        raise ValidationError(errors, code="invalid")
    key = tokens.new_key()
    token = ApiToken(
        workshop=workshop,
        name=name.strip(),
        scopes=scopes,
        digest=tokens.digest_of(key),
        hint=key[:12],
        created_by=actor,
    )
    token.full_clean()
    token.save()
    _audit(workshop, actor, "api_token.created", name=token.name, scopes=",".join(scopes))
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke at once: HTTP refuses it from the next request, and the maker's open sockets
    re-check after commit (`access.changed`), so those opened with it close (4401)."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    require_member(actor, token.workshop, manage=True)
    if token.revoked_at is not None:
        raise Refused(_("This token is already revoked."), code="already_revoked")
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    _audit(token.workshop, actor, "api_token.revoked", name=token.name)
    realtime.access_changed(token.created_by)
    return token


# --- Calendar ----------------------------------------------------------------------------


CALENDAR_HOURS_FIELDS = (
    "work_day_start",
    "work_day_end",
    "work_weekdays",
    "observes_public_holidays",
)
CALENDAR_LIST_FIELDS = ("closed_days", "extra_working_days", "break_times")


def _calendar_save(workshop: Workshop, actor: User | None, values: dict[str, Any]) -> Workshop:
    """Write `values` onto the locked `workshop` if the calendar they make is sound; else
    refuse with every problem at once, writing nothing."""
    current = {f: getattr(workshop, f) for f in (*CALENDAR_HOURS_FIELDS, *CALENDAR_LIST_FIELDS)}
    problems = calendar_problems({**current, **values}, today=timezone.localdate())
    if problems:
        raise Refused(problems, code="calendar_invalid")
    changes = {}
    for field, new in values.items():
        old = getattr(workshop, field)
        if old != new:
            changes[field] = [_calendar_jsonable(old), _calendar_jsonable(new)]
            setattr(workshop, field, new)
    if changes:
        workshop.save(update_fields=[*changes, "updated_at"])
        _audit(workshop, actor, "calendar.updated", changes=changes)
        # The projections made on the old calendar are re-made (orders plugs in).
        calendar_changed(workshop)
    return workshop


def _calendar_jsonable(value: Any) -> Any:
    return value if isinstance(value, list) else _jsonable(value)


@transaction.atomic
def workshop_calendar_set_hours(
    *,
    workshop: Workshop,
    actor: User | None,
    work_day_start: datetime.time,
    work_day_end: datetime.time,
    work_weekdays: Iterable[int],
    observes_public_holidays: bool,
) -> Workshop:
    """Set a shop's working hours, weekly working days and whether it closes on public
    holidays. Refused when the shop would never work."""
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    weekdays = "".join(str(d) for d in sorted({int(d) for d in work_weekdays}) if 1 <= d <= 7)
    return _calendar_save(
        workshop,
        actor,
        {
            "work_day_start": work_day_start,
            "work_day_end": work_day_end,
            "work_weekdays": weekdays,
            "observes_public_holidays": bool(observes_public_holidays),
        },
    )


@transaction.atomic
def workshop_calendar_add_days(
    *,
    workshop: Workshop,
    actor: User | None,
    closed: bool,
    first: datetime.date,
    last: datetime.date | None = None,
    note: str = "",
) -> Workshop:
    """Add a range of closed days (GW, お盆, 年末年始 …) or of extra working days (an
    alternate Saturday …). Adding a range already listed changes nothing."""
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    field = "closed_days" if closed else "extra_working_days"
    entry = DayRange(first, last or first, note.strip()[:50])
    ranges = parse_ranges(getattr(workshop, field))
    if any(r.key == entry.key for r in ranges):
        return workshop
    ranges = sorted([*ranges, entry], key=lambda r: (r.first, r.last))
    return _calendar_save(workshop, actor, {field: [r.as_json() for r in ranges]})


@transaction.atomic
def workshop_calendar_add_break(
    *, workshop: Workshop, actor: User | None, start: datetime.time, end: datetime.time
) -> Workshop:
    """Add a break (昼休み …): time inside the working day that is not worked."""
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    entry = Break(start, end)
    breaks = parse_breaks(workshop.break_times)
    if any(b.key == entry.key for b in breaks):
        return workshop
    breaks = sorted([*breaks, entry], key=lambda b: (b.start, b.end))
    return _calendar_save(workshop, actor, {"break_times": [b.as_json() for b in breaks]})


@transaction.atomic
def workshop_calendar_remove(
    *, workshop: Workshop, actor: User | None, field: str, key: str
) -> Workshop:
    """Remove one entry (its `key`) from a calendar list: closed days, extra working days or
    breaks. Removing what is not there changes nothing; removing what the shop needs to work
    at all (its only extra working day, say) is refused."""
    if field not in CALENDAR_LIST_FIELDS:
        raise Refused(_("No such calendar entry."), code="not_found")
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    parse = parse_breaks if field == "break_times" else parse_ranges
    entries = parse(getattr(workshop, field))
    kept = [e for e in entries if e.key != key]
    if len(kept) == len(entries):
        return workshop
    return _calendar_save(workshop, actor, {field: [e.as_json() for e in kept]})
