"""Admin pages for CI workload identity: trusted OIDC issuers and the rules that map their
tokens' claims to a service account and its scopes. Every change goes through
accounts.services, so it is audited. Imported by accounts/admin.py (the module Django's admin
autodiscovery loads)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.admin import AdminRoleRequiredMixin
from accounts.models import ApiToken, IssuerRule, TrustedIssuer, User
from accounts.roles import is_admin


def _claims_text(claims: dict) -> str:
    return "\n".join(f"{name}={value}" for name, value in sorted((claims or {}).items()))


class TrustedIssuerAdminForm(forms.ModelForm):
    class Meta:
        model = TrustedIssuer
        fields = ["name", "preset", "issuer", "audience", "is_active"]

    def clean_issuer(self):
        from accounts import workload_identity

        issuer = self.cleaned_data["issuer"].strip()
        problems = workload_identity.issuer_problems(issuer)
        if problems:
            raise forms.ValidationError(problems)
        return issuer


class IssuerRuleAdminForm(forms.ModelForm):
    claims_text = forms.CharField(
        label=_("Required claims"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 40}),
        help_text=_("One name=value per line; every one must equal the token's claim."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=ApiToken.Scope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = IssuerRule
        fields = ["name", "claims_text", "service_account", "scopes", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_account"].queryset = User.objects.filter(
            is_service_account=True, is_active=True
        )
        if not self.instance._state.adding:
            self.initial["claims_text"] = _claims_text(self.instance.claims)
            self.initial["scopes"] = list(self.instance.scopes)

    def clean_claims_text(self):
        claims = {}
        for line in self.cleaned_data["claims_text"].splitlines():
            if not line.strip():
                continue
            name, sep, value = line.partition("=")
            if not sep or not name.strip() or not value.strip():
                raise forms.ValidationError(
                    _("Write each claim as name=value, e.g. repository=acme/models: %(line)s"),
                    params={"line": line.strip()[:100]},
                )
            claims[name.strip()] = value.strip()
        return claims


class IssuerRuleFormSet(forms.BaseInlineFormSet):
    def clean(self):
        from accounts import workload_identity

        super().clean()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            if form.cleaned_data.get("DELETE"):
                continue
            problems = workload_identity.rule_problems(
                preset=self.instance.preset,
                claims=form.cleaned_data.get("claims_text") or {},
                scopes=form.cleaned_data.get("scopes") or [],
            )
            for problem in problems:
                form.add_error("claims_text", problem)


class IssuerRuleInline(admin.StackedInline):
    model = IssuerRule
    form = IssuerRuleAdminForm
    formset = IssuerRuleFormSet
    extra = 1
    can_delete = False  # switch a rule off instead: its past uses stay explained

    def has_view_permission(self, request, obj=None):
        return is_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_admin(request.user)

    def has_add_permission(self, request, obj=None):
        return is_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TrustedIssuer)
class TrustedIssuerAdmin(AdminRoleRequiredMixin, admin.ModelAdmin):
    """OIDC issuers whose ID tokens CI may present (GitHub Actions, GitLab CI, any issuer), and
    the rules mapping their claims to a service account and scopes. Saved through the audited
    services; ``manage.py add_trusted_issuer`` does the same from the command line."""

    form = TrustedIssuerAdminForm
    inlines = [IssuerRuleInline]

    class Media:
        css = {"all": ["css/admin-trusted-issuers.css"]}

    list_display = ("name", "issuer", "audience", "preset", "is_active", "rule_count")
    list_filter = ("preset", "is_active")
    search_fields = ("name", "issuer", "audience")
    fieldsets = (
        (
            None,
            {
                "fields": ("name", "preset", "issuer", "audience", "is_active"),
                "description": _(
                    "GitHub Actions: issuer https://token.actions.githubusercontent.com, the "
                    "audience the workflow asks for (core.getIDToken / the id-token request's "
                    "audience). GitLab CI: issuer https://gitlab.com (or your instance), the aud "
                    "of the job's id_tokens. Each rule needs the platform's identifying claim "
                    "(repository, project_path)."
                ),
            },
        ),
    )

    @admin.display(description=_("rules"))
    def rule_count(self, issuer):
        return issuer.rules.filter(is_active=True).count()

    def save_model(self, request, obj, form, change):
        services.trusted_issuer_save(actor=request.user, issuer=obj)

    def save_formset(self, request, form, formset, change):
        # What formset.save() would set: the admin's history message reads them.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for rule_form in formset.forms:
            if not rule_form.has_changed():
                continue
            adding = rule_form.instance._state.adding
            rule = rule_form.save(commit=False)
            rule.issuer = form.instance
            rule.claims = rule_form.cleaned_data["claims_text"]
            rule.scopes = list(rule_form.cleaned_data["scopes"])
            services.issuer_rule_save(actor=request.user, rule=rule)
            if adding:
                formset.new_objects.append(rule)
            else:
                formset.changed_objects.append((rule, rule_form.changed_data))
