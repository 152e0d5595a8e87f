"""Throttles that read their rates from settings at request time (so tests and deployments can change them)."""

import logging

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from apikeys.models import APIKey
from factcheck.auth_backends import client_ip

logger = logging.getLogger(__name__)


class _LiveRate:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        # The address as the login lockout sees it: a client's own X-Forwarded-For does not give it a fresh limit.
        return client_ip(request) or "unknown"

    def allow_request(self, request, view):
        # The counts live in the cache (Redis in production); with it down the API answers unthrottled, not 500.
        try:
            return super().allow_request(request, view)
        except Exception:  # noqa: BLE001 - any cache backend's connection error
            logger.warning("API throttle %r not applied: the cache does not answer", self.scope, exc_info=True)
            return True


class AnonThrottle(_LiveRate, AnonRateThrottle):
    """settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"] (env API_THROTTLE_ANON), per client address."""


class UserThrottle(_LiveRate, UserRateThrottle):
    """settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"] (env API_THROTTLE_USER), per account; requests made
    with an API key count against the key instead (KeyThrottle)."""

    def get_cache_key(self, request, view):
        return None if isinstance(request.auth, APIKey) else super().get_cache_key(request, view)


class KeyThrottle(_LiveRate, SimpleRateThrottle):
    """settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["key"] (env API_THROTTLE_KEY), per API key."""

    scope = "key"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, APIKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}
