"""Throttles that read their rates from settings at request time (so tests and deployments can change them)."""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from claims.auth_backends import client_ip


class _LiveRate:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        # The address as the login lockout sees it: a client's own X-Forwarded-For does not give it a fresh limit.
        return client_ip(request) or "unknown"


class AnonThrottle(_LiveRate, AnonRateThrottle):
    """settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"] (env API_THROTTLE_ANON), per client address."""


class UserThrottle(_LiveRate, UserRateThrottle):
    """settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"] (env API_THROTTLE_USER), per account."""
