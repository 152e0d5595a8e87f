"""The source archive: every capture of a cited source, and the watch that re-checks it (docs/ARCHITECTURE.md
"Sources that stay"). Written only by archive/services.py; the record itself (claims) is changed only through
claims/services.py."""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.urls import reverse
from django.utils import timezone


def capture_storage():
    return storages["captures"]


def warc_path(capture, filename: str) -> str:
    return f"captures/{capture.source_id}/{filename}"


class Change(models.TextChoices):
    """How a capture compares with the source's last good capture (archive/compare.py decides)."""

    FIRST = "first", "First capture"
    UNCHANGED = "unchanged", "Unchanged"
    CHANGED = "changed", "Changed (text alike)"
    DRIFTED = "drifted", "Drifted (text differs)"
    MOVED = "moved", "Moved (redirects elsewhere)"
    GONE = "gone", "Gone"
    FAILED = "failed", "Failed"


# What an editor should look at, and what readers are told about.
NOTABLE = (Change.DRIFTED, Change.MOVED, Change.GONE)


class CaptureQuerySet(models.QuerySet):
    def readable(self):
        """Captures with a page to show: fetched, with an answer (any status), not failed."""
        return self.filter(state=Capture.State.DONE, http_status__isnull=False).exclude(change=Change.FAILED)

    def visible_to(self, user):
        from claims.models import Source

        return self.filter(source__in=Source.objects.visible_to(user))


class Capture(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be fetched"
        DONE = "done", "Done"

    class Reason(models.TextChoices):
        CREATED = "created", "Source added"
        URL_CHANGED = "url_changed", "URL changed"
        ASKED = "asked", "Asked by an editor"
        WATCH = "watch", "Scheduled check"
        DEMO = "demo", "Demo stand-in"

    source = models.ForeignKey("claims.Source", on_delete=models.CASCADE, related_name="captures")
    key = models.CharField(
        max_length=64, unique=True, editable=False, help_text="Makes running the task twice harmless."
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="When its fetch was last handed to a worker (the watch asks again if lost)."
    )
    captured_at = models.DateTimeField(null=True, blank=True, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    change = models.CharField(max_length=10, choices=Change.choices, blank=True)
    change_reason = models.CharField(max_length=500, blank=True)
    url = models.URLField("URL asked for", max_length=1000)
    final_url = models.URLField("final URL", max_length=1000, blank=True, help_text="After redirects.")
    http_status = models.PositiveSmallIntegerField("HTTP status", null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True, help_text="Bytes of the body.")
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    text = models.TextField(blank=True, help_text="The main text, extracted.")
    fingerprint = models.CharField(max_length=16, blank=True, help_text="Simhash of the text, for comparing versions.")
    metadata = models.JSONField(default=dict, blank=True, help_text="What the page says of itself.")
    filled_fields = models.JSONField(default=list, blank=True, help_text="Source fields filled from this capture.")
    warc = models.FileField("WARC file", storage=capture_storage, upload_to=warc_path, max_length=300, blank=True)
    error_code = models.CharField(max_length=30, blank=True)
    error = models.CharField(max_length=500, blank=True)
    elapsed = models.FloatField(null=True, blank=True, help_text="Seconds the fetch took.")
    is_demo_stand_in = models.BooleanField(
        default=False, help_text="A small page standing in for the real one in the demo: not a copy of it."
    )

    objects = CaptureQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["source", "-requested_at"], name="capture_source_newest"),
            models.Index(fields=["enqueued_at"], name="capture_pending", condition=models.Q(state="pending")),
        ]

    def __str__(self):
        when = self.captured_at or self.requested_at
        return f"{self.url} at {when:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("claims:capture_detail", kwargs={"pk": self.source_id, "capture": self.pk})

    def get_warc_url(self):
        return reverse("claims:capture_warc", kwargs={"pk": self.source_id, "capture": self.pk})

    @property
    def is_readable(self) -> bool:
        return self.state == self.State.DONE and self.http_status is not None and self.change != Change.FAILED


class WatchQuerySet(models.QuerySet):
    def due(self, now=None):
        return self.filter(next_check_at__lte=now or timezone.now()).order_by("next_check_at")

    def to_look_at(self):
        """Sources whose original drifted, moved or went since it was cited, not yet looked at since."""
        return self.filter(since_cited__in=NOTABLE).filter(
            models.Q(looked_at__isnull=True) | models.Q(looked_at__lt=models.F("changed_at"))
        )


class Watch(models.Model):
    """The watch over one source: its last capture, how it stands against the copy that was cited, when it is
    checked next."""

    source = models.OneToOneField("claims.Source", on_delete=models.CASCADE, primary_key=True, related_name="watch")
    baseline = models.ForeignKey(
        Capture,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The copy that was cited: the first good capture.",
    )
    last = models.ForeignKey(Capture, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    state = models.CharField(
        max_length=10, choices=Change.choices, blank=True, help_text="The last capture against the one before."
    )
    since_cited = models.CharField(
        max_length=10, choices=Change.choices, blank=True, help_text="The last capture against the copy cited."
    )
    changed_at = models.DateTimeField(null=True, blank=True, help_text="When since_cited last changed.")
    failing_since = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    checks = models.PositiveIntegerField(default=0)
    looked_at = models.DateTimeField(null=True, blank=True)
    looked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = WatchQuerySet.as_manager()

    class Meta:
        ordering = ["next_check_at"]
        indexes = [models.Index(fields=["next_check_at"], name="watch_next_check")]

    def __str__(self):
        return f"Watch over {self.source}"


ARCHIVE_MODELS = [Capture, Watch]
