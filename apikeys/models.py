"""API keys for REST clients: the key itself is never stored, only its prefix and hash (djangorestframework-api-key)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey

from .scopes import ALL_SCOPES


def validate_scopes(value):
    if not isinstance(value, list) or not value:
        raise ValidationError("Give at least one scope.", code="no_scope")
    unknown = [name for name in value if name not in ALL_SCOPES]
    if unknown:
        raise ValidationError(
            "Unknown scope %(unknown)s: the scopes are %(all)s.",
            code="unknown_scope",
            params={"unknown": ", ".join(map(str, unknown)), "all": ", ".join(ALL_SCOPES)},
        )


class APIKey(AbstractAPIKey):
    """A named key a client sends as `Authorization: Api-Key <key>`; it acts as its owner, within its scopes."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_keys",
        help_text="The account the key acts as: it can never do more than this account may.",
    )
    scopes = models.JSONField(
        default=list,
        validators=[validate_scopes],
        help_text="What the key may do: " + ", ".join(ALL_SCOPES) + ' (README "API keys").',
    )
    last_used_at = models.DateTimeField(null=True, blank=True, help_text="Recorded at most once a minute.")
    last_used_ip = models.GenericIPAddressField(null=True, blank=True, help_text="The address of that use.")

    class Meta(AbstractAPIKey.Meta):
        ordering = ("-created",)
        verbose_name = "API key"
        verbose_name_plural = "API keys"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return not self.revoked and not self.has_expired
