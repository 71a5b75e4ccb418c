from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("workshops/", views.workshop_search, name="workshop_search"),
    path("workshops/<uuid:workshop_uuid>/", views.workshop_detail, name="workshop_detail"),
    path("workshops/<uuid:workshop_uuid>/logo", views.workshop_logo, name="workshop_logo"),
    path("workshops/<uuid:workshop_uuid>/edit/", views.workshop_edit, name="workshop_edit"),
    path(
        "workshops/<uuid:workshop_uuid>/edit/logo/",
        views.workshop_logo_upload,
        name="workshop_logo_upload",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/capabilities/new/",
        views.capability_edit,
        name="capability_new",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/capabilities/<uuid:capability_uuid>/",
        views.capability_edit,
        name="capability_edit",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/capabilities/<uuid:capability_uuid>/delete/",
        views.capability_delete,
        name="capability_delete",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/calendar/",
        views.workshop_calendar,
        name="workshop_calendar",
    ),
    path("workshops/<uuid:workshop_uuid>/machines/new/", views.machine_edit, name="machine_new"),
    path(
        "workshops/<uuid:workshop_uuid>/machines/<uuid:machine_uuid>/",
        views.machine_edit,
        name="machine_edit",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/machines/<uuid:machine_uuid>/delete/",
        views.machine_delete,
        name="machine_delete",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/members/", views.workshop_members, name="workshop_members"
    ),
    path(
        "workshops/<uuid:workshop_uuid>/members/<uuid:membership_uuid>/role/",
        views.member_role,
        name="member_role",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/members/<uuid:membership_uuid>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/members/<uuid:membership_uuid>/password/",
        views.member_password,
        name="member_password",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/invitations/<uuid:invitation_uuid>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "workshops/<uuid:workshop_uuid>/history/", views.workshop_history, name="workshop_history"
    ),
    path("workshops/<uuid:workshop_uuid>/tokens/", views.api_tokens, name="api_tokens"),
    path(
        "workshops/<uuid:workshop_uuid>/tokens/<uuid:token_uuid>/revoke/",
        views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
