"""Read-only: webhooks change only through the services (the pages and the API), so the
change log stays whole. The signing secret is never shown."""

from django.contrib import admin

from .models import WebhookDelivery, WebhookEndpoint, WebhookLog


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ["url", "workshop", "is_active", "failures", "disabled_at", "deleted_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "workshop__name"]
    exclude = ["secret"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "endpoint", "kind", "status", "attempts", "response_status"]
    list_filter = ["status"]
    list_select_related = ["endpoint"]
    raw_id_fields = ["event"]


@admin.register(WebhookLog)
class WebhookLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "endpoint", "actor", "action"]
    list_filter = ["action"]
