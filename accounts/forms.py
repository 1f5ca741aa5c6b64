from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    """Local username/password sign-in with labels and autocomplete hints for accessibility."""

    username = forms.CharField(
        label="Username",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        # With ATTEST_LOCAL_LOGIN off, passwords are for break-glass superusers only.
        if not settings.ATTEST_LOCAL_LOGIN and not user.is_superuser:
            raise forms.ValidationError(
                "Password sign-in is switched off here. Use single sign-on.", code="sso_only"
            )
