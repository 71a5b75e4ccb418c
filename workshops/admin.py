"""Admin: reference data is edited here. Workshops and members change only through the
services (pages, API, commands), so the admin shows them read-only and their log stays whole."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from axes.utils import reset
from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import (
    ApiToken,
    AuditEvent,
    Certification,
    District,
    DistrictStaff,
    Material,
    Membership,
    Process,
    User,
    Workshop,
)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    """Django's own user admin (its password form, hashed passwords, permissions), with our
    display name in place of first and last names."""

    list_display = ["username", "display_name", "email", "is_active", "is_staff"]
    search_fields = ["username", "display_name", "email"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("display_name", "email")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "display_name", "email", "password1", "password2"),
            },
        ),
    )


@admin.register(AccessAttempt)
class SignInLockoutAdmin(AccessAttemptAdmin):
    """Sign-in failures per (username, client address) as django-axes counts them; "Unlock"
    lets a locked-out user try again at once instead of waiting out LOGIN_FAILURE_WINDOW."""

    actions = ["unlock"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Unlock the selected sign-ins"), permissions=["delete"])
    def unlock(self, request, queryset):
        count = 0
        for attempt in queryset:
            count += reset(ip=attempt.ip_address, username=attempt.username)
        self.message_user(
            request,
            ngettext("%(count)d sign-in unlocked.", "%(count)d sign-ins unlocked.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ["code", "jis_symbol", "name_ja", "name_en", "category", "sort_order"]
    list_filter = ["category"]


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ja", "name_en", "category"]


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ja", "name_en"]


class DistrictStaffInline(admin.TabularInline):
    model = DistrictStaff
    extra = 0
    raw_id_fields = ["user"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_ja", "name_en", "prefecture"]
    inlines = [DistrictStaffInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Workshop)
class WorkshopAdmin(ReadOnlyAdmin):
    list_display = ["name", "name_kana", "headcount", "is_active"]
    search_fields = ["name", "name_kana", "name_en"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "workshop", "role"]
    list_filter = ["role"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "workshop", "actor", "action"]
    list_filter = ["action"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Read-only: tokens are made and revoked by the shop's managers on its token page (the
    service logs who did it and closes the token's sockets). The digest is never shown."""

    list_display = ["name", "workshop", "scopes", "created_by", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "workshop__name", "hint"]
    exclude = ["digest"]
