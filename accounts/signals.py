"""Adapters from Django's auth signals to audit services (no business logic here)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts import services


@receiver(user_logged_in)
def _on_signed_in(sender, request, user, **kwargs):
    services.session_signed_in(user=user)


@receiver(user_logged_out)
def _on_signed_out(sender, request, user, **kwargs):
    services.session_signed_out(user=user)


@receiver(user_login_failed)
def _on_sign_in_failed(sender, credentials, request=None, **kwargs):
    services.session_sign_in_failed(username=str(credentials.get("username", "")))
