"""Who may act for a workshop."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.services import Refused

from .models import Membership, User, Workshop


def remember_roles(user: User, managed: set[int], floor: set[int]) -> None:
    """Keep the user's shops as an access check just read them (`user_roles`), on this user
    object (one request's), so that `require_member` for the same request needs no query of
    its own. Only a membership found is taken from here: a shop missing is asked again."""
    user._roles_read = (frozenset(managed), frozenset(floor))


def require_member(user: User | None, workshop: Workshop, *, manage: bool = False) -> None:
    """`user` must belong to `workshop` (as owner or manager when `manage`)."""
    if user is None:
        return  # system actions (commands, seeding) act for the shop itself
    read = getattr(user, "_roles_read", None)
    if read is not None and (workshop.pk in read[0] or (not manage and workshop.pk in read[1])):
        return
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
