"""Who may act for a workshop."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.services import Refused

from .models import Membership, User, Workshop


def require_member(user: User | None, workshop: Workshop, *, manage: bool = False) -> None:
    """`user` must belong to `workshop` (as owner or manager when `manage`)."""
    if user is None:
        return  # system actions (commands, seeding) act for the shop itself
    members = (
        Membership.objects.managed_by(user) if manage else Membership.objects.filter(user=user)
    )
    if not members.filter(workshop=workshop).exists():
        raise Refused(
            _("Only members of %(workshop)s may do this.") % {"workshop": workshop.display_name}
            if not manage
            else _("Only an owner or manager of %(workshop)s may do this.")
            % {"workshop": workshop.display_name},
            code="not_allowed",
        )
