from django.urls import path

from . import views

urlpatterns = [
    # Before workshops' home: the same address, now the to-do list.
    path("", views.home, name="todo_home"),
    path("notifications/", views.inbox_page, name="inbox"),
    path("notifications/settings/", views.preferences, name="notification_preferences"),
    path(
        "notifications/unsubscribe/<str:token>/",
        views.unsubscribe,
        name="notifications_unsubscribe",
    ),
    path(
        "notifications/devices/<uuid:subscription_uuid>/remove/",
        views.push_device_remove,
        name="push_device_remove",
    ),
    path("notifications/read/", views.notifications_read_all, name="notifications_read_all"),
    path(
        "notifications/<uuid:notification_uuid>/open/",
        views.notification_open,
        name="notification_open",
    ),
]
