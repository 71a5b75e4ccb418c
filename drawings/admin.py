"""Admin, read-only: the drawings' access log (who viewed or downloaded which revision, when),
for an association operator answering "who saw this drawing". The log is append-only."""

from django.contrib import admin

from workshops.admin import ReadOnlyAdmin

from .models import DrawingAccessLog


@admin.register(DrawingAccessLog)
class DrawingAccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user_name", "workshop", "action", "revision", "page"]
    list_filter = ["action"]
    list_select_related = ["workshop", "revision__drawing"]
    search_fields = ["user_name", "revision__drawing__number", "workshop__name"]
    date_hierarchy = "at"
    raw_id_fields = ["revision", "user", "workshop"]
