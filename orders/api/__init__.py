"""Orders JSON API: serializers and views."""

from .views import (  # noqa: F401
    JobList,
    JobDetail,
    JobSteps,
    JobEvents,
    StepAction,
    StepStart,
    StepDone,
    StepHold,
    StepResume,
    StepCancel,
    StepShip,
    HandOffReceive,
    OrderList,
    OrderDetail,
    OrderDocuments,
    OrderAction,
    OrderAccept,
    OrderDecline,
    OrderWithdraw,
)
