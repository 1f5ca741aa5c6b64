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
                "--expires-days N`."
            ),
        }
