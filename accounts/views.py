"""Sign-in and sign-out pages, and the API token settings page. Adapters only."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts import language as interface_language
from accounts import services
from accounts.forms import ApiTokenCreateForm, SignInForm
from accounts.roles import is_admin
from accounts.selectors import api_token_list, api_token_revocable
from accounts.sso import sso_provider
from common import ratelimit
from common.forms import form_errors


class SignInView(auth_views.LoginView):
    """Local password sign-in (break-glass admins only when ATTEST_LOCAL_LOGIN is off) and
    the "Sign in with <provider>" button. Attempts are rate-limited per address and per
    (address, username): a 429 page with Retry-After, whatever the password, until the window
    ends or an administrator clears the lockout (``services.sign_in_attempt_register``). Single
    sign-on never comes through here, so a password lockout never blocks it."""

    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        wait = services.sign_in_attempt_register(
            client_address=ratelimit.client_address(request),
            username=request.POST.get("username", ""),
        )
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


def _token_list_page(request, form, status=200):
    return render(
        request,
        "accounts/token_list.html",
        {
            "form": form,
            "tokens": api_token_list(user=request.user),
            "show_owner": is_admin(request.user),
            "now": timezone.now(),
        },
        status=status,
    )


@login_required
def token_list(request):
    return _token_list_page(request, ApiTokenCreateForm(actor=request.user))


# Session key holding the last 20 submission keys that issued a token (not a secret).
USED_TOKEN_FORMS = "used_token_forms"  # noqa: S105


@never_cache
@login_required
@require_POST
def token_create(request):
    """Issue a token and show it once. It is rendered into this response only: never put in
    the URL, the session, the messages store or a log, and the response is ``no-store``, so
    neither the list page nor the browser's cache can show it again."""
    form = ApiTokenCreateForm(request.POST, actor=request.user)
    if form.is_valid():
        data = form.cleaned_data
        used = request.session.get(USED_TOKEN_FORMS, [])
        if data["submission_key"] and data["submission_key"] in used:
            messages.warning(
                request,
                _(
                    "That form was already sent: its token was created then and is shown only "
                    "once. If you did not copy it, revoke it below and create a new one."
                ),
            )
            return redirect("accounts:token-list")
        with form_errors(form) as call:
            token, token_string = services.api_token_create(
                actor=request.user,
                user=data.get("user") or request.user,
                name=data["name"],
                scopes=data["scopes"],
                expires_in_days=data["expires_in_days"],
            )
        if call.ok:
            if data["submission_key"]:
                request.session[USED_TOKEN_FORMS] = [*used, data["submission_key"]][-20:]
            return render(
                request,
                "accounts/token_created.html",
                {"token": token, "token_string": token_string},
            )
    return _token_list_page(request, form, status=400)


@login_required
@require_POST
def token_revoke(request, token_id):
    token = get_object_or_404(api_token_revocable(user=request.user), pk=token_id)
    if token.revoked_at is not None:
        messages.info(request, _("Token “%(name)s” was already revoked.") % {"name": token.name})
    else:
        services.api_token_revoke(actor=request.user, token=token)
        messages.success(
            request,
            _(
                "Token “%(name)s” (attest_%(key_id)s_…) revoked. "
                "Requests that present it now get 401."
            )
            % {"name": token.name, "key_id": token.key_id},
        )
    return redirect("accounts:token-list")


@require_POST
def language_set(request):
    """The header's language switch: Django's set_language (the cookie, then back to the
    ``next`` page) and, for a signed-in person, the choice stored on their account, so it
    survives signing out and in and follows them to another browser."""
    chosen = request.POST.get("language", "")
    if not interface_language.is_available(chosen):
        # Django's view takes any language it has a catalogue for (it has French); the cookie
        # would be ignored, so it is not set: back to the page, nothing changed.
        request.POST = request.POST.copy()
        request.POST.pop("language", None)
    response = set_language(request)
    if request.user.is_authenticated and interface_language.is_available(chosen):
        services.user_language_set(actor=request.user, user=request.user, language=chosen)
    return response
