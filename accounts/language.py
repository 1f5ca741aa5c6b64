"""The interface language: the choice stored on the user, applied on every request and at
sign-in, and kept in Django's language cookie so it also holds on the signed-out pages.

Order of precedence (Django's LocaleMiddleware does the rest): the signed-in user's stored
choice, then the language cookie (set by the header's switch, also when signed out), then the
browser's Accept-Language, then LANGUAGE_CODE (English). Under /api/ only Accept-Language
counts: a client gets German ``detail`` messages only when it asks for them.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import trans_real

# Set on the request by the sign-in signal: the language whose cookie the response must carry.
COOKIE_ATTRIBUTE = "_attest_language_cookie"


def is_available(language: str) -> bool:
    return language in dict(settings.LANGUAGES)


def accept_language(request) -> str:
    """The first offered language the request's Accept-Language asks for (RFC 9110 12.5.4,
    by Django's parser), else LANGUAGE_CODE."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in trans_real.parse_accept_lang_header(header):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def set_cookie(response, language: str) -> None:
    """Django's own language cookie, exactly as its set_language view writes it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def apply(request, language: str) -> None:
    """Switch this request to ``language`` and have the response store it in the cookie."""
    if not is_available(language):
        return
    translation.activate(language)
    request.LANGUAGE_CODE = language
    setattr(request, COOKIE_ATTRIBUTE, language)


class UserLanguageMiddleware:
    """After LocaleMiddleware and AuthenticationMiddleware: a signed-in user's stored choice
    wins over the cookie and Accept-Language, and the cookie follows it, so signing out leaves
    the sign-in page in the language the person uses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/api/"):
            # The API answers in the language the client asks for with Accept-Language, else
            # English, whatever the session's stored choice or a browser's cookie say.
            language = accept_language(request)
            translation.activate(language)
            request.LANGUAGE_CODE = language
            return self.get_response(request)
        user = getattr(request, "user", None)
        stored = user.language if user is not None and user.is_authenticated else ""
        if stored and stored != getattr(request, "LANGUAGE_CODE", None):
            apply(request, stored)
        response = self.get_response(request)
        wanted = getattr(request, COOKIE_ATTRIBUTE, None)
        if wanted and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != wanted:
            set_cookie(response, wanted)
        return response
