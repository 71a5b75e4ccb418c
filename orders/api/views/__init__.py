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

from .jobs import JobCancel, JobClose, JobDetail, JobEvents, JobList, JobSteps
from .orders import (
    OrderAccept,
    OrderDecline,
    OrderDetail,
    OrderDocuments,
    OrderList,
    OrderWithdraw,
)
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
    "HandOffReceive",
    "JobCancel",
    "JobClose",
    "JobDetail",
    "JobEvents",
    "JobList",
    "JobSteps",
    "OrderAccept",
    "OrderDecline",
    "OrderDetail",
    "OrderDocuments",
    "OrderList",
    "OrderRate",
    "OrderRatingReply",
    "OrderWithdraw",
    "StepCancel",
    "StepDone",
    "StepHold",
    "StepResume",
    "StepShip",
    "StepStart",
    "WorkshopLoad",
    "WorkshopRatings",
]
