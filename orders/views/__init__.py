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
from .orders import (
    order_change_terms,
    order_decide,
    order_detail,
    order_document_pdf,
    order_list,
    order_new,
)

__all__ = [
    "handoff_receive",
    "job_copy",
    "job_detail",
    "job_edit",
    "job_list",
    "job_new",
    "order_change_terms",
    "order_decide",
    "order_detail",
    "order_document_pdf",
    "order_list",
    "order_new",
    "step_action",
    "step_edit",
    "step_remove",
    "step_ship",
]
