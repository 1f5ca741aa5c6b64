"""OpenAPI description of the Bearer token scheme (drf-spectacular extension)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "attest_<key id>_<secret>",
            "description": (
                "Create with `python manage.py create_api_token <user> --scope ... "
                "--expires-days N`. CI may instead send its job's OIDC ID token (GitHub "
                "Actions, GitLab CI) when an administrator trusts the issuer: `python manage.py "
                "add_trusted_issuer --issuer <url> --audience <aud> --service-account <user> "
                "--claim repository=<org/repo> --scope gate:read`; an invalid ID token is 401, "
                "a valid one no rule matches 403."
            ),
        }
