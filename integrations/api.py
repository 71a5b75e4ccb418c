"""The webhook endpoints over the API, for a shop's own systems: list, register (the secret in
the answer, once), remove. Owners and managers (sessions), or a workshop token with the
`webhooks` scope (`token_scope`, checked by workshops.tokens.TokenScopes)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import NOT_FOUND, REFUSED
from orders.events import EVENT_LABELS
from workshops.selectors import get_workshop_for

from . import services
from .access import get_endpoint_for
from .selectors import endpoints_of


class EndpointSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    url = serializers.CharField()
    kinds = serializers.ListField(child=serializers.CharField())
    is_active = serializers.BooleanField()
    failures = serializers.IntegerField()
    disabled_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class CreatedEndpointSerializer(EndpointSerializer):
    secret = serializers.CharField(help_text="The signing secret. Shown in this answer only.")


class EndpointInput(serializers.Serializer):
    url = serializers.CharField(max_length=500)
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=list(EVENT_LABELS)), allow_empty=True
    )


@extend_schema_view(
    get=extend_schema(
        summary="My shop's webhooks", responses={200: EndpointSerializer(many=True), 404: NOT_FOUND}
    ),
    post=extend_schema(
        summary="Register a webhook",
        request=EndpointInput,
        responses={201: CreatedEndpointSerializer, 400: REFUSED, 404: NOT_FOUND},
    ),
)
class WebhookList(APIView):
    token_scope = "webhooks"
    parser_classes = [JSONParser]

    def get(self, request: Request, workshop_uuid) -> Response:
        workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
        return Response(EndpointSerializer(endpoints_of(workshop), many=True).data)

    def post(self, request: Request, workshop_uuid) -> Response:
        workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
        data = EndpointInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint, secret = services.endpoint_create(
            workshop=workshop, actor=request.user, **data.validated_data
        )
        endpoint.secret = secret
        return Response(CreatedEndpointSerializer(endpoint).data, status=201)


@extend_schema_view(
    delete=extend_schema(
        summary="Remove a webhook", responses={204: None, 400: REFUSED, 404: NOT_FOUND}
    ),
)
class WebhookDetail(APIView):
    token_scope = "webhooks"

    def delete(self, request: Request, workshop_uuid, endpoint_uuid) -> Response:
        workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
        endpoint = get_endpoint_for(request.user, workshop, endpoint_uuid)
        services.endpoint_delete(endpoint=endpoint, actor=request.user)
        return Response(status=204)
