"""Every write about jobs, steps, orders and hand-offs. Views, API, commands call these."""

from core.services import Refused
from workshops.access import require_member

from .documents import document_diff, document_issue
from .jobs import (
    job_copy,
    job_create,
    job_update,
    step_add,
    step_change,
    step_insert,
    step_link,
    step_remove,
    step_unlink,
    step_update,
)
from .progress import (
    HOLD_REASONS,
    TRANSITIONS,
    allows,
    handoff_receive,
    handoff_ship,
    recompute,
    step_cancel,
    step_done,
    step_hold,
    step_resume,
    step_start,
)
from .ratings import rating_create, rating_reply, workshop_rating_refresh
from .routing import (
    PAYMENT_DAYS_LIMIT,
    check_terms,
    order_accept,
    order_change_terms,
    order_decline,
    order_request,
    order_request_problems,
    order_withdraw,
    route_requirements,
)

__all__ = [
    "HOLD_REASONS",
    "PAYMENT_DAYS_LIMIT",
    "TRANSITIONS",
    "Refused",
    "allows",
    "check_terms",
    "document_diff",
    "document_issue",
    "handoff_receive",
    "handoff_ship",
    "job_copy",
    "job_create",
    "job_update",
    "order_accept",
    "order_change_terms",
    "order_decline",
    "order_request",
    "order_request_problems",
    "order_withdraw",
    "rating_create",
    "rating_reply",
    "recompute",
    "require_member",
    "route_requirements",
    "step_add",
    "step_cancel",
    "step_change",
    "step_done",
    "step_hold",
    "step_insert",
    "step_link",
    "step_remove",
    "step_resume",
    "step_start",
    "step_unlink",
    "step_update",
    "workshop_rating_refresh",
]
