"""Webhooks (README "Webhooks"): endpoints that clients register, one delivery per event and endpoint, and the log of
each attempt. Written only by webhooks/services.py."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from claims.models import PublicChange

TEST_EVENT = "webhook.test"
# What an endpoint may subscribe to: every change of the public record (claims.PublicChange.Kind).
EVENT_TYPES = list(PublicChange.Kind.values)


class Endpoint(models.Model):
    """A URL that receives signed events (the Standard Webhooks specification), owned by the client that made it."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=1000, help_text="Where events are POSTed: http or https, a public address.")
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(
        default=list, blank=True, help_text="The event types sent to it (a list); empty: every event."
    )
    # Signing needs the secret itself: it is kept (like any shared HMAC key), and shown only at creation and rotation.
    secret = models.CharField(max_length=100, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField("active", default=True)
    disabled_reason = models.CharField(max_length=500, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Every attempt since then failed (cleared by a delivery, a change, or turning it on again).",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events


class Delivery(models.Model):
    """One event for one endpoint: sent until it is delivered or the retry schedule is used up. `event_id` is the
    `webhook-id` header, the same on every attempt: the receiver's key to process an event once."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        FAILED = "failed", "Failed, to be retried"
        DELIVERED = "delivered", "Delivered"
        GIVEN_UP = "given_up", "Given up"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=40)
    body = models.TextField(help_text="The JSON payload exactly as it is sent and signed.")
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="Attempts made in all.")
    step = models.PositiveIntegerField(default=0, help_text="Failed attempts since the schedule (re)started.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True, help_text="A worker is sending it until then.")
    enqueued_for = models.DateTimeField(
        null=True, blank=True, help_text="When its next attempt was enqueued to run (the sweep leaves it be)."
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhooks_one_delivery_per_event")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhooks_delivery_due")]

    def __str__(self):
        return f"{self.event_type} {self.event_id} to {self.endpoint_id}"


class Attempt(models.Model):
    """One POST of a delivery and what came back."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error = models.CharField(max_length=500, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=500, blank=True, help_text="The answer's first 500 characters.")

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhooks_one_attempt_number")]

    def __str__(self):
        return f"attempt {self.number}: {self.status_code or self.error_code}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Dispatch(models.Model):
    """One row: the last public change already fanned out into deliveries (locked by the fan-out)."""

    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "dispatch"

    def __str__(self):
        return f"fanned out up to change {self.position}"
