from django.urls import path

from . import views

urlpatterns = [
    path("floor/", views.floor, name="floor"),
    path("floor/steps/<uuid:step_uuid>/", views.floor_step, name="floor_step"),
    path("jobs/", views.job_list, name="job_list"),
    path("workshops/<uuid:workshop_uuid>/jobs/new/", views.job_new, name="job_new"),
    path("jobs/<uuid:job_uuid>/", views.job_detail, name="job_detail"),
    path("jobs/<uuid:job_uuid>/edit/", views.job_edit, name="job_edit"),
    path("jobs/<uuid:job_uuid>/copy/", views.job_copy, name="job_copy"),
    path("jobs/<uuid:job_uuid>/traveler.pdf", views.job_traveler, name="job_traveler"),
    path("jobs/<uuid:job_uuid>/steps/new/", views.step_edit, name="step_new"),
    path("jobs/<uuid:job_uuid>/steps/<uuid:step_uuid>/edit/", views.step_edit, name="step_edit"),
    path(
        "jobs/<uuid:job_uuid>/steps/<uuid:step_uuid>/remove/",
        views.step_remove,
        name="step_remove",
    ),
    path("jobs/<uuid:job_uuid>/steps/<uuid:step_uuid>/ship/", views.step_ship, name="step_ship"),
    path(
        "jobs/<uuid:job_uuid>/steps/<uuid:step_uuid>/<slug:action>/",
        views.step_action,
        name="step_action",
    ),
    path("handoffs/<uuid:handoff_uuid>/receive/", views.handoff_receive, name="handoff_receive"),
    path("jobs/<uuid:job_uuid>/route/", views.order_new, name="order_new"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/<uuid:order_uuid>/", views.order_detail, name="order_detail"),
    path("orders/<uuid:order_uuid>/terms/", views.order_change_terms, name="order_change_terms"),
    path(
        "orders/<uuid:order_uuid>/documents/<int:version>.pdf",
        views.order_document_pdf,
        name="order_document_pdf",
    ),
    # Ratings.
    path("orders/<uuid:order_uuid>/rating/", views.order_rate, name="order_rate"),
    path(
        "orders/<uuid:order_uuid>/rating/reply/",
        views.order_rating_reply,
        name="order_rating_reply",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/ratings/", views.workshop_ratings, name="workshop_ratings"
    ),
    path("workshops/<uuid:workshop_uuid>/load/", views.workshop_load, name="workshop_load"),
    path("orders/<uuid:order_uuid>/accept/", views.order_accept, name="order_accept"),
    path("orders/<uuid:order_uuid>/decline/", views.order_decline, name="order_decline"),
    path("orders/<uuid:order_uuid>/withdraw/", views.order_withdraw, name="order_withdraw"),
]
