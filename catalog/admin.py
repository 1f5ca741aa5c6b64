"""Catalog admin: read-only records, plus sharing of models (through the audited services).

Team moves are read-only here: they are asked, accepted, declined and cancelled on the model's
pages (catalog.services.team_moves), where the receiving team answers.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group

from accounts.admin import ReadOnlyAdmin
from accounts.models import User
from accounts.roles import Role, is_admin
from catalog import services
from catalog.models import ModelService, ModelVersion, RegistrySource, TeamMoveRequest


@admin.register(RegistrySource)
class RegistrySourceAdmin(ReadOnlyAdmin):
    list_display = ("slug", "kind", "base_url", "is_active")


class SharingForm(forms.ModelForm):
    """Who may read this model besides its owning team (read-only stakeholder sharing)."""

    shared_with_users = forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        widget=admin.widgets.FilteredSelectMultiple("users", is_stacked=False),
    )
    shared_with_groups = forms.ModelMultipleChoiceField(
        queryset=Group.objects.exclude(name__in=Role.values),
        required=False,
        widget=admin.widgets.FilteredSelectMultiple("groups", is_stacked=False),
        help_text="Team groups are named team:<slug>.",
    )

    class Meta:
        model = ModelService
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model = self.instance
        owner_group = model.owner_team.group_id if model.owner_team_id else None
        self.fields["shared_with_groups"].queryset = self.fields[
            "shared_with_groups"
        ].queryset.exclude(pk=owner_group)
        self.initial["shared_with_users"] = list(
            User.objects.filter(modelserviceuserpermission__content_object=model).distinct()
        )
        self.initial["shared_with_groups"] = list(
            Group.objects.filter(modelservicegrouppermission__content_object=model)
            .exclude(pk=owner_group)
            .distinct()
        )


@admin.register(ModelService)
class ModelServiceAdmin(admin.ModelAdmin):
    """Models are shown read-only; the form only changes who the model is shared with."""

    form = SharingForm
    list_display = ("name", "owner_team", "lifecycle_status", "risk_tier")
    list_filter = ("lifecycle_status", "risk_tier", "owner_team")
    search_fields = ("name", "registry_name")
    readonly_fields = ("name", "owner_team", "lifecycle_status", "risk_tier", "description")
    fieldsets = (
        (None, {"fields": readonly_fields}),
        ("Sharing", {"fields": ("shared_with_users", "shared_with_groups")}),
    )

    def has_module_permission(self, request):
        return is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return is_admin(request.user)

    def save_model(self, request, obj, form, change):
        """Nothing on the model itself is editable here."""

    def save_related(self, request, form, formsets, change):
        model = form.instance
        for field, kind in (("shared_with_users", "user"), ("shared_with_groups", "group")):
            before, after = set(form.initial.get(field, [])), set(form.cleaned_data[field])
            for who in after - before:
                services.model_service_share(actor=request.user, model_service=model, **{kind: who})
            for who in before - after:
                services.model_service_unshare(
                    actor=request.user, model_service=model, **{kind: who}
                )


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    list_display = ("model_service", "version", "status", "registry_created_at")
    search_fields = ("model_service__name", "version")


@admin.register(TeamMoveRequest)
class TeamMoveRequestAdmin(ReadOnlyAdmin):
    list_display = ("model_service", "from_team", "to_team", "state", "requested_by", "created_at")
    list_filter = ("state", "to_team")
    search_fields = ("model_service__name", "reason")
    list_select_related = ("model_service", "from_team", "to_team", "requested_by")
