"""Shops outside shopnet: the contact a hub gave for a shop that is not a member yet, the
capability links that carry one order to it, and every use of those links
(docs/OUTSIDE_SHOPS.md)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orders.models import Order
from workshops.models import Workshop


class OutsideShop(models.Model):
    """How to reach a shop a hub routed work to before it joined. The shop itself is a
    `Workshop` with `is_member=False`; `link_user` is the account its link acts as (no
    password, inactive: nobody signs in with it), so that every service, access rule and
    event works unchanged and the event log names「<shop>（リンク）」."""

    workshop = models.OneToOneField(Workshop, on_delete=models.CASCADE, related_name="outside")
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    fax = models.CharField(_("FAX"), max_length=30, blank=True)
    link_user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="outside_shop"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("outside shop")
        verbose_name_plural = _("outside shops")

    def __str__(self) -> str:
        return self.workshop.name


class CapabilityLinkQuerySet(models.QuerySet):
    def live(self) -> CapabilityLinkQuerySet:
        """Links that still open their page: not revoked, not expired, their shop not yet a
        member (a shop that joined signs in instead)."""
        return self.filter(
            revoked_at=None,
            expires_at__gt=timezone.now(),
            shop__workshop__is_member=False,
            shop__workshop__is_active=True,
        )


class CapabilityLink(models.Model):
    """A capability: whoever holds the token may do, for this one order, what its supplier's
    owner could, and nothing else. The token is never stored, only its SHA-256 (links.py)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="outside_links")
    shop = models.ForeignKey(OutsideShop, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mailed_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = CapabilityLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("capability link")
        verbose_name_plural = _("capability links")

    def __str__(self) -> str:
        return f"{self.shop} → {self.order_id}"

    @property
    def is_live(self) -> bool:
        workshop = self.shop.workshop
        return (
            self.revoked_at is None
            and self.expires_at > timezone.now()
            and not workshop.is_member
            and workshop.is_active
        )


class LinkAction(models.TextChoices):
    VIEW = "view", pgettext_lazy("link action", "Opened")
    ACCEPT = "accept", pgettext_lazy("link action", "Accepted")
    DECLINE = "decline", pgettext_lazy("link action", "Declined")
    COUNTER = "counter", pgettext_lazy("link action", "Counter-offer")
    START = "start", pgettext_lazy("link action", "Started")
    DONE = "done", pgettext_lazy("link action", "Done")
    SHIP = "ship", pgettext_lazy("link action", "Shipped")
    DRAWING = "drawing", pgettext_lazy("link action", "Drawing opened")
    DOCUMENT = "document", pgettext_lazy("link action", "Order document opened")
    JOIN = "join", pgettext_lazy("link action", "Joined shopnet")


class LinkUse(models.Model):
    """One use of a link: which link, when, what it did, from where. Append-only; the hub
    reads it on the link's page. A refused write is logged too (`ok` False)."""

    link = models.ForeignKey(CapabilityLink, on_delete=models.CASCADE, related_name="uses")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=10, choices=LinkAction.choices)
    ip = models.GenericIPAddressField(null=True, blank=True)
    ok = models.BooleanField(default=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["link", "at"])]

    def __str__(self) -> str:
        return f"{self.link_id} {self.action} at {self.at:%Y-%m-%d %H:%M}"
