"""Admin, read-only: what an association operator looks up (orders and order documents by
supplier and date). Every change goes through the services, so nothing here
adds, edits or deletes."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from workshops.admin import ReadOnlyAdmin

from .models import Order, OrderDocument


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["requested_at", "job", "buyer", "supplier", "status"]
    list_filter = ["status"]
    list_select_related = ["job", "buyer", "supplier"]
    search_fields = ["uuid", "buyer__name", "supplier__name", "job__part_name"]
    date_hierarchy = "requested_at"
    raw_id_fields = ["job", "parent"]


@admin.register(OrderDocument)
class OrderDocumentAdmin(ReadOnlyAdmin):
    list_display = ["issued_at", "order", "version", "supplier", "reason"]
    list_filter = [("order__supplier", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["order__buyer", "order__supplier"]
    search_fields = ["order__uuid", "order__supplier__name", "order__buyer__name"]
    date_hierarchy = "issued_at"

    @admin.display(description=_("supplier"), ordering="order__supplier__name")
    def supplier(self, document: OrderDocument):
        return document.order.supplier
