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
    order_change_terms,
    order_decide,
    order_detail,
    order_document_pdf,
    order_list,
    order_new,
)
from .ratings import order_rate, order_rating_reply, workshop_ratings
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
    "order_change_terms",
    "order_decide",
    "order_detail",
    "order_document_pdf",
    "order_list",
    "order_new",
    "order_rate",
    "order_rating_reply",
    "step_action",
    "step_edit",
    "step_remove",
    "step_ship",
    "workshop_load",
    "workshop_ratings",
]
