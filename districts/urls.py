"""The district dashboard's pages (included from shopnet/urls.py; its API routes are in
shopnet/api_urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("districts/<slug:slug>/dashboard/", views.district_dashboard, name="district_dashboard"),
    path(
        "districts/<slug:slug>/dashboard/<slug:table>.csv",
        views.district_dashboard_csv,
        name="district_dashboard_csv",
    ),
    path("districts/<slug:slug>/targets/", views.district_targets, name="district_targets"),
    path(
        "districts/<slug:slug>/targets/<uuid:target_uuid>/delete/",
        views.district_target_delete,
        name="district_target_delete",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/dashboard/",
        views.workshop_dashboard,
        name="workshop_dashboard",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/dashboard.csv",
        views.workshop_dashboard_csv,
        name="workshop_dashboard_csv",
    ),
]
