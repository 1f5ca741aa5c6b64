"""Sign-in and sign-out pages (Django's views with our templates)."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import render

from accounts.forms import SignInForm
from accounts.sso import sso_provider
from common import ratelimit


class SignInView(auth_views.LoginView):
    """Local password sign-in (break-glass admins only when ATTEST_LOCAL_LOGIN is off) and
    the "Sign in with <provider>" button. Attempts are rate-limited per address and per
    (address, username): a 429 page with Retry-After, whatever the password."""

    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        address = ratelimit.client_address(request)
        username = request.POST.get("username", "")[:150].lower()
        wait = ratelimit.hit(
            "sign-in-address", address, settings.ATTEST_RATE_SIGN_IN_PER_ADDRESS
        ) or ratelimit.hit("sign-in", f"{address}|{username}", settings.ATTEST_RATE_SIGN_IN)
        if wait:
            response = render(request, "429.html", {"retry_after": wait}, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso"] = sso_provider()
        context["local_login"] = settings.ATTEST_LOCAL_LOGIN
        return context


class SignOutView(auth_views.LogoutView):
    """POST only (Django 5): a link cannot sign someone out behind their back."""
