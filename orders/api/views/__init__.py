"""JSON API for jobs, parts, steps, orders and hand-offs (/api/v1/). Integrators and tablets use it.

Reads go through the access helpers in `access.py` (anything the caller may not see is a
404); writes call the services, which are the only writers. A service's refusal is left to the
API's error handler (`core/api.py`): a 400 with the refusal's code, its message and its
messages per field. Writes take an `Idempotency-Key` header: a key is applied once per user
and a repeat is answered with the object the first call made (`common.py`).

One module per subject: `jobs`, `parts` (parts, the step DAG and assemblies), `steps`
(transitions, shipping, receiving), `handoffs` (inspection, returns, rework, supplied
material), `orders`, `ratings`. `shopnet/api_urls.py` names the views through this package.
"""

from .handoffs import HandOffInspect, HandOffReturn, HandOffRework, OrderSupply
from .jobs import JobCancel, JobClose, JobDetail, JobEvents, JobList, JobSteps
from .orders import (
    JobOrders,
    OrderAccept,
    OrderDecline,
    OrderDetail,
    OrderDocuments,
    OrderList,
    OrderWithdraw,
)
from .parts import JobParts, PartDetail, StepDetail, StepInputs, StepLinkDetail, StepLinks
from .ratings import OrderRate, OrderRatingReply, WorkshopLoad, WorkshopRatings
from .steps import (
    HandOffReceive,
    StepCancel,
    StepDone,
    StepHold,
    StepResume,
    StepShip,
    StepStart,
)

__all__ = [
    "HandOffInspect",
    "HandOffReceive",
    "HandOffReturn",
    "HandOffRework",
    "JobCancel",
    "JobClose",
    "JobDetail",
    "JobEvents",
    "JobList",
    "JobOrders",
    "JobParts",
    "JobSteps",
    "OrderAccept",
    "OrderDecline",
    "OrderDetail",
    "OrderDocuments",
    "OrderList",
    "OrderRate",
    "OrderRatingReply",
    "OrderSupply",
    "OrderWithdraw",
    "PartDetail",
    "StepCancel",
    "StepDetail",
    "StepDone",
    "StepHold",
    "StepInputs",
    "StepLinkDetail",
    "StepLinks",
    "StepResume",
    "StepShip",
    "StepStart",
    "WorkshopLoad",
    "WorkshopRatings",
]
