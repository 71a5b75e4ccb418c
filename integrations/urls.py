from django.urls import path

from . import views

urlpatterns = [
    path("workshops/<uuid:workshop_uuid>/webhooks/", views.webhook_list, name="webhook_list"),
    path(
        "workshops/<uuid:workshop_uuid>/webhooks/<uuid:endpoint_uuid>/",
        views.webhook_detail,
        name="webhook_detail",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/webhooks/<uuid:endpoint_uuid>/enable/",
        views.webhook_enable,
        name="webhook_enable",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/webhooks/<uuid:endpoint_uuid>/delete/",
        views.webhook_delete,
        name="webhook_delete",
    ),
]
