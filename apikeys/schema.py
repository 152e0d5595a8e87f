"""The Api-Key security scheme in the OpenAPI schema (drf-spectacular finds it when this module is imported)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from .scopes import DESCRIPTIONS


class APIKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apikeys.authentication.APIKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        scopes = "\n".join(f"- `{scope.value}`: {text}" for scope, text in DESCRIPTIONS.items())
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Send `Authorization: Api-Key <key>` (a DRF token migrated into a key also works as "
            "`Authorization: Token <key>`). Staff make keys in the admin or with `manage.py create_api_key`; a key "
            "is shown once. A key acts as its owner, never beyond the owner's permissions, and only within its "
            "scopes (safe methods need `read`, others `write`, unless an operation says otherwise):\n\n"
            f"{scopes}\n\n"
            "401 `invalid_key`, `key_expired`, `key_revoked` or `inactive_owner`; 403 `insufficient_scope`.",
        }
