"""Admin, read-only: the open board's postings, as an association operator looks them up. Every
change goes through the services, so nothing here adds, edits or deletes."""

from django.contrib import admin

from workshops.admin import ReadOnlyAdmin

from .models import Posting


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ["posted_at", "buyer", "process", "quantity", "answer_by", "status"]
    list_filter = ["status", "process"]
    list_select_related = ["buyer", "process"]
    search_fields = ["uuid", "buyer__name"]
    date_hierarchy = "posted_at"
