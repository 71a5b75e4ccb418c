from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from shopnet.health import healthz
from workshops.forms import ThrottledAuthenticationForm

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=ThrottledAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("shopnet.api_urls")),
    # The district dashboard's pages.
    path("", include("districts.urls")),
    # Before orders: /orders/<uuid>/drawings/ is a drawings page, not an order action.
    path("", include("drawings.urls")),
    path("", include("board.urls")),
    path("", include("orders.urls")),
    path("", include("workshops.urls")),
]
