"""Every write about shops outside shopnet: bringing one in with a request, its capability
links (issue, revoke, re-issue), the log of their uses, and joining shopnet.

What the shop does through its link (accept, decline, counter, start, done, ship) is not
here: the link acts as the shop's link user, through the same order services a member uses.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.services import Problems, Refused
from orders.models import Job, Order, Step
from orders.services import routing
from workshops import services as workshop_services
from workshops.access import require_member
from workshops.models import Membership, Role, User, Workshop

from .links import token_for, token_hash
from .models import CapabilityLink, LinkUse, OutsideShop

FAX_RE = re.compile(r"^\+?[0-9()\- ]{10,20}$")


def fax_digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def outside_shop_problems(data: dict[str, Any]) -> Problems:
    """Every problem with the outside shop's details, all at once (reads only)."""
    errors = Problems()
    if not (data.get("name") or "").strip():
        errors.add("name", _("Enter the shop's name."), "name_required")
    email = (data.get("email") or "").strip()
    fax = (data.get("fax") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.add("email", _("Enter a valid e-mail address."), "email_invalid")
    if fax and (not FAX_RE.match(fax) or not 10 <= len(fax_digits(fax)) <= 11):
        errors.add("fax", _("Enter the FAX number with its area code (10 or 11 digits)."), "fax")
    if not email and not fax:
        errors.add(
            "__all__",
            _("Give an e-mail address or a FAX number: the request must reach the shop."),
            "no_contact",
        )
    return errors


def invited_shop(hub: Workshop, *, email: str = "", fax: str = "") -> OutsideShop | None:
    """The outside shop `hub` already brought in with this e-mail (or, without one, this FAX
    number), not yet a member."""
    shops = OutsideShop.objects.select_related("workshop", "link_user").filter(
        workshop__invited_by=hub, workshop__is_member=False
    )
    if email:
        return shops.filter(email__iexact=email.strip()).first()
    digits = fax_digits(fax)
    if digits:
        return next((s for s in shops.exclude(fax="") if fax_digits(s.fax) == digits), None)
    return None


def _link_user_name(name: str) -> str:
    # The link's name in the event log and the drawings' access log: a name, in the
    # project's first language, kept as written like any person's name.
    with translation.override("ja"):
        return (_("%(shop)s (link)") % {"shop": name})[:100]


def _create_outside_shop(*, hub: Workshop, actor: User | None, data: dict[str, Any]) -> OutsideShop:
    workshop = workshop_services.workshop_create(
        actor=actor,
        name=data["name"].strip()[:200],
        address=(data.get("address") or "").strip()[:300],
    )
    workshop.is_member = False
    workshop.invited_by = hub
    workshop.save(update_fields=["is_member", "invited_by"])
    link_user = User(
        username=f"outside-{workshop.uuid.hex}",
        display_name=_link_user_name(workshop.name),
        is_active=False,  # nobody signs in as the link
    )
    link_user.set_unusable_password()
    link_user.save()
    Membership.objects.create(workshop=workshop, user=link_user, role=Role.OWNER)
    return OutsideShop.objects.create(
        workshop=workshop,
        contact_name=(data.get("contact_name") or "").strip()[:100],
        email=(data.get("email") or "").strip(),
        fax=(data.get("fax") or "").strip(),
        link_user=link_user,
        created_by=actor,
    )


def default_expiry(order: Order) -> dt.datetime:
    """30 days after the order's delivery date, and at least 60 days from now (settings)."""
    now = timezone.now()
    after_due = timezone.make_aware(
        dt.datetime.combine(
            order.due_date + dt.timedelta(days=settings.OUTSIDE_LINK_DAYS_AFTER_DUE), dt.time.max
        )
    )
    return max(after_due, now + dt.timedelta(days=settings.OUTSIDE_LINK_MIN_DAYS))


def _issue(order: Order, shop: OutsideShop, actor: User | None) -> CapabilityLink:
    link = CapabilityLink(
        order=order, shop=shop, created_by=actor, expires_at=default_expiry(order), token_hash=""
    )
    link.token_hash = token_hash(token_for(link))
    link.save()
    if shop.email:
        transaction.on_commit(lambda: _mail_later(link.pk))
    return link


def _mail_later(link_id: int) -> None:
    from .tasks import mail_link  # tasks imports this module

    mail_link.enqueue(link_id)


@transaction.atomic
def outside_order_request(
    *,
    job: Job,
    actor: User,
    steps: Iterable[Step],
    terms: dict[str, Any],
    shop: dict[str, Any],
    idempotency_key: str | None = None,
) -> CapabilityLink:
    """Route `steps` of the hub's `job` to a shop outside shopnet: the shop the hub already
    brought in with the same e-mail (or FAX) is used again, else one is made; the order is
    requested through the routing service like any other, and a capability link is issued
    (and mailed by the worker when there is an e-mail). Refused with every problem at once,
    the shop's and the order's, with nothing written."""
    require_member(actor, job.owner, manage=True)
    steps = list(steps)
    errors = outside_shop_problems(shop)
    errors_order = routing.order_request_problems(
        job=job, buyer=job.owner, supplier=None, steps=steps, terms=terms
    )
    for field, messages in errors_order.items():
        for message in messages:
            errors.add(field, message, errors_order.code or "refused")
    if errors:
        raise Refused(errors)
    outside = invited_shop(job.owner, email=shop.get("email", ""), fax=shop.get("fax", ""))
    if outside is None:
        outside = _create_outside_shop(hub=job.owner, actor=actor, data=shop)
    order = routing.order_request(
        job=job,
        actor=actor,
        idempotency_key=idempotency_key,
        supplier=outside.workshop,
        steps=steps,
        terms=terms,
    )
    if getattr(order, "_replayed", False):
        existing = CapabilityLink.objects.live().filter(order=order).first()
        if existing is not None:
            return existing
    return _issue(order, outside, actor)


def _hub_may(actor: User, order: Order) -> None:
    require_member(actor, order.buyer, manage=True)


@transaction.atomic
def link_revoke(*, link: CapabilityLink, actor: User) -> CapabilityLink:
    """The hub ends a link at once: every route of it answers 404 from now on."""
    link = CapabilityLink.objects.select_for_update().select_related("order").get(pk=link.pk)
    _hub_may(actor, link.order)
    if link.revoked_at is None:
        link.revoked_at, link.revoked_by = timezone.now(), actor
        link.save(update_fields=["revoked_at", "revoked_by"])
    return link


@transaction.atomic
def link_reissue(*, order: Order, actor: User) -> CapabilityLink:
    """A new link for the order (mailed again when there is an e-mail); every older one of
    the order dies with it. For a link lost, forwarded too far, or expired."""
    order = Order.objects.select_for_update().select_related("supplier").get(pk=order.pk)
    _hub_may(actor, order)
    shop = OutsideShop.objects.filter(workshop=order.supplier, workshop__is_member=False).first()
    if shop is None:
        raise Refused(_("This order's supplier is on shopnet: it needs no link."), code="member")
    now = timezone.now()
    CapabilityLink.objects.filter(order=order, revoked_at=None).update(
        revoked_at=now, revoked_by=actor
    )
    return _issue(order, shop, actor)


def link_use_log(link: CapabilityLink, action: str, *, ip: str | None, ok: bool = True) -> LinkUse:
    """Note one use of a link (its own small write: a refused action is logged too)."""
    now = timezone.now()
    CapabilityLink.objects.filter(pk=link.pk).update(last_used_at=now)
    return LinkUse.objects.create(link=link, action=action, ip=ip or None, ok=ok, at=now)


def join_problems(*, email: str, password: str, name: str) -> Problems:
    errors = Problems()
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        errors.add("email", _("Enter a valid e-mail address."), "email_invalid")
    else:
        if User.objects.filter(username__iexact=email).exists() or (
            User.objects.filter(email__iexact=email).exists()
        ):
            errors.add(
                "email",
                _("This e-mail address already has an account. Sign in, or use another one."),
                "email_taken",
            )
    if not (name or "").strip():
        errors.add("name", _("Enter your name."), "name_required")
    try:
        validate_password(password or "", User(username=email, email=email))
    except ValidationError as error:
        for message in error.messages:
            errors.add("password", message, "password")
    return errors


@transaction.atomic
def outside_join(*, link: CapabilityLink, email: str, password: str, name: str) -> User:
    """The shop behind a live link joins shopnet in one step: a new account becomes the owner
    of its workshop, which is a member from now on with every order and event it has; it
    joins the districts of the hub that brought it in. Its links end (the owner signs in
    from now on) and the link user leaves the workshop, its name staying in the history."""
    link = CapabilityLink.objects.select_for_update().get(pk=link.pk)
    workshop = Workshop.objects.select_for_update().get(pk=link.shop.workshop_id)
    if not link.is_live or workshop.is_member:
        raise Refused(_("This link no longer works."), code="link_dead")
    errors = join_problems(email=email, password=password, name=name)
    if errors:
        raise Refused(errors)
    email = email.strip()
    user = User.objects.create_user(
        username=email, email=email, password=password, display_name=name.strip()[:100]
    )
    now = timezone.now()
    workshop.is_member, workshop.joined_at = True, now
    workshop.save(update_fields=["is_member", "joined_at", "updated_at"])
    if workshop.invited_by_id is not None:
        workshop.districts.add(*workshop.invited_by.districts.all())
    workshop_services.membership_add(workshop=workshop, user=user, role=Role.OWNER, actor=user)
    Membership.objects.filter(workshop=workshop, user=link.shop.link_user_id).delete()
    CapabilityLink.objects.filter(shop_id=link.shop_id, revoked_at=None).update(revoked_at=now)
    return user
