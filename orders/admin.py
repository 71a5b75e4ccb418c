"""Admin, read-only: what an association operator looks up (orders and order documents by
supplier and date; receipts and inspections; payments and their log: the 第7条 record).
Every change goes through the services, so nothing here
adds, edits or deletes."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from workshops.admin import ReadOnlyAdmin

from .models import (
    HandOff,
    Order,
    OrderDocument,
    Payment,
    PaymentLog,
    PurchaseStatement,
    PurchaseStatementLine,
    StatementLog,
)


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


@admin.register(HandOff)
class HandOffAdmin(ReadOnlyAdmin):
    list_display = [
        "shipped_at",
        "order",
        "kind",
        "part",
        "quantity_shipped",
        "received_at",
        "quantity_received",
        "quantity_accepted",
        "quantity_rejected",
        "inspected_on",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["order__buyer", "order__supplier", "part"]
    search_fields = ["order__uuid", "from_workshop__name", "to_workshop__name"]
    date_hierarchy = "shipped_at"
    raw_id_fields = ["job", "order", "part", "from_step", "to_step", "return_of"]


class PaymentLogInline(admin.TabularInline):
    model = PaymentLog
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "actor", "data"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "paid_on",
        "order",
        "statement",
        "amount",
        "means",
        "late",
        "short",
        "confirmed_at",
    ]
    list_filter = ["late", "short", "means"]
    list_select_related = ["order__buyer", "order__supplier", "statement"]
    search_fields = [
        "order__uuid",
        "order__buyer__name",
        "order__supplier__name",
        "statement__number",
    ]
    date_hierarchy = "paid_on"
    raw_id_fields = ["order", "statement"]
    inlines = [PaymentLogInline]


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StatementLineInline(_ReadOnlyInline):
    model = PurchaseStatementLine
    fields = ["position", "received_on", "accepted_on", "order", "part_name", "quantity", "amount"]
    readonly_fields = fields


class StatementLogInline(_ReadOnlyInline):
    model = StatementLog
    fields = ["created_at", "action", "actor", "data"]
    readonly_fields = fields


@admin.register(PurchaseStatement)
class PurchaseStatementAdmin(ReadOnlyAdmin):
    list_display = ["number", "version", "buyer", "supplier", "period_end", "total", "status"]
    list_filter = ["status", ("supplier", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["buyer", "supplier"]
    search_fields = ["number", "buyer__name", "supplier__name"]
    date_hierarchy = "period_end"
    raw_id_fields = ["replaces"]
    inlines = [StatementLineInline, StatementLogInline]
