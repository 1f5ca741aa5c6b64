"""Admin pages for administrators. Every change goes through a service, so it is audited.

Records without a service are read-only here (the outbox too: its one action re-runs the relay),
and third-party registrations that would let an admin edit identity bindings or role groups
directly (bypassing the audit trail) are replaced by read-only ones. They live in accounts, not
common, because who may see them is the admin role, which accounts defines.
"""

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import (
    ApiToken,
    SignInLockout,
    Team,
    User,
    language_choices,
)
from accounts.roles import Role, is_admin, user_roles
from common.models import OutboxMessage
from common.outbox import outbox_relay


class AdminRoleRequiredMixin:
    """Only holders of the admin role (or superusers) may change anything here."""

    def has_module_permission(self, request):
        return is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_admin(request.user)

    def has_add_permission(self, request):
        return is_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return False


class UserAdminForm(UserChangeForm):
    roles = forms.MultipleChoiceField(
        choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    # Not a model field of this form: saved through services.user_language_set (audited).
    interface_language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("Empty: the browser's preferred language decides."),
    )

    class Meta(UserChangeForm.Meta):
        model = User
        fields = [
            "username",
            "password",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "is_staff",
            "is_superuser",
            "is_service_account",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["interface_language"].choices = [("", "—"), *language_choices()]
        self.initial["interface_language"] = self.instance.language
        if not self.instance._state.adding:
            self.initial["roles"] = sorted(user_roles(self.instance))
            self.initial["teams"] = list(Team.objects.filter(group__user=self.instance))


@admin.register(User)
class UserAdmin(AdminRoleRequiredMixin, DjangoUserAdmin):
    form = UserAdminForm
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "is_active",
        "is_service_account",
    )
    # Roles and teams replace Django's raw groups/permissions fields: those would bypass the audit.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email", "interface_language")}),
        (
            "Access",
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "is_service_account",
                    "roles",
                    "teams",
                )
            },
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        services.user_language_set(
            actor=request.user,
            user=user,
            language=form.cleaned_data.get("interface_language") or "",
        )
        wanted_roles = set(form.cleaned_data.get("roles") or [])
        for role in Role:
            if role.value in wanted_roles:
                services.user_role_grant(actor=request.user, user=user, role=role)
            else:
                services.user_role_revoke(actor=request.user, user=user, role=role)
        wanted_teams = set(form.cleaned_data.get("teams") or [])
        for team in Team.objects.all():
            if team in wanted_teams:
                services.team_member_add(actor=request.user, team=team, user=user)
            else:
                services.team_member_remove(actor=request.user, team=team, user=user)


class TeamAdminForm(forms.ModelForm):
    members = forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        widget=admin.widgets.FilteredSelectMultiple("members", is_stacked=False),
    )

    class Meta:
        model = Team
        fields = ["name", "slug", "description", "reviewers"]
        widgets = {"reviewers": admin.widgets.FilteredSelectMultiple("reviewers", is_stacked=False)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = [] if self.instance._state.adding else self.instance.reviewers.values("pk")
        self.fields["reviewers"].queryset = User.objects.filter(
            Q(is_active=True, groups__name=Role.REVIEWER) | Q(pk__in=current)
        ).distinct()
        self.fields[
            "reviewers"
        ].help_text = "Users with the reviewer role who review this team's models."
        if not self.instance._state.adding:
            self.initial["members"] = list(self.instance.members)
            self.fields["slug"].disabled = True


@admin.register(Team)
class TeamAdmin(AdminRoleRequiredMixin, admin.ModelAdmin):
    """Teams, their members and reviewer pools."""

    form = TeamAdminForm
    list_display = ("name", "slug", "member_count", "reviewer_count")
    search_fields = ("name", "slug")

    @admin.display(description="members")
    def member_count(self, team):
        return team.members.count()

    @admin.display(description="reviewers")
    def reviewer_count(self, team):
        return team.reviewers.count()

    def save_model(self, request, obj, form, change):
        services.team_save(actor=request.user, team=obj)

    def save_related(self, request, form, formsets, change):
        # Not super(): the form's M2M save would bypass the audited services.
        team = form.instance
        services.team_members_set(actor=request.user, team=team, users=form.cleaned_data["members"])
        services.team_reviewers_set(
            actor=request.user, team=team, users=form.cleaned_data["reviewers"]
        )


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

    def has_module_permission(self, request):
        return is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke selected tokens", permissions=["revoke"])
    def revoke(self, request, queryset):
        for token in queryset:
            services.api_token_revoke(actor=request.user, token=token)
        self.message_user(request, f"Revoked {queryset.count()} token(s).", messages.SUCCESS)

    def has_revoke_permission(self, request):
        return is_admin(request.user)


# --- Read-only pages: role groups, SSO bindings, the outbox --------------------------------
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


class LockoutStateFilter(admin.SimpleListFilter):
    """Active lockouts still refuse password sign-in; expired and cleared ones are history."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("Active")), ("expired", _("Expired")), ("cleared", _("Cleared"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.filter(cleared_at__isnull=True, locked_until__gt=now)
        if self.value() == "expired":
            return queryset.filter(cleared_at__isnull=True, locked_until__lte=now)
        if self.value() == "cleared":
            return queryset.filter(cleared_at__isnull=False)
        return queryset


LOCKOUT_STATES = {"active": _("Active"), "expired": _("Expired"), "cleared": _("Cleared")}


@admin.register(SignInLockout)
class SignInLockoutAdmin(ReadOnlyAdmin):
    """Password sign-in limits that tripped: who (a username, or only an address), until when.

    A lockout ends by itself when its window does (at most the rate's period, 300 seconds by
    default) and never blocks single sign-on. "Clear" lifts an active one at once: its count
    is forgotten, so the right password signs in on the next try.
    """

    list_display = (
        "username_shown",
        "client_address",
        "scope",
        "locked_at",
        "locked_until",
        "state_shown",
        "cleared_by",
        "cleared_at",
    )
    list_filter = (LockoutStateFilter, "scope")
    search_fields = ("username", "client_address")
    actions = ["clear"]

    def get_queryset(self, request):
        known = User.objects.filter(username__iexact=OuterRef("username"))
        return super().get_queryset(request).annotate(account_exists=Exists(known))

    @admin.display(description=_("username"), ordering="username")
    def username_shown(self, lockout):
        if lockout.scope == SignInLockout.Scope.ADDRESS:
            return _("(every username)")
        if not getattr(lockout, "account_exists", True):
            return _("%(username)s (no such account)") % {"username": lockout.username}
        return lockout.username

    @admin.display(description=_("state"))
    def state_shown(self, lockout):
        return LOCKOUT_STATES[lockout.state]

    @admin.action(description=_("Clear selected lockouts"), permissions=["clear"])
    def clear(self, request, queryset):
        total = queryset.count()
        cleared = sum(
            services.sign_in_lockout_clear(actor=request.user, lockout=lockout)
            for lockout in queryset
        )
        self.message_user(
            request,
            _(
                "Cleared %(cleared)d of %(total)d lockout(s); the others had already ended or "
                "been cleared."
            )
            % {"cleared": cleared, "total": total}
            if cleared < total
            else _("Cleared %(cleared)d lockout(s): those sign-ins are allowed again at once.")
            % {"cleared": cleared},
            messages.SUCCESS if cleared else messages.WARNING,
        )

    def has_clear_permission(self, request):
        return is_admin(request.user)


@admin.register(SocialAccount)
class SocialAccountAdmin(ReadOnlyAdmin):
    """Which SSO identity (provider, subject) is bound to which user."""

    list_display = ("user", "provider", "uid", "last_login")
    search_fields = ("user__username", "uid")
    exclude = ("extra_data",)


class OutboxFailingFilter(admin.SimpleListFilter):
    """Messages still undelivered after ``OutboxMessage.failing_after()`` attempts."""

    title = _("delivery")
    parameter_name = "failing"

    def lookups(self, request, model_admin):
        return [("yes", _("Failing")), ("no", _("Not failing"))]

    def queryset(self, request, queryset):
        failing = Q(
            status=OutboxMessage.Status.PENDING, attempts__gte=OutboxMessage.failing_after()
        )
        if self.value() == "yes":
            return queryset.filter(failing)
        if self.value() == "no":
            return queryset.exclude(failing)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Side effects owed (e-mails, registry write-backs, renderings) and their delivery.

    Rows that keep failing mean the broker has been down for a while or no worker knows the
    task. Nothing here is edited; "Retry now" relays the selected pending messages at once.
    """

    list_display = ("task_name", "status", "attempts", "next_attempt_at", "error", "created_at")
    list_filter = ("status", OutboxFailingFilter, "task_name")
    search_fields = ("task_name",)
    actions = ["retry_now"]

    @admin.display(description=_("last error"))
    def error(self, message):
        return Truncator(message.last_error).chars(120)

    @admin.action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        ids = list(
            queryset.filter(status=OutboxMessage.Status.PENDING).values_list("pk", flat=True)
        )
        OutboxMessage.objects.filter(pk__in=ids).update(next_attempt_at=timezone.now())
        sent = outbox_relay(ids=ids)
        level = messages.SUCCESS if sent == len(ids) else messages.WARNING
        self.message_user(
            request,
            _("Delivered %(sent)d of %(total)d pending message(s).")
            % {"sent": sent, "total": len(ids)},
            level,
        )

    def has_retry_permission(self, request):
        return is_admin(request.user)


# Registered last: it builds on AdminRoleRequiredMixin above.
from accounts import admin_trusted_issuers  # noqa: E402, F401
