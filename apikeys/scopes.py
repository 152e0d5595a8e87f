"""The scopes an API key may carry: the one list, with what each allows (README "API keys")."""

from django.db import models


class Scope(models.TextChoices):
    READ = "read", "read"
    WRITE = "write", "write"
    PUBLISH = "publish", "publish"
    SUBMIT = "submit", "submit"
    WEBHOOKS = "webhooks", "webhooks"


DESCRIPTIONS = {
    Scope.READ: "Read anything the owner may see (GET, HEAD, OPTIONS).",
    Scope.WRITE: "Create, change and delete what the owner may (POST, PUT, PATCH, DELETE), and import ClaimReview.",
    Scope.PUBLISH: "Set verdicts, publish, retract and send back claims, as far as the owner is a reviewer.",
    Scope.SUBMIT: "Send draft claims to review.",
    Scope.WEBHOOKS: "Manage the owner's webhook endpoints and their deliveries.",
}

ALL_SCOPES = [scope.value for scope in Scope]


def parse_scopes(text: str) -> list[str]:
    """'read, write' -> ["read", "write"]; ValueError naming any unknown scope, or when none is given."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise ValueError(f"Give at least one scope: {', '.join(ALL_SCOPES)}.")
    unknown = [name for name in names if name not in ALL_SCOPES]
    if unknown:
        raise ValueError(f"Unknown scope {', '.join(map(repr, unknown))}: the scopes are {', '.join(ALL_SCOPES)}.")
    return [scope for scope in ALL_SCOPES if scope in names]
