from django.urls import path

from .views import (
    counters,
    floor,
    job_end,
    jobs,
    lists,
    load,
    orders,
    parts,
    payments,
    peers,
    ratings,
    records,
    statements,
    terms,
    traveler,
)
from .views import handoffs as handoff_views

urlpatterns = [
    path("floor/", floor.floor, name="floor"),
    path("floor/steps/<uuid:step_uuid>/", floor.floor_step, name="floor_step"),
    path("jobs/", lists.job_list, name="job_list"),
    path("workshops/<uuid:workshop_uuid>/jobs/new/", jobs.job_new, name="job_new"),
    path("jobs/<uuid:job_uuid>/", jobs.job_detail, name="job_detail"),
    path("jobs/<uuid:job_uuid>/edit/", jobs.job_edit, name="job_edit"),
    path("jobs/<uuid:job_uuid>/copy/", jobs.job_copy, name="job_copy"),
    path("jobs/<uuid:job_uuid>/cancel/", job_end.job_end, {"action": "cancel"}, name="job_cancel"),
    path("jobs/<uuid:job_uuid>/close/", job_end.job_end, {"action": "close"}, name="job_close"),
    path("jobs/<uuid:job_uuid>/traveler.pdf", traveler.job_traveler, name="job_traveler"),
    path("jobs/<uuid:job_uuid>/steps/new/", jobs.step_edit, name="step_new"),
    path("jobs/<uuid:job_uuid>/steps/<uuid:step_uuid>/edit/", jobs.step_edit, name="step_edit"),
    path(
        "jobs/<uuid:job_uuid>/steps/<uuid:step_uuid>/remove/",
        jobs.step_remove,
        name="step_remove",
    ),
    path("jobs/<uuid:job_uuid>/steps/<uuid:step_uuid>/ship/", jobs.step_ship, name="step_ship"),
    path(
        "jobs/<uuid:job_uuid>/steps/<uuid:step_uuid>/inputs/",
        parts.step_inputs,
        name="step_inputs",
    ),
    path("jobs/<uuid:job_uuid>/parts/new/", parts.part_edit, name="part_new"),
    path("jobs/<uuid:job_uuid>/parts/<uuid:part_uuid>/edit/", parts.part_edit, name="part_edit"),
    path(
        "jobs/<uuid:job_uuid>/parts/<uuid:part_uuid>/remove/",
        parts.part_remove,
        name="part_remove",
    ),
    path(
        "jobs/<uuid:job_uuid>/steps/<uuid:step_uuid>/<slug:action>/",
        jobs.step_action,
        name="step_action",
    ),
    path("handoffs/<uuid:handoff_uuid>/receive/", jobs.handoff_receive, name="handoff_receive"),
    path(
        "handoffs/<uuid:handoff_uuid>/inspect/",
        handoff_views.handoff_inspect,
        name="handoff_inspect",
    ),
    path(
        "handoffs/<uuid:handoff_uuid>/return/", handoff_views.handoff_return, name="handoff_return"
    ),
    path(
        "handoffs/<uuid:handoff_uuid>/rework/", handoff_views.handoff_rework, name="handoff_rework"
    ),
    path("orders/<uuid:order_uuid>/supply/", handoff_views.order_supply, name="order_supply"),
    path("jobs/<uuid:job_uuid>/route/", orders.order_new, name="order_new"),
    path(
        "jobs/<uuid:job_uuid>/route/payment-due/",
        terms.payment_due_prefill,
        name="payment_due_prefill",
    ),
    path(
        "trading/<uuid:buyer_uuid>/<uuid:supplier_uuid>/terms/",
        terms.trading_terms_page,
        name="trading_terms",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/request/",
        peers.workshop_request,
        name="workshop_request",
    ),
    path("orders/", orders.order_list, name="order_list"),
    path("orders/<uuid:order_uuid>/", orders.order_detail, name="order_detail"),
    path("orders/<uuid:order_uuid>/terms/", orders.order_change_terms, name="order_change_terms"),
    path("orders/<uuid:order_uuid>/payments/", payments.payment_add, name="payment_add"),
    path(
        "workshops/<uuid:workshop_uuid>/records/",
        records.workshop_records,
        name="workshop_records",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/records.csv",
        records.workshop_records_csv,
        name="workshop_records_csv",
    ),
    path(
        "payments/<uuid:payment_uuid>/confirm/",
        payments.payment_confirm_view,
        name="payment_confirm",
    ),
    path(
        "orders/<uuid:order_uuid>/documents/<int:version>.pdf",
        orders.order_document_pdf,
        name="order_document_pdf",
    ),
    # Delivery notes and purchase statements.
    path(
        "handoffs/<uuid:handoff_uuid>/delivery-note.pdf",
        statements.delivery_note_pdf,
        name="delivery_note_pdf",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/statements/",
        statements.statement_list,
        name="statement_list",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/statements/new/",
        statements.statement_new,
        name="statement_new",
    ),
    path(
        "statements/<uuid:statement_uuid>/",
        statements.statement_detail,
        name="statement_detail",
    ),
    path(
        "statements/<uuid:statement_uuid>/statement.pdf",
        statements.statement_pdf,
        name="statement_pdf",
    ),
    path(
        "statements/<uuid:statement_uuid>/payments/",
        statements.statement_payment_add,
        name="statement_payment_add",
    ),
    path(
        "statements/<uuid:statement_uuid>/<slug:action>/",
        statements.statement_action,
        name="statement_action",
    ),
    path(
        "orders/<uuid:order_uuid>/acceptance.pdf",
        orders.order_acceptance_pdf,
        name="order_acceptance_pdf",
    ),
    # Ratings.
    path("orders/<uuid:order_uuid>/rating/", orders.order_rate, name="order_rate"),
    path(
        "orders/<uuid:order_uuid>/rating/reply/",
        orders.order_rating_reply,
        name="order_rating_reply",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/ratings/", ratings.workshop_ratings, name="workshop_ratings"
    ),
    path("workshops/<uuid:workshop_uuid>/load/", load.workshop_load, name="workshop_load"),
    path("orders/<uuid:order_uuid>/accept/", orders.order_accept, name="order_accept"),
    path("orders/<uuid:order_uuid>/counter/", counters.order_counter, name="order_counter"),
    path(
        "orders/<uuid:order_uuid>/counter/accept/",
        counters.counter_accept,
        name="counter_accept",
    ),
    path(
        "orders/<uuid:order_uuid>/counter/decline/",
        counters.counter_decline,
        name="counter_decline",
    ),
    path("orders/<uuid:order_uuid>/decline/", orders.order_decline, name="order_decline"),
    path("orders/<uuid:order_uuid>/withdraw/", orders.order_withdraw, name="order_withdraw"),
]
