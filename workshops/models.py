"""Who: users, workshops and their members, districts and their staff, what each shop can make."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.models import LogEntry

from .invoice_number import invoice_number_problems
from .invoice_number import normalize as normalize_invoice_number


class User(AbstractUser):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.username


class LocalizedNameMixin:
    """Objects with `name_ja` / `name_en` show the one matching the active language."""

    name_ja: str
    name_en: str

    @property
    def name(self) -> str:
        if (get_language() or "ja").startswith("en") and self.name_en:
            return self.name_en
        return self.name_ja

    def __str__(self) -> str:
        return self.name


class District(LocalizedNameMixin, models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("slug"), unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    prefecture = models.CharField(_("prefecture"), max_length=20, blank=True)

    class Meta:
        ordering = ["name_ja"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")


class DistrictStaff(models.Model):
    """An association's own account: sees district aggregates, is no workshop's member."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="district_staff"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["district", "user"], name="unique_district_staff")
        ]
        verbose_name = _("district staff")
        verbose_name_plural = _("district staff")

    def __str__(self) -> str:
        return f"{self.user} @ {self.district}"


class Process(LocalizedNameMixin, models.Model):
    """加工法. `code` is the stable identifier the API and filters use."""

    class Category(models.TextChoices):
        CUTTING = "cutting", _("Cutting")
        ABRASIVE = "abrasive", _("Abrasive finishing")
        EDM = "edm", _("Electrical discharge machining")
        FORMING = "forming", _("Forming and cutting of sheet")
        JOINING = "joining", _("Joining")
        HEAT_TREATMENT = "heat_treatment", _("Heat treatment")
        SURFACE = "surface", _("Surface treatment")
        ASSEMBLY = "assembly", _("Assembly")
        INSPECTION = "inspection", _("Inspection")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=16, unique=True)
    jis_symbol = models.CharField(_("JIS B 0122 symbol"), max_length=16, blank=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("process")
        verbose_name_plural = _("processes")


class Material(LocalizedNameMixin, models.Model):
    code = models.CharField(_("code"), max_length=24, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    category = models.CharField(_("category"), max_length=20)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    # Shown by its name in the active language (LocalizedNameMixin), never by its code
    # (TI_GR5 means nothing to a shop owner); the API and the search's URLs use the code.


class Certification(LocalizedNameMixin, models.Model):
    code = models.CharField(_("code"), max_length=24, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")


class WorkshopQuerySet(models.QuerySet):
    def for_listing(self, *, with_machines: bool = False) -> WorkshopQuerySet:
        """Everything a list row shows, in a fixed number of queries whatever the page size."""
        capabilities = Capability.objects.select_related("process").prefetch_related("materials")
        if with_machines:
            capabilities = capabilities.prefetch_related("machines")
        return self.prefetch_related(
            models.Prefetch("capabilities", queryset=capabilities),
            "certifications",
            "districts",
        )

    def active(self) -> WorkshopQuerySet:
        """Member shops in service: what search, profiles, the route form's list, the open
        board and every listing of members show. An outside shop (not yet a member,
        docs/OUTSIDE_SHOPS.md) is left out until it joins."""
        return self.filter(is_active=True, is_member=True)

    def capable_of(
        self,
        process_ids,
        *,
        material: Material | None = None,
        size=None,
        tolerance_um=None,
        lot: int | None = None,
        certifications=(),
    ) -> WorkshopQuerySet:
        """Active workshops that can do every one of `process_ids` under every requirement
        given, each process on one capability row (its materials, envelope, tolerance and
        lots), holding every certification asked for. The one rule the route form, the route
        suggestions, the open board's invitations and `order_request` share."""
        wanted = set(process_ids)
        qs = self.active()
        requirements = {"material": material, "size": size, "tolerance_um": tolerance_um}
        if not any(v is not None and v != [] for v in requirements.values()) and lot is None:
            if wanted:
                qs = qs.filter(
                    pk__in=Capability.objects.filter(process_id__in=wanted)
                    .values("workshop_id")
                    .annotate(n=models.Count("process_id", distinct=True))
                    .filter(n=len(wanted))
                    .values("workshop_id")
                )
        else:
            for process_id in wanted:
                fitting = Capability.objects.meeting(
                    materials=[material] if material is not None else [],
                    size=size,
                    tolerance_um=tolerance_um,
                    lot=lot,
                ).filter(process_id=process_id)
                qs = qs.filter(pk__in=fitting.values("workshop_id"))
        for certification in certifications:
            qs = qs.filter(pk__in=certification.workshops.values("pk"))
        return qs


class Workshop(models.Model):
    """工場: a member shop and the tenant everything else hangs from."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    name_kana = models.CharField(_("name (kana)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    headcount = models.PositiveIntegerField(
        _("headcount"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    founded_year = models.PositiveIntegerField(
        _("founded"), null=True, blank=True, validators=[MinValueValidator(1800)]
    )
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    fax = models.CharField(_("FAX"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    # 適格請求書発行事業者登録番号: "T" and 13 digits, checked in `clean` (invoice_number.py).
    invoice_registration_number = models.CharField(
        _("invoice registration number"), max_length=14, blank=True
    )
    invoice_registrant_is_sole_proprietor = models.BooleanField(
        _("registered as a sole proprietor"), default=False
    )
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    certifications = models.ManyToManyField(
        Certification, blank=True, related_name="workshops", verbose_name=_("certifications")
    )
    districts = models.ManyToManyField(
        District, blank=True, related_name="workshops", verbose_name=_("districts")
    )
    # Kept by the rating service (a workshop's last 12 months); null until rated.
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    rating_count = models.PositiveIntegerField(default=0)
    # A simple shop calendar for projecting when steps finish.
    work_day_start = models.TimeField(_("working day starts"), default=datetime.time(8, 30))
    work_day_end = models.TimeField(_("working day ends"), default=datetime.time(17, 30))
    # ISO weekdays the shop works, Monday = 1: "12345" is Monday to Friday.
    work_weekdays = models.CharField(_("working days"), max_length=7, default="12345")
    # The rest of the shop's calendar (workshops/calendar.py): public holidays, its own closed
    # and extra working days ([{"first", "last", "note"}], ISO dates) and its breaks
    # ([{"start", "end"}], HH:MM). Kept on the row so that a projection reads it for free.
    observes_public_holidays = models.BooleanField(_("closed on public holidays"), default=True)
    closed_days = models.JSONField(_("closed days"), default=list, blank=True)
    extra_working_days = models.JSONField(_("extra working days"), default=list, blank=True)
    break_times = models.JSONField(_("break times"), default=list, blank=True)
    is_active = models.BooleanField(default=True)
    # An outside shop (docs/OUTSIDE_SHOPS.md) is a row a hub made to route work to a shop
    # that is not on shopnet: no member, no search, no profile, until it joins (joined_at).
    is_member = models.BooleanField(_("member of shopnet"), default=True)
    invited_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outside_invitees",
        verbose_name=_("invited by"),
    )
    joined_at = models.DateTimeField(_("joined"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        ordering = ["name_kana", "name"]
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")
        constraints = [
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (Q(latitude__isnull=False) & Q(longitude__isnull=False)),
                name="workshop_lat_lng_together",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        self.invoice_registration_number = normalize_invoice_number(
            self.invoice_registration_number
        )
        problems = invoice_number_problems(
            self.invoice_registration_number,
            sole_proprietor=self.invoice_registrant_is_sole_proprietor,
        )
        if problems:
            raise ValidationError({"invoice_registration_number": problems})

    @property
    def display_name_en(self) -> str:
        return self.name_en or self.name

    @property
    def display_name(self) -> str:
        """The name a reader of the active language knows the shop by: the English name on
        English pages when the shop gave one, else the registered (Japanese) name. Legal
        documents, watermarks and stored texts keep `name`."""
        if (get_language() or "ja").startswith("en") and self.name_en:
            return self.name_en
        return self.name

    @property
    def localized_description(self) -> str:
        if (get_language() or "ja").startswith("en") and self.description_en:
            return self.description_en
        return self.description


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    FLOOR = "floor", _("Floor staff")


# Roles that may change a workshop's profile, capabilities, machines and members.
MANAGING_ROLES = (Role.OWNER, Role.MANAGER)


class MembershipQuerySet(models.QuerySet):
    def managed_by(self, user) -> MembershipQuerySet:
        """The memberships through which `user` manages a workshop (owner or manager): the one
        answer to "which shops does this user manage"."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user, role__in=MANAGING_ROLES)


class Membership(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workshop", "user"], name="unique_membership")
        ]
        ordering = ["workshop__name", "created_at"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.workshop} ({self.role})"

    @property
    def can_manage(self) -> bool:
        return self.role in MANAGING_ROLES


class Invitation(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    # Only a hash of the token is stored; the link carries the token itself.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.workshop} ({self.role})"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class Machine(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="machines")
    maker = models.CharField(_("maker"), max_length=100)
    model_name = models.CharField(_("model"), max_length=100)
    count = models.PositiveIntegerField(_("count"), default=1, validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["maker", "model_name"]
        verbose_name = _("machine")
        verbose_name_plural = _("machines")

    def __str__(self) -> str:
        return f"{self.maker} {self.model_name} × {self.count}"


class CapabilityQuerySet(models.QuerySet):
    def meeting(
        self,
        *,
        materials=(),
        size=None,
        tolerance_um=None,
        lot: int | None = None,
    ) -> CapabilityQuerySet:
        """Capabilities that meet every given requirement at once (one row, one process)."""
        qs = self
        for material in materials:
            qs = qs.filter(pk__in=Capability.objects.filter(materials=material).values("pk"))
        if size:
            qs = qs.fitting_size(size)
        if tolerance_um is not None:
            qs = qs.filter(tolerance_um__lte=tolerance_um)
        if lot is not None:
            qs = qs.filter(
                Q(lot_min__isnull=True) | Q(lot_min__lte=lot),
                Q(lot_max__isnull=True) | Q(lot_max__gte=lot),
            )
        return qs

    def fitting_size(self, dims: list[float]) -> CapabilityQuerySet:
        """Capabilities whose work envelope takes a box of `dims`, turned any way round.

        Both boxes are compared largest side to largest side, which is exactly the test for
        an axis-aligned box fitting in another with the sides free to swap.
        """
        wanted = [*sorted((float(d) for d in dims), reverse=True), 0.0, 0.0]
        l_, w_, h_ = F("max_length_mm"), F("max_width_mm"), F("max_height_mm")
        return (
            self.exclude(max_length_mm__isnull=True)
            .annotate(
                env_major=Greatest(l_, w_, h_),
                env_minor=Least(l_, w_, h_),
            )
            .annotate(env_middle=l_ + w_ + h_ - F("env_major") - F("env_minor"))
            .filter(env_major__gte=wanted[0], env_middle__gte=wanted[1], env_minor__gte=wanted[2])
        )


class Capability(models.Model):
    """対応能力: what one workshop does with one process."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="capabilities")
    process = models.ForeignKey(
        Process, on_delete=models.PROTECT, related_name="capabilities", verbose_name=_("process")
    )
    materials = models.ManyToManyField(
        Material, blank=True, related_name="capabilities", verbose_name=_("materials")
    )
    max_length_mm = models.DecimalField(
        _("max length (mm)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    max_width_mm = models.DecimalField(
        _("max width (mm)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    max_height_mm = models.DecimalField(
        _("max height (mm)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    tolerance_um = models.DecimalField(
        _("tolerance (µm)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    lot_min = models.PositiveIntegerField(_("minimum lot"), null=True, blank=True)
    lot_max = models.PositiveIntegerField(_("maximum lot"), null=True, blank=True)
    lead_time_days = models.PositiveIntegerField(
        _("typical lead time (days)"), null=True, blank=True
    )
    capacity_hours_per_week = models.PositiveIntegerField(
        _("capacity (hours per week)"), null=True, blank=True
    )
    machines = models.ManyToManyField(
        Machine, blank=True, related_name="capabilities", verbose_name=_("machines")
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = CapabilityQuerySet.as_manager()

    class Meta:
        ordering = ["process__sort_order"]
        verbose_name = _("capability")
        verbose_name_plural = _("capabilities")
        constraints = [
            models.UniqueConstraint(fields=["workshop", "process"], name="unique_capability"),
            models.CheckConstraint(
                condition=Q(tolerance_um__isnull=True) | Q(tolerance_um__gt=0),
                name="capability_tolerance_positive",
            ),
            models.CheckConstraint(
                condition=Q(lot_min__isnull=True)
                | Q(lot_max__isnull=True)
                | Q(lot_min__lte=models.F("lot_max")),
                name="capability_lot_range",
            ),
            models.CheckConstraint(
                condition=(
                    Q(max_length_mm__isnull=True)
                    & Q(max_width_mm__isnull=True)
                    & Q(max_height_mm__isnull=True)
                )
                # NULL > 0 is NULL, which a CHECK lets through: say "not null" explicitly.
                | (
                    Q(max_length_mm__isnull=False, max_length_mm__gt=0)
                    & Q(max_width_mm__isnull=False, max_width_mm__gt=0)
                    & Q(max_height_mm__isnull=False, max_height_mm__gt=0)
                ),
                name="capability_size_all_or_none",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workshop} — {self.process}"


AUDIT_ACTION_LABELS = {
    "workshop.created": _("Workshop created"),
    "workshop.profile_updated": _("Profile updated"),
    "workshop.logo_changed": _("Logo changed"),
    "workshop.logo_removed": _("Logo removed"),
    "machine.created": _("Machine added"),
    "machine.updated": _("Machine updated"),
    "machine.deleted": _("Machine removed"),
    "capability.created": _("Capability added"),
    "capability.updated": _("Capability updated"),
    "capability.deleted": _("Capability removed"),
    "invitation.created": _("Member invited"),
    "invitation.revoked": _("Invitation revoked"),
    "membership.joined": _("Member joined"),
    "membership.role_changed": _("Role changed"),
    "membership.removed": _("Member removed"),
    "membership.password_set": _("Member's password set"),
    "api_token.created": _("API token created"),
    "api_token.revoked": _("API token revoked"),
    "calendar.updated": _("Calendar changed"),
}


class AuditEvent(LogEntry):
    """Who changed what about a workshop, and when. `data`: a human-readable summary of what
    changed."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="audit_events")

    class Meta(LogEntry.Meta):
        verbose_name = _("change log entry")
        verbose_name_plural = _("change log")

    @property
    def action_label(self) -> str:
        return str(AUDIT_ACTION_LABELS.get(self.action, self.action))


class TokenScope(models.TextChoices):
    """What an API token may do. `write` includes `read`; `webhooks` manages the shop's webhook
    endpoints through the API."""

    READ = "read", pgettext_lazy("token scope", "Read")
    WRITE = "write", pgettext_lazy("token scope", "Read and write")
    WEBHOOKS = "webhooks", pgettext_lazy("token scope", "Webhooks")


class ApiTokenQuerySet(models.QuerySet):
    def live(self) -> ApiTokenQuerySet:
        """Tokens that authenticate: not revoked, their maker active and still an owner or
        manager of their workshop, the workshop active. The one answer to "does this token
        still hold", for HTTP and for sockets alike."""
        return self.filter(
            revoked_at=None,
            created_by__is_active=True,
            workshop__is_active=True,
            workshop__memberships__user=F("created_by"),
            workshop__memberships__role__in=MANAGING_ROLES,
        )


class ApiToken(models.Model):
    """A named API token a manager made for a workshop on its token page. The secret is shown
    once and kept only as its SHA-256 digest (the secret is 240 random bits, so a fast hash is
    enough). It acts as the manager who made it, and only while they manage the workshop.
    Operators' tokens (`issue_token`, DRF's `authtoken`) are separate and unchanged."""

    PREFIX = "shn_"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    scopes = models.JSONField(_("scopes"), default=list)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=12, editable=False)  # the key's first characters
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def allows(self, scope: str) -> bool:
        if scope == TokenScope.READ:
            return bool({TokenScope.READ, TokenScope.WRITE} & set(self.scopes))
        return scope in self.scopes

    @property
    def scope_labels(self) -> list[str]:
        return [str(label) for value, label in TokenScope.choices if value in self.scopes]
