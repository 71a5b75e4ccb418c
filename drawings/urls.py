from django.urls import path

from . import views

urlpatterns = [
    path("jobs/<uuid:job_uuid>/drawings/", views.job_drawings, name="job_drawings"),
    path(
        "jobs/<uuid:job_uuid>/drawings/panel/",
        views.job_drawings_panel,
        name="job_drawings_panel",
    ),
    path("jobs/<uuid:job_uuid>/drawings/upload/", views.drawing_upload, name="drawing_upload"),
    path("jobs/<uuid:job_uuid>/drawings/log/", views.drawing_log, name="drawing_log"),
    path("drawings/<uuid:drawing_uuid>/", views.drawing_detail, name="drawing_detail"),
    path("drawings/<uuid:drawing_uuid>/steps/", views.drawing_steps, name="drawing_steps"),
    path("orders/<uuid:order_uuid>/drawings/", views.order_drawings, name="order_drawings"),
    path(
        "drawings/revisions/<uuid:revision_uuid>/",
        views.revision_viewer,
        name="revision_viewer",
    ),
    path(
        "drawings/revisions/<uuid:revision_uuid>/thumbnail",
        views.revision_thumbnail,
        name="revision_thumbnail",
    ),
    path(
        "drawings/revisions/<uuid:revision_uuid>/pages/<int:page>",
        views.revision_page,
        name="revision_page",
    ),
    path(
        "drawings/revisions/<uuid:revision_uuid>/download",
        views.revision_download,
        name="revision_download",
    ),
]
