from django.urls import path

from . import link_views, views

urlpatterns = [
    # The hub's side (signed in).
    path("outside/jobs/<uuid:job_uuid>/route/", views.outside_route, name="outside_route"),
    path("outside/orders/<uuid:order_uuid>/", views.order_link, name="outside_order_link"),
    path(
        "outside/orders/<uuid:order_uuid>/revoke/",
        views.order_link_revoke,
        name="outside_order_link_revoke",
    ),
    path(
        "outside/orders/<uuid:order_uuid>/reissue/",
        views.order_link_reissue,
        name="outside_order_link_reissue",
    ),
    path(
        "outside/orders/<uuid:order_uuid>/sheet.pdf",
        views.order_link_sheet,
        name="outside_order_link_sheet",
    ),
    # The capability link (no account). The page's address is short, for the QR code; every
    # other route also names the order, and a link used with another order's id is a 404.
    path("l/<str:token>/", link_views.link_page, name="outside_link"),
    path(
        "l/<str:token>/<str:order_uuid>/accept/", link_views.link_accept, name="outside_link_accept"
    ),
    path(
        "l/<str:token>/<str:order_uuid>/decline/",
        link_views.link_decline,
        name="outside_link_decline",
    ),
    path(
        "l/<str:token>/<str:order_uuid>/counter/",
        link_views.link_counter,
        name="outside_link_counter",
    ),
    path(
        "l/<str:token>/<str:order_uuid>/steps/<str:step_uuid>/start/",
        link_views.link_step_start,
        name="outside_link_start",
    ),
    path(
        "l/<str:token>/<str:order_uuid>/steps/<str:step_uuid>/done/",
        link_views.link_step_done,
        name="outside_link_done",
    ),
    path(
        "l/<str:token>/<str:order_uuid>/steps/<str:step_uuid>/ship/",
        link_views.link_step_ship,
        name="outside_link_ship",
    ),
    path(
        "l/<str:token>/<str:order_uuid>/drawings/<str:revision_uuid>/<int:page>/",
        link_views.link_drawing_page,
        name="outside_link_drawing",
    ),
    path(
        "l/<str:token>/<str:order_uuid>/documents/<int:version>.pdf",
        link_views.link_document,
        name="outside_link_document",
    ),
    path("l/<str:token>/<str:order_uuid>/join/", link_views.link_join, name="outside_link_join"),
]
