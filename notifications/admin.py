"""What an operator looks at: deliveries that failed (with the last error), and the rest."""

from django.contrib import admin

from .models import Delivery, Notification, PushSubscription


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "notification",
        "channel",
        "status",
        "attempts",
        "due_at",
        "sent_at",
        "last_error",
    )
    list_filter = ("status", "channel")
    date_hierarchy = "due_at"
    raw_id_fields = ("notification", "subscription")
    readonly_fields = ("notification", "channel", "subscription", "sent_at", "created_at")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    raw_id_fields = ("user", "workshop", "job", "event", "actor")
    search_fields = ("user__username",)


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "device", "created_at", "last_success_at")
    raw_id_fields = ("user",)
