"""The schema's description, shown at the top of `/api/v1/docs/`: what every integrator must
know before the first call (docs/API.md says the same at length). Plain text, imported by the
settings, so nothing here imports Django or DRF."""

DESCRIPTION = """
Shared ordering platform for machine shops (仲間まわし). Full guide: `docs/API.md`.

## Authentication

Send `Authorization: Token <key>`. A shop's owner or manager makes named tokens on the shop's
**API tokens** page (工場の編集 → APIトークン), each with scopes:

| scope | allows |
|---|---|
| `read` | every `GET` |
| `write` | reads and writes (`POST`, `PUT`, `PATCH`, `DELETE`) |
| `webhooks` | the shop's webhook endpoints (`/api/v1/workshops/<uuid>/webhooks/`) |

A token acts as the manager who made it, while they manage the shop. A request beyond its
scopes is `403` with code `token_scope`; a revoked token is refused at once (`401`/`403`,
`authentication_failed`), and WebSockets opened with it close with code 4401.
Operators can still print a personal token with `manage.py issue_token <username>`.

## Errors

Every error has one body: `{"detail": "...", "code": "...", "fields": {...}}`.

- `detail`: for a person, in the caller's language (`Accept-Language`).
- `code`: for a program; stable, never translated (a refusal's own code such as
  `bad_state_start`, or `invalid`, `not_found`, `permission_denied`, `not_authenticated`,
  `token_scope`, `throttled`…). Branch on it, not on `detail`.
- `fields`: messages per input field; `{}` when none is named.

A business rule that says no is `400` with its code and nothing written. Objects the caller may
not see are `404`, never `403`: existence does not leak.

## Idempotency keys

Send `Idempotency-Key: <up to 64 characters>` with any write you may retry. The same key from
the same user applies once: a repeat answers `200` with the object as it is now, the header
`Idempotent-Replayed: true`, and no second event. A key reused for another action or object is
refused (`key_reused`); over 64 characters, `key_too_long`. Make a new key per intended change.

## The event cursor

Every job's events carry a per-job `seq` that only grows. Keep the last `seq` you received and
pass it as `after`: `GET /api/v1/jobs/<uuid>/events?after=<seq>` answers the events after it
(`next_after` to continue), and the WebSocket `/ws/jobs/<uuid>/?after=<seq>` replays the same
before going live. The socket is a doorbell; the log is the truth: after any gap, read the log.

## Webhooks

A shop can register HTTPS endpoints for event kinds. Each delivery is a `POST` of one event,
signed with the endpoint's secret: `Shopnet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<body>">`, with `Shopnet-Delivery: <uuid>` to process each delivery exactly once.
Verify the signature, refuse a `t` more than 5 minutes away from your clock, and remember the
delivery ids you have processed. See `docs/WEBHOOKS.md`.
"""
