"""API tokens: how a key is made, found and checked, for HTTP (`TokenAuthentication`) and for
sockets (orders/consumers.py) alike.

Two kinds of key travel in `Authorization: Token <key>`:
- a workshop's token (`ApiToken`), made by a manager on the shop's token page: `shn_…`, kept as
  a digest, scoped (read, write, webhooks), revocable, acting as its maker while they manage
  the shop;
- an operator's token (`issue_token`, DRF's `authtoken.Token`): one per user, full access.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions
from rest_framework.authtoken.models import Token

from core.prepared import Prepared

from .models import ApiToken, TokenScope

# How stale `last_used_at` may get before a request writes it again: a busy integration costs
# one UPDATE a minute, not one per request.
LAST_USED_EVERY = datetime.timedelta(minutes=1)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def new_key() -> str:
    return ApiToken.PREFIX + secrets.token_urlsafe(30)


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def is_workshop_key(key: str | None) -> bool:
    return bool(key) and key.startswith(ApiToken.PREFIX)


def live_token(key: str) -> ApiToken | None:
    """The workshop token `key` names if it still holds (`ApiTokenQuerySet.live`)."""
    return (
        ApiToken.objects.live().select_related("created_by").filter(digest=digest_of(key)).first()
    )


def user_for_key(key: str | None):
    """The active user a key (either kind) acts as on a live stream, or None."""
    if not key:
        return None
    if is_workshop_key(key):
        token = live_token(key)
        # A stream is a read: a token without the read scope opens none.
        if token is None or not token.allows(TokenScope.READ):
            return None
        return token.created_by
    found = Token.objects.select_related("user").filter(key=key).first()
    if found is None or not found.user.is_active:
        return None
    return found.user


def live_pairs(keys: set[str]) -> set[tuple[str, int]]:
    """(key, user pk) for each of `keys` that still holds: two queries, whatever their number."""
    workshop_keys = {k for k in keys if is_workshop_key(k)}
    operator_keys = keys - workshop_keys
    pairs: set[tuple[str, int]] = set()
    if operator_keys:
        pairs |= set(
            Token.objects.filter(key__in=operator_keys, user__is_active=True).values_list(
                "key", "user_id"
            )
        )
    if workshop_keys:
        by_digest = {digest_of(k): k for k in workshop_keys}
        for digest, user_id in (
            ApiToken.objects.live()
            .filter(digest__in=by_digest)
            .values_list("digest", "created_by_id")
        ):
            pairs.add((by_digest[digest], user_id))
    return pairs


def touch(token: ApiToken) -> None:
    """Record that the token was used (at most once per LAST_USED_EVERY)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


class OutOfScope(exceptions.PermissionDenied):
    default_detail = _("This API token's scopes do not allow this request.")
    default_code = "token_scope"


class TokenScopes(permissions.BasePermission):
    """A workshop token may do what its scopes say: `read` reads, `write` also writes; a view
    that sets `token_scope` (the webhook endpoints: `webhooks`) asks for that scope instead.
    Sessions and operators' tokens carry every scope. In DEFAULT_PERMISSION_CLASSES, so no
    view can forget it."""

    def has_permission(self, request, view) -> bool:
        token = getattr(request, "auth", None)
        if not isinstance(token, ApiToken):
            return True
        needed = getattr(view, "token_scope", None)
        if needed is None:
            needed = TokenScope.READ if request.method in SAFE_METHODS else TokenScope.WRITE
        if not token.allows(needed):
            raise OutOfScope()
        return True


OPERATOR_TOKEN = Prepared(
    lambda key: Token.objects.select_related("user").filter(key=key)[:1], str, name="operator token"
)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, which also knows workshop tokens."""

    def authenticate_credentials(self, key: str):
        if not is_workshop_key(key):
            # DRF's lookup and answers, compiled once (core/prepared.py).
            found = OPERATOR_TOKEN(key)
            if not found:
                raise exceptions.AuthenticationFailed(_("Invalid token."))
            if not found[0].user.is_active:
                raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
            return found[0].user, found[0]
        token = live_token(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        touch(token)
        return token.created_by, token
