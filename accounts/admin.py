"""Admin for the break-glass administrator. Changes that matter go through services."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts import services
from accounts.models import ApiToken, Team, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "is_active",
        "is_service_account",
    )
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Attest", {"fields": ("is_service_account",)}))


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    readonly_fields = ("members",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with ``manage.py create_api_token``; here they can only be revoked."""

    list_display = ("name", "key_id", "user", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = (
        "user",
        "name",
        "key_id",
        "scopes",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    exclude = ("secret_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            services.api_token_revoke(actor=request.user, token=token)
        self.message_user(request, f"Revoked {queryset.count()} token(s).", messages.SUCCESS)
