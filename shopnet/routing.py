"""WebSocket routes: the public streams of DESIGN.md."""

from django.urls import path

from districts.consumers import DistrictStream
from notifications.consumers import NotificationStream
from orders import consumers

websocket_urlpatterns = [
    path("ws/jobs/<uuid:job_uuid>/", consumers.JobStream.as_asgi()),
    path("ws/workshops/<uuid:workshop_uuid>/floor/", consumers.WorkshopStream.as_asgi()),
    path("ws/districts/<slug:slug>/", DistrictStream.as_asgi()),
    path("ws/notifications/", NotificationStream.as_asgi()),
]
