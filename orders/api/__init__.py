"""Orders JSON API: serializers and views."""

from .views import (  # noqa: F401
    HandOffReceive,
    JobDetail,
    JobEvents,
    JobList,
    JobSteps,
    OrderAccept,
    OrderAction,
    OrderDecline,
    OrderDetail,
    OrderDocuments,
    OrderList,
    OrderWithdraw,
    StepAction,
    StepCancel,
    StepDone,
    StepHold,
    StepResume,
    StepShip,
    StepStart,
)
