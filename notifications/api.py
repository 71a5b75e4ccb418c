"""JSON API of the inbox (/api/v1/notifications/). A caller only ever reaches their own."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .kinds import details_of, title_of
from .models import Notification, PushSubscription
from .selectors import inbox, unread_count


class NotificationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    title = serializers.SerializerMethodField()
    details = serializers.SerializerMethodField()
    job = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "details", "link", "job", "actor", "created_at", "read"]

    def get_title(self, obj: Notification) -> str:
        return title_of(obj.kind, obj.data)

    def get_details(self, obj: Notification) -> list[str]:
        return details_of(obj.data)

    def get_job(self, obj: Notification) -> str | None:
        return obj.data.get("job")

    def get_actor(self, obj: Notification) -> str | None:
        return str(obj.actor) if obj.actor_id else None

    def get_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class InboxPagination(PageNumberPagination):
    page_size = 30

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["unread"] = self.unread
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["unread"] = {"type": "integer", "example": 3}
        return schema


@extend_schema_view(
    get=extend_schema(summary="My notifications, newest first, with the unread count")
)
class NotificationList(generics.ListAPIView):
    serializer_class = NotificationSerializer
    pagination_class = InboxPagination
    filter_backends: list = []

    def get_queryset(self):
        return inbox(self.request.user)

    def list(self, request: Request, *args, **kwargs) -> Response:
        self.paginator.unread = unread_count(request.user)
        return super().list(request, *args, **kwargs)


class ReadInput(serializers.Serializer):
    ids = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=500)
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if not attrs.get("all") and not attrs.get("ids"):
            raise serializers.ValidationError(
                _("Give `ids`, or `all: true`."), code="nothing_chosen"
            )
        return attrs


@extend_schema_view(
    post=extend_schema(
        summary="Mark my notifications read (these ids, or all)",
        request=ReadInput,
        responses={
            200: inline_serializer(
                "NotificationsRead",
                {"marked": serializers.IntegerField(), "unread": serializers.IntegerField()},
            )
        },
    )
)
class NotificationRead(APIView):
    parser_classes = [JSONParser]

    def post(self, request: Request) -> Response:
        data = ReadInput(data=request.data)
        data.is_valid(raise_exception=True)
        ids = None if data.validated_data.get("all") else data.validated_data["ids"]
        marked = services.notifications_mark_read(user=request.user, uuids=ids)
        return Response({"marked": marked, "unread": unread_count(request.user)})


class PushSubscriptionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)

    class Meta:
        model = PushSubscription
        fields = ["id", "device", "created_at", "last_success_at"]


class PushSubscriptionInput(serializers.Serializer):
    """What a browser's PushSubscription.toJSON() gives, plus a name for the device."""

    endpoint = serializers.URLField(max_length=1000)
    keys = inline_serializer(
        "PushKeys",
        {
            "p256dh": serializers.CharField(max_length=200),
            "auth": serializers.CharField(max_length=100),
        },
    )
    device = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate_endpoint(self, value: str) -> str:
        if not value.startswith("https://") and not settings.DEBUG and not settings.PUSH_ALLOW_HTTP:
            raise serializers.ValidationError(
                _("A push endpoint is an https:// address."), code="not_https"
            )
        return value


@extend_schema_view(
    get=extend_schema(summary="My devices that receive push notifications"),
    post=extend_schema(
        summary="Register this browser for push notifications",
        request=PushSubscriptionInput,
        responses={201: PushSubscriptionSerializer},
    ),
)
class PushSubscriptionList(generics.ListAPIView):
    serializer_class = PushSubscriptionSerializer
    filter_backends: list = []
    pagination_class = None
    parser_classes = [JSONParser]

    def get_queryset(self):
        return PushSubscription.objects.filter(user=self.request.user)

    def post(self, request: Request) -> Response:
        data = PushSubscriptionInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        subscription = services.push_subscribe(
            user=request.user,
            endpoint=v["endpoint"],
            p256dh=v["keys"]["p256dh"],
            auth=v["keys"]["auth"],
            device=v.get("device", ""),
        )
        return Response(PushSubscriptionSerializer(subscription).data, status=201)


@extend_schema_view(
    delete=extend_schema(
        summary="Stop push notifications to one of my devices", responses={204: None}
    ),
)
class PushSubscriptionDetail(APIView):
    def delete(self, request: Request, subscription_uuid) -> Response:
        subscription = get_object_or_404(
            PushSubscription, uuid=subscription_uuid, user=request.user
        )
        services.push_unsubscribe(subscription=subscription)
        return Response(status=204)
