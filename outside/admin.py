from django.contrib import admin

from .models import CapabilityLink, LinkUse, OutsideShop


@admin.register(OutsideShop)
class OutsideShopAdmin(admin.ModelAdmin):
    list_display = ["workshop", "contact_name", "email", "fax", "created_at"]
    raw_id_fields = ["workshop", "link_user", "created_by"]


@admin.register(CapabilityLink)
class CapabilityLinkAdmin(admin.ModelAdmin):
    list_display = ["shop", "order", "created_at", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = ["token_hash"]
    raw_id_fields = ["order", "shop", "created_by", "revoked_by"]


@admin.register(LinkUse)
class LinkUseAdmin(admin.ModelAdmin):
    list_display = ["link", "action", "ok", "ip", "at"]
    raw_id_fields = ["link"]
