"""`Authorization: Api-Key <key>` (and `Token <key>`, for DRF tokens migrated into keys): the request acts as the
key's owner, and `request.auth` is the key, whose scopes apikeys.permissions checks."""

from datetime import UTC

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from factcheck.auth_backends import client_ip

from . import services

SCHEMES = {b"api-key", b"token"}  # "Token": the DRF tokens migrated by apikeys/migrations/0002


class APIKeyAuthentication(BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in SCHEMES:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the key as `Authorization: Api-Key <key>`, with no spaces in the key.", code="invalid_key"
            )
        try:
            text = parts[1].decode("ascii")
        except UnicodeDecodeError:
            text = ""
        key = services.key_from_text(text) if text else None
        if key is None:
            raise exceptions.AuthenticationFailed("The API key is not valid.", code="invalid_key")
        if key.revoked:
            raise exceptions.AuthenticationFailed("The API key has been revoked.", code="key_revoked")
        if key.has_expired:
            raise exceptions.AuthenticationFailed(
                f"The API key expired on {key.expiry_date.astimezone(UTC):%Y-%m-%d %H:%M} UTC.", code="key_expired"
            )
        if not key.owner.is_active:
            raise exceptions.AuthenticationFailed("The account of the API key is inactive.", code="inactive_owner")
        services.key_note_use(key=key, ip=client_ip(request))
        return key.owner, key

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to a request without credentials, naming the scheme to use.
        return f'{self.keyword} realm="api"'
