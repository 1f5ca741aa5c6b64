"""The allauth URLs Attest uses, and no others (no local sign-up, password reset, e-mail...).

Names are allauth's, because allauth reverses them.
"""

from allauth.account import views as account_views
from allauth.socialaccount import views as social_views
from django.urls import path
from django.views.generic import RedirectView

from accounts.sso import provider
from accounts.views import SignOutView

urlpatterns = [
    path(
        "login/",
        RedirectView.as_view(pattern_name="accounts:login", query_string=True),
        name="account_login",
    ),
    path("logout/", SignOutView.as_view(), name="account_logout"),
    path("inactive/", account_views.account_inactive, name="account_inactive"),
    path("sso/cancelled/", social_views.login_cancelled, name="socialaccount_login_cancelled"),
    path("sso/error/", social_views.login_error, name="socialaccount_login_error"),
    path("sso/signup/", social_views.signup, name="socialaccount_signup"),
    path("oidc/<str:provider_id>/login/", provider.login, name="openid_connect_login"),
    path(
        "oidc/<str:provider_id>/login/callback/", provider.callback, name="openid_connect_callback"
    ),
]
