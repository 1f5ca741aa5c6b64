from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is never edited, not even by an administrator."""

    list_display = ("occurred_at", "action", "actor_label", "source", "target_label")
    list_filter = ("source",)
    search_fields = ("action", "actor_label", "target_label")

    def has_module_permission(self, request):
        return request.user.has_perm("audit.view_auditevent")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("audit.view_auditevent")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
