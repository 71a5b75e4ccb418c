from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from board import api as board_api
from districts import api as stats_api
from drawings import api as drawings_api
from integrations import api as integrations_api
from notifications import api as notifications_api
from orders.api import views as orders_api
from outside import api as outside_api
from workshops import api as workshops_api


class ApiDocs(SpectacularSwaggerSplitView):
    """`/api/v1/docs/`: Swagger UI rendered from the schema, from our own static files
    (drf-spectacular-sidecar, no CDN), under the site's Content-Security-Policy: the start-up
    script is loaded as a file (`?script`), and the template drops drf-spectacular's inline
    style block."""

    template_name = "api/docs.html"


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path(
        "workshops/<uuid:workshop_uuid>/webhooks/",
        integrations_api.WebhookList.as_view(),
        name="api_webhooks",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/webhooks/<uuid:endpoint_uuid>/",
        integrations_api.WebhookDetail.as_view(),
        name="api_webhook",
    ),
    path("docs/", ApiDocs.as_view(url_name="api_schema"), name="api_docs"),
    path("processes/", workshops_api.ProcessList.as_view(), name="api_processes"),
    path("notifications/", notifications_api.NotificationList.as_view(), name="api_notifications"),
    path(
        "notifications/read/",
        notifications_api.NotificationRead.as_view(),
        name="api_notifications_read",
    ),
    path(
        "push/subscriptions/",
        notifications_api.PushSubscriptionList.as_view(),
        name="api_push_subscriptions",
    ),
    path(
        "push/subscriptions/<uuid:subscription_uuid>/",
        notifications_api.PushSubscriptionDetail.as_view(),
        name="api_push_subscription",
    ),
    path("materials/", workshops_api.MaterialList.as_view(), name="api_materials"),
    path("certifications/", workshops_api.CertificationList.as_view(), name="api_certifications"),
    path("workshops/", workshops_api.WorkshopList.as_view(), name="api_workshops"),
    path(
        "workshops/<uuid:workshop_uuid>/",
        workshops_api.WorkshopDetail.as_view(),
        name="api_workshop_detail",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/ratings/",
        orders_api.WorkshopRatings.as_view(),
        name="api_workshop_ratings",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/load/",
        orders_api.WorkshopLoad.as_view(),
        name="api_workshop_load",
    ),
    # Jobs, their steps and event log.
    path("jobs/", orders_api.JobList.as_view(), name="api_jobs"),
    path("jobs/<uuid:job_uuid>/", orders_api.JobDetail.as_view(), name="api_job_detail"),
    path("jobs/<uuid:job_uuid>/steps/", orders_api.JobSteps.as_view(), name="api_job_steps"),
    # Shaping a job: parts, steps, links, assemblies; requesting an order.
    path("jobs/<uuid:job_uuid>/parts/", orders_api.JobParts.as_view(), name="api_job_parts"),
    path("jobs/<uuid:job_uuid>/orders/", orders_api.JobOrders.as_view(), name="api_job_orders"),
    path(
        "jobs/<uuid:job_uuid>/outside-orders/",
        outside_api.JobOutsideOrders.as_view(),
        name="api_job_outside_orders",
    ),
    path("parts/<uuid:part_uuid>/", orders_api.PartDetail.as_view(), name="api_part"),
    path("steps/<uuid:step_uuid>/", orders_api.StepDetail.as_view(), name="api_step"),
    path("steps/<uuid:step_uuid>/links/", orders_api.StepLinks.as_view(), name="api_step_links"),
    path(
        "steps/<uuid:step_uuid>/links/<uuid:predecessor_uuid>/",
        orders_api.StepLinkDetail.as_view(),
        name="api_step_link",
    ),
    path("steps/<uuid:step_uuid>/inputs/", orders_api.StepInputs.as_view(), name="api_step_inputs"),
    path("jobs/<uuid:job_uuid>/cancel/", orders_api.JobCancel.as_view(), name="api_job_cancel"),
    path("jobs/<uuid:job_uuid>/close/", orders_api.JobClose.as_view(), name="api_job_close"),
    # No trailing slash: the path DESIGN.md publishes for repairing a live stream's gaps.
    path("jobs/<uuid:job_uuid>/events", orders_api.JobEvents.as_view(), name="api_job_events"),
    # Step transitions and hand-offs.
    path("steps/<uuid:step_uuid>/start/", orders_api.StepStart.as_view(), name="api_step_start"),
    path("steps/<uuid:step_uuid>/done/", orders_api.StepDone.as_view(), name="api_step_done"),
    path("steps/<uuid:step_uuid>/hold/", orders_api.StepHold.as_view(), name="api_step_hold"),
    path("steps/<uuid:step_uuid>/resume/", orders_api.StepResume.as_view(), name="api_step_resume"),
    path("steps/<uuid:step_uuid>/cancel/", orders_api.StepCancel.as_view(), name="api_step_cancel"),
    path("steps/<uuid:step_uuid>/ship/", orders_api.StepShip.as_view(), name="api_step_ship"),
    path(
        "handoffs/<uuid:handoff_uuid>/receive/",
        orders_api.HandOffReceive.as_view(),
        name="api_handoff_receive",
    ),
    path(
        "handoffs/<uuid:handoff_uuid>/inspect/",
        orders_api.HandOffInspect.as_view(),
        name="api_handoff_inspect",
    ),
    path(
        "handoffs/<uuid:handoff_uuid>/return/",
        orders_api.HandOffReturn.as_view(),
        name="api_handoff_return",
    ),
    path(
        "handoffs/<uuid:handoff_uuid>/rework/",
        orders_api.HandOffRework.as_view(),
        name="api_handoff_rework",
    ),
    # Orders between workshops.
    path("orders/", orders_api.OrderList.as_view(), name="api_orders"),
    path("orders/<uuid:order_uuid>/", orders_api.OrderDetail.as_view(), name="api_order_detail"),
    path(
        "orders/<uuid:order_uuid>/documents/",
        orders_api.OrderDocuments.as_view(),
        name="api_order_documents",
    ),
    path(
        "orders/<uuid:order_uuid>/accept/",
        orders_api.OrderAccept.as_view(),
        name="api_order_accept",
    ),
    path(
        "orders/<uuid:order_uuid>/decline/",
        orders_api.OrderDecline.as_view(),
        name="api_order_decline",
    ),
    path(
        "orders/<uuid:order_uuid>/withdraw/",
        orders_api.OrderWithdraw.as_view(),
        name="api_order_withdraw",
    ),
    path(
        "orders/<uuid:order_uuid>/supply/",
        orders_api.OrderSupply.as_view(),
        name="api_order_supply",
    ),
    path(
        "orders/<uuid:order_uuid>/rating/",
        orders_api.OrderRate.as_view(),
        name="api_order_rate",
    ),
    path(
        "orders/<uuid:order_uuid>/rating/reply/",
        orders_api.OrderRatingReply.as_view(),
        name="api_order_rating_reply",
    ),
    # The open board: postings, offers, the award; route suggestions.
    path("postings/", board_api.PostingList.as_view(), name="api_postings"),
    path(
        "postings/<uuid:posting_uuid>/",
        board_api.PostingDetail.as_view(),
        name="api_posting_detail",
    ),
    path(
        "postings/<uuid:posting_uuid>/offers/",
        board_api.PostingOffers.as_view(),
        name="api_posting_offers",
    ),
    path(
        "postings/<uuid:posting_uuid>/award/",
        board_api.PostingAward.as_view(),
        name="api_posting_award",
    ),
    path(
        "postings/<uuid:posting_uuid>/withdraw/",
        board_api.PostingWithdraw.as_view(),
        name="api_posting_withdraw",
    ),
    path(
        "offers/<uuid:offer_uuid>/withdraw/",
        board_api.OfferWithdraw.as_view(),
        name="api_offer_withdraw",
    ),
    path(
        "jobs/<uuid:job_uuid>/suggestions/",
        board_api.JobSuggestions.as_view(),
        name="api_job_suggestions",
    ),
    # Drawings: list (?job=) and upload, revisions, previews and originals.
    path("drawings/", drawings_api.DrawingList.as_view(), name="api_drawings"),
    path(
        "drawings/<uuid:drawing_uuid>/revisions/",
        drawings_api.DrawingRevisions.as_view(),
        name="api_drawing_revisions",
    ),
    path(
        "drawings/revisions/<uuid:revision_uuid>/preview/<int:page>/",
        drawings_api.RevisionPreview.as_view(),
        name="api_revision_preview",
    ),
    path(
        "drawings/revisions/<uuid:revision_uuid>/thumbnail/",
        drawings_api.RevisionThumbnail.as_view(),
        name="api_revision_thumbnail",
    ),
    path(
        "drawings/revisions/<uuid:revision_uuid>/download/",
        drawings_api.RevisionDownload.as_view(),
        name="api_revision_download",
    ),
    # The district dashboard's figures (aggregates only; docs/DASHBOARD.md).
    path(
        "districts/<slug:slug>/stats/",
        stats_api.DistrictStats.as_view(),
        name="api_district_stats",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/stats/",
        stats_api.WorkshopStats.as_view(),
        name="api_workshop_stats",
    ),
]
