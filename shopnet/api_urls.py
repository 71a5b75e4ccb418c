from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from workshops import api as workshops_api

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("processes/", workshops_api.ProcessList.as_view(), name="api_processes"),
    path("materials/", workshops_api.MaterialList.as_view(), name="api_materials"),
    path("certifications/", workshops_api.CertificationList.as_view(), name="api_certifications"),
    path("workshops/", workshops_api.WorkshopList.as_view(), name="api_workshops"),
    path(
        "workshops/<uuid:workshop_uuid>/",
        workshops_api.WorkshopDetail.as_view(),
        name="api_workshop_detail",
    ),
]
