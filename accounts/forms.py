import secrets

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, User
from accounts.roles import is_admin


class SignInForm(AuthenticationForm):
    """Local username/password sign-in with labels and autocomplete hints for accessibility."""

    username = forms.CharField(
        label=_("Username"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        # With ATTEST_LOCAL_LOGIN off, passwords are for break-glass superusers only.
        if not settings.ATTEST_LOCAL_LOGIN and not user.is_superuser:
            raise forms.ValidationError(
                _("Password sign-in is switched off here. Use single sign-on."), code="sso_only"
            )


class _TokenUserField(forms.ModelChoiceField):
    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor

    def label_from_instance(self, obj):
        if obj.pk == self.actor.pk:
            return _("%(username)s (you)") % {"username": obj.username}
        return _("%(username)s (service account)") % {"username": obj.username}


class ApiTokenCreateForm(forms.Form):
    """Name, scopes and expiry of a new API token; administrators also pick whose token it is.

    The service re-checks every rule; the form only makes the common mistakes readable.
    """

    name = forms.CharField(
        max_length=120,
        help_text=_(
            "What uses it, so you recognise it later: e.g. “GitHub Actions: credit-scoring”."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scopes = forms.MultipleChoiceField(
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one scope.")},
        help_text=_("Grant only what the job needs. A scope never widens what the user may see."),
    )

    # A one-time key per rendered form: re-sending the same POST (reload, double click) must not
    # issue a second token the person never sees (views.token_create keeps the used keys).
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["submission_key"] = secrets.token_urlsafe(16)
        max_days = settings.ATTEST_TOKEN_MAX_DAYS
        between = _("Expiry must be between 1 and %(max)s days.") % {"max": max_days}
        self.fields["expires_in_days"] = forms.IntegerField(
            label=_("Expires in (days)"),
            min_value=1,
            max_value=max_days,
            initial=min(90, max_days),
            help_text=_("Every token expires: 1 to %(max)s days.") % {"max": max_days},
            error_messages={
                "required": _("Give an expiry between 1 and %(max)s days.") % {"max": max_days},
                "min_value": between,
                "max_value": between,
            },
        )
        if is_admin(actor):
            # CI identities are service accounts; an administrator issues their tokens here.
            self.fields["user"] = _TokenUserField(
                actor=actor,
                label=_("For user"),
                queryset=User.objects.filter(
                    Q(pk=actor.pk) | Q(is_service_account=True, is_active=True)
                ).order_by("is_service_account", "username"),
                initial=actor.pk,
                empty_label=None,
                help_text=_("Yourself, or a service account that CI signs in as."),
            )
            self.order_fields(["user", "name", "scopes", "expires_in_days"])
