from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from shopnet import app_shell
from shopnet.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The tablet app (shopnet/app_shell.py): the service worker's scope is the folder it is
    # served from, hence the root.
    path("sw.js", app_shell.service_worker, name="service_worker"),
    path("manifest.webmanifest", app_shell.manifest, name="web_manifest"),
    path("favicon.ico", app_shell.favicon, name="favicon"),
    path(
        "accounts/login/",
        # Throttled by django-axes, like the admin's (settings: AXES_*).
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Every user changes their own password; a forgotten one is reset by e-mail (floor staff
    # without e-mail ask their owner: workshops.views.member_password).
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("shopnet.api_urls")),
    # The district dashboard's pages.
    path("", include("districts.urls")),
    # Before orders: /orders/<uuid>/drawings/ is a drawings page, not an order action.
    path("", include("drawings.urls")),
    path("", include("board.urls")),
    path("", include("notifications.urls")),
    path("", include("integrations.urls")),
    path("", include("outside.urls")),
    path("", include("orders.urls")),
    path("", include("workshops.urls")),
]
