"""Admin building blocks and the tightening of third-party admin registrations.

State changes go through audited services, so admin pages for records without a service are
read-only, and registrations that would let an admin edit identity bindings or role groups
directly (bypassing the audit trail) are replaced by read-only ones.
"""

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin
from django.contrib.auth.models import Group

from accounts.roles import is_admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Visible to holders of the admin role; nothing can be added, changed or deleted."""

    def has_module_permission(self, request):
        return is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for model in (Group, SocialAccount, SocialApp, SocialToken, EmailAddress):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(Group)
class GroupAdmin(ReadOnlyAdmin):
    """Role and team groups are managed through users and teams (audited)."""

    list_display = ("name",)
    search_fields = ("name",)


@admin.register(SocialAccount)
class SocialAccountAdmin(ReadOnlyAdmin):
    """Which SSO identity (provider, subject) is bound to which user."""

    list_display = ("user", "provider", "uid", "last_login")
    search_fields = ("user__username", "uid")
    exclude = ("extra_data",)
