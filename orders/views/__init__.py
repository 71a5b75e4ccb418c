from .floor import floor, floor_step
from .jobs import (
    handoff_receive,
    job_copy,
    job_detail,
    job_edit,
    job_new,
    step_action,
    step_edit,
    step_remove,
    step_ship,
)
from .lists import job_list
from .load import workshop_load
from .orders import (
    order_accept,
    order_change_terms,
    order_decline,
    order_detail,
    order_document_pdf,
    order_list,
    order_new,
    order_rate,
    order_rating_reply,
    order_withdraw,
)
from .ratings import workshop_ratings
from .traveler import job_traveler

__all__ = [
    "floor",
    "floor_step",
    "handoff_receive",
    "job_copy",
    "job_detail",
    "job_edit",
    "job_list",
    "job_new",
    "job_traveler",
    "order_accept",
    "order_change_terms",
    "order_decline",
    "order_detail",
    "order_document_pdf",
    "order_list",
    "order_new",
    "order_rate",
    "order_rating_reply",
    "order_withdraw",
    "step_action",
    "step_edit",
    "step_remove",
    "step_ship",
    "workshop_load",
    "workshop_ratings",
]
