"""The domain of factcheck: see docs/ARCHITECTURE.md "The domain"."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from . import verdicts
from .normalize import normalize_url
from .querysets import ContentQuerySet
from .verdicts import Verdict
from .workflow import PUBLIC_STATUSES, Status

SLUG_MAX_LENGTH = 80


wikidata_validator = RegexValidator(r"^Q[1-9][0-9]*$", "A Wikidata id looks like Q42: Q and a number.")
language_validator = RegexValidator(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", "Use a language code such as en, fr or pt-BR.")


def can_see_unpublished(user) -> bool:
    return bool(user and user.is_authenticated and user.is_staff and user.has_perm("claims.view_claim"))


def unique_slug(model, text: str, *, exclude_pk=None) -> str:
    """A slug made from text that no other row of model has."""
    base = slugify(text)[:SLUG_MAX_LENGTH].strip("-") or model._meta.model_name
    slug, n = base, 2
    taken = model._default_manager.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        suffix = f"-{n}"
        slug = base[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
        n += 1
    return slug


class NormalizedURLField(models.URLField):
    """A URL stored in normalized form, so uniqueness holds across spellings."""

    def pre_save(self, model_instance, add):
        value = normalize_url(getattr(model_instance, self.attname) or "")
        setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return normalize_url(value) if value else value


class TimeStamped(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class Topic(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH, unique=True, blank=True, help_text="Made from the name when left empty."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Topic, self.name, exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("claims:topic_detail", kwargs={"slug": self.slug})


class SpeakerQuerySet(ContentQuerySet):
    def visible_to(self, user):
        if can_see_unpublished(user):
            return self
        public_claims = Claim.objects.public()
        return self.filter(
            Exists(public_claims.filter(claimant=OuterRef("pk")))
            | Exists(Statement.objects.public().filter(speaker=OuterRef("pk")))
        )


class Speaker(TimeStamped):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANIZATION = "organization", "Organization"

    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH, unique=True, blank=True, help_text="Made from the name when left empty."
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PERSON)
    title = models.CharField(max_length=200, blank=True, help_text="Role or title, e.g. 'OpenAI spokesperson'.")
    affiliation = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        help_text="The organization this speaker speaks for, if any.",
    )
    wikidata_id = models.CharField("Wikidata id", max_length=20, blank=True, validators=[wikidata_validator])
    url = models.URLField("URL", max_length=500, blank=True)
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = SpeakerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["kind"], name="speaker_kind")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Speaker, self.name, exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("claims:speaker_detail", kwargs={"slug": self.slug})


class SourceQuerySet(ContentQuerySet):
    def visible_to(self, user):
        if can_see_unpublished(user):
            return self
        return self.filter(
            Exists(Claim.objects.public().filter(first_appearance=OuterRef("pk")))
            | Exists(Statement.objects.public().filter(source=OuterRef("pk")))
        )


class Source(TimeStamped):
    class Kind(models.TextChoices):
        NEWS_ARTICLE = "news_article", "News article"
        OFFICIAL_STATEMENT = "official_statement", "Official statement"
        INTERVIEW = "interview", "Interview"
        SOCIAL_POST = "social_post", "Social post"
        FORUM_POST = "forum_post", "Forum post"
        OPEN_LETTER = "open_letter", "Open letter"
        DOCUMENT = "document", "Document"
        DATASET = "dataset", "Dataset"
        OTHER = "other", "Other"

    url = NormalizedURLField(
        "URL",
        max_length=1000,
        unique=True,
        help_text="Stored normalized: scheme and host lower-cased, no trailing slash, "
        "no utm_* or other tracking parameters.",
    )
    title = models.CharField(
        max_length=300, blank=True, help_text="Filled from the captured page when left empty; needed to publish."
    )
    publisher = models.CharField(max_length=200, blank=True)
    author = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.NEWS_ARTICLE, db_index=True)
    published_on = models.DateField(null=True, blank=True, db_index=True)
    accessed_at = models.DateTimeField(null=True, blank=True, help_text="When the newsroom last read it.")
    archive_url = models.URLField(
        "archive URL", max_length=1000, blank=True, help_text="A saved copy, e.g. on the Wayback Machine."
    )
    notes = models.TextField(blank=True, help_text="Internal notes; not shown to readers.")
    history = HistoricalRecords()

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "title"]

    def __str__(self):
        title = self.title or self.url
        return f"{title} ({self.publisher})" if self.publisher else title

    def get_absolute_url(self):
        return reverse("claims:source_detail", kwargs={"pk": self.pk})


class StatementQuerySet(ContentQuerySet):
    def public(self):
        return self.filter(Exists(Evidence.objects.filter(statement=OuterRef("pk"), claim__status__in=PUBLIC_STATUSES)))

    def visible_to(self, user):
        return self if can_see_unpublished(user) else self.public()


class Statement(TimeStamped):
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="statements")
    speaker = models.ForeignKey(
        Speaker,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statements",
        help_text="Who said it; empty when unattributed.",
    )
    text = models.TextField()
    is_quote = models.BooleanField("verbatim quote", default=True, help_text="Off for a paraphrase.")
    stated_on = models.DateField(null=True, blank=True, db_index=True)
    history = HistoricalRecords()

    objects = StatementQuerySet.as_manager()

    class Meta:
        ordering = ["-stated_on", "id"]
        indexes = [models.Index(fields=["is_quote"], name="statement_is_quote")]  # an admin filter

    def __str__(self):
        who = self.speaker.name if self.speaker_id else "Unattributed"
        text = self.text if len(self.text) <= 80 else self.text[:77] + "…"
        return f"{who}: {text}"

    def get_absolute_url(self):
        return self.source.get_absolute_url() + f"#statement-{self.pk}"


class ClaimQuerySet(ContentQuerySet):
    def public(self):
        """Published and retracted claims: what a reader may see."""
        return self.filter(status__in=PUBLIC_STATUSES)

    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user):
        return self if can_see_unpublished(user) else self.public()


class Claim(TimeStamped):
    # Indexed with its id (claim_updated_id below): the lists page by (updated_at, id), and a single-column
    # index let the planner sort ties by id after the fact.
    updated_at = models.DateTimeField(auto_now=True)
    text = models.TextField(help_text="The assertion being checked, as a single sentence.")
    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        blank=True,
        help_text="Made from the text when left empty; fixed once published.",
    )
    claimant = models.ForeignKey(
        Speaker, on_delete=models.PROTECT, null=True, blank=True, related_name="claims", help_text="Who made the claim."
    )
    first_appearance = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="first_appearance_of",
        help_text="Where the claim first appeared.",
    )
    first_appeared_on = models.DateField(null=True, blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="claims")
    summary = models.TextField(blank=True, help_text="The fact check in Markdown; sanitized when shown.")
    verdict = models.CharField(max_length=20, choices=Verdict.choices, default=Verdict.UNVERIFIED, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    language = models.CharField(max_length=16, default="en", validators=[language_validator])
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Bumped on every save; guards against lost updates."
    )
    # "Checked": when the claim was first published with its rating; never moves afterwards.
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    # "Updated" for readers and ClaimReview dateModified: the latest public verdict change or public note
    # (services.py sets it); a silent internal edit never moves it. updated_at is the row's own save time.
    public_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    retracted_at = models.DateTimeField(null=True, blank=True, editable=False)
    retraction_reason = models.TextField(blank=True, editable=False)
    # Kept up to date by database triggers (claims/search.py; migration 0004): text, summary and the text of
    # the evidence statements. Used on PostgreSQL (GIN index); NULL and unused on SQLite, which has FTS5.
    search_vector = SearchVectorField(null=True, editable=False)
    history = HistoricalRecords(m2m_fields=[topics], excluded_fields=["search_vector"])

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        permissions = [("publish_claim", "Can publish and retract claims and set verdicts")]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="claim_status_published"),
            models.Index(fields=["status", "-updated_at"], name="claim_status_updated"),
            models.Index(fields=["status", "verdict"], name="claim_status_verdict"),
            # The public claim list's order (newest first) among the public claims only.
            models.Index(
                fields=["-published_at", "-id"], condition=Q(status__in=PUBLIC_STATUSES), name="claim_public_newest"
            ),
            # The public claim list's "updated" order (readers' "Updated" date), among the public claims only.
            models.Index(
                fields=["-public_updated_at", "-id"],
                condition=Q(status__in=PUBLIC_STATUSES),
                name="claim_public_updated",
            ),
            # The admin claim list's order.
            models.Index(fields=["-updated_at", "-id"], name="claim_updated_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=PUBLIC_STATUSES, verdict=Verdict.UNVERIFIED),
                name="claim_public_is_rated",
                violation_error_message=f"A published claim needs a verdict other than '{Verdict.UNVERIFIED.label}'.",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.RETRACTED) | ~Q(retraction_reason=""),
                name="claim_retraction_has_reason",
                violation_error_message="A retracted claim needs its reason.",
            ),
        ]

    def __str__(self):
        return self.text if len(self.text) <= 100 else self.text[:97] + "…"

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Claim, self.text, exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("claims:claim_detail", kwargs={"slug": self.slug})

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def is_retracted(self) -> bool:
        return self.status == Status.RETRACTED

    @property
    def rating_value(self) -> int | None:
        return verdicts.rating_value(self.verdict)

    @property
    def verdict_meaning(self) -> str:
        return verdicts.meaning(self.verdict)


class Evidence(TimeStamped):
    class Stance(models.TextChoices):
        SUPPORTS = "supports", "Supports"
        REFUTES = "refutes", "Refutes"
        CONTEXT = "context", "Context"

    class Rank(models.TextChoices):
        PREFERRED = "preferred", "Preferred"
        NORMAL = "normal", "Normal"
        DEPRECATED = "deprecated", "Deprecated"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="evidence")
    stance = models.CharField(max_length=20, choices=Stance.choices)
    rank = models.CharField(max_length=20, choices=Rank.choices, default=Rank.NORMAL)
    deprecation_reason = models.TextField(blank=True, help_text="Required when the rank is deprecated.")
    note = models.TextField(blank=True, help_text="How the statement bears on the claim.")
    history = HistoricalRecords()

    objects = ContentQuerySet.as_manager()

    class Meta:
        ordering = ["claim", "rank", "id"]
        verbose_name_plural = "evidence"
        # filters of the admin and the API
        indexes = [
            models.Index(fields=["stance"], name="evidence_stance"),
            models.Index(fields=["rank"], name="evidence_rank"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "statement"],
                name="evidence_one_per_claim_statement",
                violation_error_message="This statement is already evidence for this claim.",
            ),
            models.CheckConstraint(
                condition=~Q(rank="deprecated") | ~Q(deprecation_reason=""),
                name="evidence_deprecated_has_reason",
                violation_error_message="Deprecated evidence needs a reason.",
            ),
        ]

    def __str__(self):
        return f"{self.get_stance_display()}: {self.statement_id} → {self.claim_id}"


class VerdictChange(models.Model):
    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial rating"
        UPDATE = "update", "Update on new evidence"
        CORRECTION = "correction", "Correction of an error"

    # PROTECT: a rated claim is on the public record; it is retracted, never deleted.
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="verdict_changes")
    previous_verdict = models.CharField(max_length=20, choices=Verdict.choices)
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.TextField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    objects = ContentQuerySet.as_manager()

    class Meta:
        ordering = ["claim", "changed_at", "id"]
        indexes = [models.Index(fields=["kind", "-changed_at"], name="verdictchange_kind_changed")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="verdictchange_has_reason",
                violation_error_message="A verdict change needs its reason.",
            ),
        ]

    def __str__(self):
        return f"{self.get_previous_verdict_display()} → {self.get_verdict_display()} ({self.get_kind_display()})"

    @property
    def was_rated(self) -> bool:
        """Whether the claim had a rating before this change (not for its initial rating)."""
        return self.previous_verdict != Verdict.UNVERIFIED


class PublicNote(models.Model):
    """A public note on a published claim: what changed in what readers see, and why."""

    class Kind(models.TextChoices):
        UPDATE = "update", "Update"
        CORRECTION = "correction", "Correction"

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="public_notes")
    kind = models.CharField(
        max_length=20,
        choices=Kind.choices,
        help_text="Update: new information or wording. Correction: we got something wrong.",
    )
    reason = models.TextField(help_text="What changed and why; readers see it in the claim's history.")
    changed_fields = models.JSONField(default=list, blank=True, help_text="What readers see that this note changed.")
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    objects = ContentQuerySet.as_manager()

    class Meta:
        ordering = ["claim", "published_at", "id"]
        indexes = [models.Index(fields=["kind", "-published_at"], name="publicnote_kind_published")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="publicnote_has_reason",
                violation_error_message="A public note needs its reason.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.reason[:60]}"

    def get_absolute_url(self):
        return self.claim.get_absolute_url() + f"#note-{self.pk}"


class ChangeProposal(models.Model):
    """An editor's proposed change to a published claim, for a reviewer to make with a public note, or decline."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        MADE = "made", "Made"
        DECLINED = "declined", "Declined"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="proposals")
    message = models.TextField(help_text="What should change and why.")
    changes = models.JSONField(default=dict, blank=True, help_text="The proposed new values, by field.")
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["state", "-proposed_at"], name="proposal_state_proposed")]

    def __str__(self):
        return f"Proposed change to “{self.claim}”"


class PublicProfile(models.Model):
    """How a staff member is named to readers in a claim's byline."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="public_profile")
    public_name = models.CharField(
        max_length=150, blank=True, help_text="Shown to readers as who checked a claim; empty: the full name."
    )
    history = HistoricalRecords()

    objects = ContentQuerySet.as_manager()

    class Meta:
        verbose_name = "public name"

    def __str__(self):
        return self.public_name or str(self.user)


def public_name(user) -> str:
    """The name readers see for a staff member: their public name, else their full name, else their login."""
    profile = getattr(user, "public_profile", None) if user is not None else None
    if profile is not None and profile.public_name:
        return profile.public_name
    return (user.get_full_name() or user.get_username()) if user is not None else ""


class ExternalReview(TimeStamped):
    """Another fact-checker's review of a claim, as imported from ClaimReview or Google Fact Check Tools."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="external_reviews")
    url = NormalizedURLField("review URL", max_length=1000, unique=True)
    title = models.CharField(max_length=500, blank=True)
    publisher_name = models.CharField(max_length=200, blank=True)
    publisher_url = models.URLField("publisher URL", max_length=1000, blank=True)
    reviewed_on = models.DateField(null=True, blank=True)
    textual_rating = models.CharField(max_length=200, blank=True, help_text="The rating in the publisher's own words.")
    rating_value = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    best_rating = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    worst_rating = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    mapped_verdict = models.CharField(
        max_length=20, choices=Verdict.choices, default=Verdict.UNVERIFIED, help_text="Our verdict for their rating."
    )
    language = models.CharField(max_length=16, blank=True, validators=[language_validator])
    history = HistoricalRecords()

    class Meta:
        ordering = ["claim", "-reviewed_on", "id"]

    def __str__(self):
        return f"{self.publisher_name or self.url}: {self.textual_rating or '?'}"


class PublicChange(models.Model):
    """One change to the public record, in order: the log the changes feed reads and webhooks deliver (an outbox).

    Written by claims/services.py in the transaction of the change it records, so a change that rolls back leaves
    none; never for drafts or work in review. A claim's change names the claim; `source.changed` (the source watch
    found a cited source drifted, moved or gone) names the source instead."""

    class Kind(models.TextChoices):
        PUBLISHED = "claim.published", "Claim published"
        UPDATED = "claim.updated", "Claim updated (public note)"
        VERDICT_CHANGED = "claim.verdict_changed", "Verdict changed"
        RETRACTED = "claim.retracted", "Claim retracted"
        CORRECTION = "correction.published", "Correction published"
        SOURCE_CHANGED = "source.changed", "Cited source changed"

    id = models.BigAutoField(primary_key=True, help_text="The order of the changes.")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    # PROTECT: a claim on the public record is retracted, never deleted.
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="public_changes", null=True, blank=True)
    # A deleted source leaves its change in the log (its id and URL are in data).
    source = models.ForeignKey(Source, on_delete=models.SET_NULL, related_name="public_changes", null=True, blank=True)
    at = models.DateTimeField(help_text="The moment of the change (the service's `at`).")
    data = models.JSONField(default=dict, blank=True, help_text="The public fields a client needs.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        about = f"claim {self.claim_id}" if self.claim_id else f"source {self.data.get('source_id')}"
        return f"{self.get_kind_display()}: {about} at {self.at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        if self.claim_id:
            return self.claim.get_absolute_url()
        return self.source.get_absolute_url() if self.source_id else ""


# Everything a public page or an API read shows: a write to any of them changes what readers see.
CONTENT_MODELS = [
    Claim,
    Evidence,
    VerdictChange,
    PublicNote,
    PublicProfile,
    Statement,
    Source,
    Speaker,
    Topic,
    ExternalReview,
]
