"""The one place API keys are written: issued, revoked, their last use noted."""

import ipaddress
import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import APIKey

logger = logging.getLogger(__name__)

# Last use is written at most this often per key: one UPDATE a minute, not one per request.
LAST_USE_EVERY = timedelta(minutes=1)
LEGACY_PREFIX_LENGTH = 8


@transaction.atomic
def key_issue(*, key: APIKey) -> str:
    """Save a new, unsaved key (owner, name, scopes, expiry_date set) and answer its text: shown once, never stored."""
    if key.expiry_date is not None and key.expiry_date <= timezone.now():
        raise ValidationError({"expiry_date": "The expiry must be in the future."}, code="expired")
    if key.owner_id is not None and not key.owner.is_active:
        raise ValidationError({"owner": "The account is inactive: activate it first."}, code="inactive_owner")
    text = APIKey.objects.assign_key(key)
    key.full_clean()
    key.save(force_insert=True)
    return text


def key_create(*, owner, name: str, scopes: list[str], expiry_date=None) -> tuple[APIKey, str]:
    key = APIKey(owner=owner, name=name, scopes=list(scopes), expiry_date=expiry_date)
    return key, key_issue(key=key)


@transaction.atomic
def key_revoke(*, key: APIKey) -> bool:
    """Revoke the key for good; False if it already was."""
    revoked = APIKey.objects.filter(pk=key.pk, revoked=False).update(revoked=True)
    key.revoked = True
    return bool(revoked)


def key_from_text(text: str) -> APIKey | None:
    """The key with this text (new `prefix.secret`, or a migrated DRF token), whatever its state; None if none."""
    prefix = text.partition(".")[0] if "." in text else text[:LEGACY_PREFIX_LENGTH]
    if not prefix or len(prefix) > LEGACY_PREFIX_LENGTH:
        return None
    key = APIKey.objects.select_related("owner").filter(prefix=prefix).first()
    if key is None or not APIKey.objects.key_generator.verify(text, key.hashed_key):
        return None
    return key


def key_note_use(*, key: APIKey, ip: str | None) -> None:
    """Record that the key was used, at most once a minute, in one UPDATE; a failure is logged, never raised."""
    now = timezone.now()
    ip = _valid_ip(ip)
    if key.last_used_at is not None and now - key.last_used_at < LAST_USE_EVERY:
        return
    # On the primary, named rather than routed: noting a use does not make a read a writer that the replica router
    # (factcheck/db_router.py) would pin to the primary. A savepoint: a failure leaves a request's transaction usable.
    try:
        with transaction.atomic(using=DEFAULT_DB_ALIAS):
            APIKey.objects.using(DEFAULT_DB_ALIAS).filter(pk=key.pk).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USE_EVERY)
            ).update(last_used_at=now, last_used_ip=ip)
    except DatabaseError:
        logger.warning("The last use of API key %s was not recorded", key.prefix, exc_info=True)
        return
    key.last_used_at, key.last_used_ip = now, ip


def _valid_ip(ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        return None
