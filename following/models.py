"""Other factcheck sites this one follows, and what it received from each (README "Following another newsroom").

Written only by following/services.py."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from claims.models import Claim, ExternalReview

KEY_HINT_LENGTH = 8


class FollowedSiteQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def due(self, now):
        """Active sites whose next poll is at or before now (a site never polled is due at once)."""
        return self.active().filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now))


class FollowedSite(models.Model):
    """Another factcheck whose changes feed this one reads, bringing its fact checks in as external reviews."""

    url = models.URLField(
        "base URL",
        max_length=500,
        unique=True,
        help_text="The site's address (scheme, host and any path it lives under, no trailing slash): its feed is "
        "<base URL>/api/v1/changes/.",
    )
    name = models.CharField(max_length=200, help_text="The newsroom's name, as its site gives it (else the host).")
    # A credential of the other site, sent as "Authorization: Api-Key <key>": kept as entered (it must be sent),
    # never shown again (the admin shows key_hint).
    api_key = models.CharField("API key", max_length=200, blank=True)
    cursor = models.CharField(
        max_length=200, blank=True, help_text="Where the next poll reads on: the `after` of the feed's last `next`."
    )
    active = models.BooleanField(default=True, help_text="Unfollowed sites are not polled.")
    followed_at = models.DateTimeField(default=timezone.now, editable=False)
    followed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_checked_at = models.DateTimeField(null=True, blank=True, help_text="The last poll, whatever its outcome.")
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, help_text="Why the last poll failed (empty after a success).")
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_check_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="The next poll: later after each failure (backoff)."
    )
    reviews_imported = models.PositiveIntegerField(
        default=0, help_text="Its fact checks now on our claims as external reviews."
    )
    suggestions = models.PositiveIntegerField(default=0, help_text="Its fact checks waiting for an editor.")

    objects = FollowedSiteQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name or self.url

    def get_absolute_url(self):
        return self.url + "/"

    @property
    def key_hint(self) -> str:
        return f"{self.api_key[:KEY_HINT_LENGTH]}…" if self.api_key else ""


class FollowedReview(models.Model):
    """One fact check of a followed site, as received: on one of our claims (an external review), waiting for an
    editor (a suggestion), dismissed by one, or withdrawn because the other site retracted it."""

    class State(models.TextChoices):
        IMPORTED = "imported", "Imported (an external review of our claim)"
        SUGGESTED = "suggested", "Suggestion: no claim of ours matches"
        DISMISSED = "dismissed", "Dismissed by an editor"
        RETRACTED = "retracted", "Retracted by the other site"

    site = models.ForeignKey(FollowedSite, on_delete=models.CASCADE, related_name="reviews")
    remote_id = models.BigIntegerField(help_text="The claim's id on the other site.")
    remote_slug = models.SlugField(max_length=255)
    url = models.URLField("review URL", max_length=1000, help_text="The fact check's page on the other site.")
    claim_text = models.TextField()
    textual_rating = models.CharField(max_length=200, blank=True)
    claimreview = models.JSONField(default=dict, blank=True, help_text="The ClaimReview as last received.")
    state = models.CharField(max_length=20, choices=State.choices)
    external_review = models.ForeignKey(
        ExternalReview, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    candidates = models.ManyToManyField(
        Claim, blank=True, related_name="+", help_text="Our claims most like it, when it is a suggestion."
    )
    received_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["site", "remote_id"], name="following_review_once_per_site")]
        indexes = [models.Index(fields=["state", "-updated_at"], name="following_review_state")]

    def __str__(self):
        return f"{self.site}: {self.claim_text[:80]}"

    def get_absolute_url(self):
        return self.url
