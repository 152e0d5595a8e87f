"""Serializers of the API: explicit fields, related objects by id, strict input."""

import copy
from collections.abc import Mapping
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import model_meta

from archive import fetch, reading
from archive.models import Capture, Change
from claims import public_record, services, verdicts, workflow
from claims.models import (
    Claim,
    Evidence,
    PublicNote,
    Source,
    Speaker,
    Statement,
    Topic,
    Verdict,
    VerdictChange,
    can_see_unpublished,
)
from exchange.claimreview import canonical_url, is_exportable

from .exceptions import _django_validation_detail

# Longest text accepted in a TextField unless a serializer says otherwise.
TEXT_MAX_LENGTH = 20_000
REASON_MAX_LENGTH = 5_000


def _user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class StrictInputMixin:
    """Refuses fields it does not know, and read-only fields, instead of ignoring them."""

    read_only_hints: dict[str, str] = {}

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {}
            for key in data:
                field = self.fields.get(key)
                if field is None:
                    errors[key] = ["Unknown field."]
                elif field.read_only:
                    errors[key] = [self.read_only_hints.get(key, "This field is read-only.")]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A related object by id, among the objects the requesting user may see."""

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs.setdefault("queryset", model._default_manager.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        manager = self.model._default_manager
        if hasattr(manager, "visible_to"):
            return manager.visible_to(_user(self))
        return manager.all()


class ApiModelSerializer(StrictInputMixin, serializers.ModelSerializer):
    """Validates the model (fields, uniqueness, constraints) early, for field errors; the services write
    (claims/services.py: the serializer hands them what it validated, with the requesting user)."""

    text_max_lengths: dict[str, int] = {}
    # The services that write this model, and the keyword that names the row in them.
    service_name = ""
    create_service = None
    update_service = None
    delete_service = None
    # Inputs for the service that are not fields of the model (a public note's kind and reason).
    service_inputs: tuple[str, ...] = ()

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, models.TextField) and not kwargs.get("read_only"):
            kwargs["max_length"] = self.text_max_lengths.get(field_name, TEXT_MAX_LENGTH)
        return field_class, kwargs

    def _many(self):
        info = model_meta.get_field_info(self.Meta.model)
        return {name for name, rel in info.relations.items() if rel.to_many}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        many = self._many()
        plain = {k: v for k, v in attrs.items() if k not in many and k not in self.service_inputs}
        if self.instance is not None:
            candidate = copy.copy(self.instance)
            for name, value in plain.items():
                setattr(candidate, name, value)
        else:
            candidate = self.Meta.model(**plain)
        try:
            candidate.full_clean(exclude=list(many))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(_django_validation_detail(exc)) from None
        return attrs

    def create(self, validated_data):
        return self.create_service(by=_user(self), **validated_data)

    def update(self, instance, validated_data):
        return self.update_service(**{self.service_name: instance}, by=_user(self), **validated_data)

    def delete(self, instance, **inputs):
        self.delete_service(**{self.service_name: instance}, by=_user(self), **inputs)


def note_kind_field():
    return serializers.ChoiceField(
        choices=PublicNote.Kind.choices,
        write_only=True,
        required=False,
        help_text="With a change to what readers see of a published claim (reviewers only): update (new "
        "information or wording) or correction (we got something wrong). Readers see the note.",
    )


def note_reason_field():
    return serializers.CharField(
        max_length=REASON_MAX_LENGTH,
        write_only=True,
        required=False,
        help_text="With note_kind: what changed and why; shown in the claim's public history.",
    )


class TopicSerializer(ApiModelSerializer):
    service_name = "topic"
    create_service = staticmethod(services.topic_create)
    update_service = staticmethod(services.topic_update)
    delete_service = staticmethod(services.topic_delete)

    class Meta:
        model = Topic
        fields = ["id", "slug", "name"]


class SpeakerSerializer(ApiModelSerializer):
    service_name = "speaker"
    create_service = staticmethod(services.speaker_create)
    update_service = staticmethod(services.speaker_update)
    delete_service = staticmethod(services.speaker_delete)

    affiliation = VisibleRelatedField(
        Speaker, allow_null=True, required=False, help_text="The id of the organization this speaker speaks for."
    )

    class Meta:
        model = Speaker
        fields = [
            "id",
            "slug",
            "name",
            "kind",
            "title",
            "affiliation",
            "wikidata_id",
            "url",
            "description",
            "created_at",
            "updated_at",
        ]

    def validate_affiliation(self, value):
        if value is not None and self.instance is not None and value.pk == self.instance.pk:
            raise serializers.ValidationError("A speaker cannot be their own affiliation.")
        return value


def _absolute(serializer, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request else path


class CaptureSerializer(serializers.ModelSerializer):
    """One capture of a source: a fetch of its URL, what came back, and how it compares with the one before."""

    change = serializers.ChoiceField(
        choices=Change.choices,
        allow_blank=True,
        read_only=True,
        help_text="Against the source's last good capture: first, unchanged, changed (bytes differ, text alike), "
        "drifted (text differs), moved (redirects elsewhere), gone (404/410, or failing for long), failed (no "
        "answer; see error); empty while pending.",
    )
    final_url = serializers.CharField(
        read_only=True, help_text="Where the URL led after redirects; empty while pending or without an answer."
    )
    metadata = serializers.DictField(
        read_only=True, help_text="What the page said of itself: title, author, publisher, dates, language."
    )
    filled_fields = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="The source's fields that were empty and were filled from this capture.",
    )
    html_url = serializers.SerializerMethodField(
        help_text="The public page of this capture: its extracted text (escaped), dates, digests and metadata."
    )
    text_url = serializers.SerializerMethodField(
        help_text="The extracted main text as text/plain; null while pending, or when the fetch failed."
    )
    warc_url = serializers.SerializerMethodField(
        help_text="The WARC file of the request and response, as a download (application/warc); null without one."
    )

    class Meta:
        model = Capture
        fields = [
            "id",
            "source",
            "url",
            "requested_at",
            "captured_at",
            "state",
            "reason",
            "change",
            "change_reason",
            "http_status",
            "content_type",
            "size",
            "sha256",
            "fingerprint",
            "final_url",
            "metadata",
            "filled_fields",
            "error_code",
            "error",
            "is_demo_stand_in",
            "html_url",
            "text_url",
            "warc_url",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "source": {"help_text": "The id of the source."},
            "is_demo_stand_in": {
                "help_text": f"True for the demo's shipped pages: a {reading.DEMO_STAND_IN}.",
            },
        }

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, capture) -> str:
        return settings.SITE_URL + capture.get_absolute_url()

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_text_url(self, capture) -> str | None:
        if not capture.is_readable:
            return None
        path = reverse("api:source-capture-text", kwargs={"source_id": capture.source_id, "id": capture.pk})
        return _absolute(self, path)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_warc_url(self, capture) -> str | None:
        return settings.SITE_URL + capture.get_warc_url() if capture.warc else None


FILLED_FROM_CAPTURE = {
    "type": "object",
    "nullable": True,
    "required": ["capture", "captured_at", "fields"],
    "properties": {
        "capture": {"type": "integer", "description": "The id of the capture that filled them."},
        "captured_at": {"type": "string", "format": "date-time", "nullable": True},
        "fields": {"type": "array", "items": {"type": "string"}, "description": "The source's fields it filled."},
    },
}


ORIGINAL_STATUS = serializers.ChoiceField(choices=Change.choices, allow_null=True)


class SourceSerializer(ApiModelSerializer):
    service_name = "source"
    create_service = staticmethod(services.source_create)
    update_service = staticmethod(services.source_update)
    delete_service = staticmethod(services.source_delete)

    archived_at = serializers.SerializerMethodField(
        help_text="Our page of the copy that was cited (the source's first good capture), with its text and WARC "
        "download; null until there is one."
    )
    archived_is_demo_stand_in = serializers.SerializerMethodField(
        help_text=f"True when the archived copy is a {reading.DEMO_STAND_IN}."
    )
    original_status = serializers.SerializerMethodField(
        help_text="How the original stands against the copy that was cited, at its last check: first, unchanged, "
        "changed (bytes differ, text alike), drifted (text differs), moved or gone; null before any check."
    )
    original_status_at = serializers.SerializerMethodField(help_text="When original_status last changed.")
    captures_url = serializers.SerializerMethodField(help_text="The source's captures, newest first.")
    filled_from_capture = serializers.SerializerMethodField(
        help_text="The fields the newest capture that filled any filled in (fields an editor left empty), with that "
        "capture's id and time; null when none did."
    )

    class Meta:
        model = Source
        fields = [
            "id",
            "url",
            "title",
            "publisher",
            "author",
            "kind",
            "published_on",
            "accessed_at",
            "archive_url",
            "notes",
            "created_at",
            "updated_at",
            "archived_at",
            "archived_is_demo_stand_in",
            "original_status",
            "original_status_at",
            "captures_url",
            "filled_from_capture",
        ]
        extra_kwargs = {
            "notes": {"help_text": "Internal notes: shown to staff only."},
            "url": {
                "help_text": "http or https. Alone, it is enough to add a source: a capture fills the title, "
                "publisher, author and date an editor leaves empty."
            },
            "archive_url": {"help_text": "A copy kept elsewhere, e.g. on the Wayback Machine (archived_at is ours)."},
        }

    def validate_url(self, value):
        if self.instance is not None and value == self.instance.url:
            return value
        if urlsplit(value).scheme.lower() not in ("http", "https"):
            raise serializers.ValidationError("Give an http:// or https:// address: only web pages are captured.")
        try:
            fetch.check_url(value)
        except fetch.Refused as exc:
            raise serializers.ValidationError(str(exc), code=getattr(exc, "code", "refused")) from None
        return value

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not can_see_unpublished(_user(self)):
            data.pop("notes", None)
        return data

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_archived_at(self, source) -> str | None:
        return reading.archived_at(source)

    def get_archived_is_demo_stand_in(self, source) -> bool:
        cited = reading.cited_copy(source)
        return bool(cited and cited.is_demo_stand_in)

    @extend_schema_field(ORIGINAL_STATUS)
    def get_original_status(self, source) -> str | None:
        return reading.original_status(source)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_original_status_at(self, source):
        watch = reading.watch_of(source)
        changed = watch.changed_at if watch is not None else None
        return serializers.DateTimeField().to_representation(changed) if changed else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_captures_url(self, source) -> str:
        return _absolute(self, reverse("api:source-capture-list", kwargs={"source_id": source.pk}))

    @extend_schema_field(FILLED_FROM_CAPTURE)
    def get_filled_from_capture(self, source) -> dict | None:
        found = getattr(source, "filled_captures", None)
        if found is None:
            found = list(filled_captures().filter(source=source)[:1])
        if not found:
            return None
        capture = found[0]
        when = serializers.DateTimeField().to_representation(capture.captured_at) if capture.captured_at else None
        return {"capture": capture.pk, "captured_at": when, "fields": list(capture.filled_fields)}


def filled_captures():
    """Captures that filled some of their source's fields, newest first, without their text."""
    return (
        Capture.objects.filter(filled_fields__0__isnull=False)
        .only("id", "source_id", "requested_at", "captured_at", "filled_fields")
        .order_by("-requested_at", "-id")
    )


class SourceCreatedSerializer(SourceSerializer):
    """A source just added, with the capture of its URL that was asked for."""

    capture = CaptureSerializer(
        read_only=True,
        allow_null=True,
        help_text="The capture asked for when the source was added, pending until a worker fetches the URL; null "
        "when capturing on save is off.",
    )

    class Meta(SourceSerializer.Meta):
        fields = [*SourceSerializer.Meta.fields, "capture"]


class StatementSerializer(ApiModelSerializer):
    service_name = "statement"
    create_service = staticmethod(services.statement_create)
    update_service = staticmethod(services.statement_update)
    delete_service = staticmethod(services.statement_delete)

    service_inputs = ("note_kind", "note_reason")

    source = VisibleRelatedField(Source, help_text="The id of the source the statement is in.")
    speaker = VisibleRelatedField(
        Speaker, allow_null=True, required=False, help_text="The id of who said it; null when unattributed."
    )
    note_kind = note_kind_field()
    note_reason = note_reason_field()

    class Meta:
        model = Statement
        fields = [
            "id",
            "source",
            "speaker",
            "text",
            "is_quote",
            "stated_on",
            "created_at",
            "updated_at",
            "note_kind",
            "note_reason",
        ]


class EvidenceSerializer(ApiModelSerializer):
    service_name = "evidence"
    create_service = staticmethod(services.evidence_create)
    update_service = staticmethod(services.evidence_update)
    delete_service = staticmethod(services.evidence_delete)
    service_inputs = ("note_kind", "note_reason")

    claim = VisibleRelatedField(Claim, help_text="The id of the claim.")
    statement = VisibleRelatedField(Statement, help_text="The id of the statement that bears on the claim.")
    note_kind = note_kind_field()
    note_reason = note_reason_field()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "claim",
            "statement",
            "stance",
            "rank",
            "deprecation_reason",
            "note",
            "created_at",
            "updated_at",
            "note_kind",
            "note_reason",
        ]


# Read-only nested shapes inside a claim's detail.


class SpeakerBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Speaker
        fields = ["id", "slug", "name", "kind", "title"]
        read_only_fields = fields


class SourceBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "url", "title", "publisher", "kind", "published_on"]
        read_only_fields = fields


class StatementNestedSerializer(serializers.ModelSerializer):
    speaker = SpeakerBriefSerializer(read_only=True, allow_null=True)
    source = SourceBriefSerializer(read_only=True)

    class Meta:
        model = Statement
        fields = ["id", "text", "is_quote", "stated_on", "speaker", "source"]
        read_only_fields = fields


class EvidenceNestedSerializer(serializers.ModelSerializer):
    statement = StatementNestedSerializer(read_only=True)

    class Meta:
        model = Evidence
        fields = ["id", "stance", "rank", "deprecation_reason", "note", "statement"]
        read_only_fields = fields


class VerdictChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = VerdictChange
        fields = ["previous_verdict", "verdict", "kind", "reason", "changed_at"]
        read_only_fields = fields


class PublicNoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = PublicNote
        fields = ["kind", "reason", "changed_fields", "published_at"]
        read_only_fields = fields


CLAIM_READ_ONLY_HINTS = {
    "status": "Read-only: change it with POST to the claim's "
    + ", ".join(f"{name.replace('_', '-')}/" for name in workflow.TRANSITIONS)
    + ".",
    "verdict": "Read-only: change it with POST to the claim's verdict/ (verdict, kind and reason).",
}


# What the claim list reads of each claim: ClaimViewSet lists rows of these values, not model instances.
CLAIM_LIST_COLUMNS = [
    "id",
    "slug",
    "text",
    "claimant_id",
    "first_appearance_id",
    "first_appeared_on",
    "summary",
    "verdict",
    "status",
    "language",
    "version",
    "published_at",
    "public_updated_at",
    "retracted_at",
    "retraction_reason",
    "created_at",
    "updated_at",
]


class ClaimListSerializer(serializers.ListSerializer):
    """A page of claims (model instances, or rows of CLAIM_LIST_COLUMNS), with their topic ids read in one query
    in the topics' order, not by a prefetch of topic rows."""

    def to_representation(self, data):
        rows = data.all() if isinstance(data, models.manager.BaseManager) else data
        claims = [SimpleNamespace(**row) if isinstance(row, dict) else row for row in rows]
        through = Claim.topics.through.objects.filter(claim_id__in=[claim.id for claim in claims])
        topic_ids: dict[int, list[int]] = {}
        for claim_id, topic_id in through.order_by("topic__name", "topic_id").values_list("claim_id", "topic_id"):
            topic_ids.setdefault(claim_id, []).append(topic_id)
        for claim in claims:
            claim.topic_ids = topic_ids.get(claim.id, [])
        return super().to_representation(claims)


class ClaimSerializer(ApiModelSerializer):
    """A claim as listed; the detail adds its evidence, verdict history and ClaimReview link."""

    read_only_hints = CLAIM_READ_ONLY_HINTS
    text_max_lengths = {"text": 1_000, "summary": 100_000}

    claimant = VisibleRelatedField(Speaker, allow_null=True, required=False, help_text="The id of who made the claim.")
    first_appearance = VisibleRelatedField(
        Source, allow_null=True, required=False, help_text="The id of the source where the claim first appeared."
    )
    topics = VisibleRelatedField(Topic, many=True, required=False, help_text="Ids of the claim's topics.")
    verdict_label = serializers.CharField(source="get_verdict_display", read_only=True)
    page_url = serializers.SerializerMethodField(help_text="The claim's public page.")
    checked_at = serializers.DateTimeField(
        source="published_at",
        read_only=True,
        allow_null=True,
        help_text="The date readers see as Checked: when the claim was first published with its rating; never moves.",
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "slug",
            "text",
            "claimant",
            "first_appearance",
            "first_appeared_on",
            "topics",
            "summary",
            "verdict",
            "verdict_label",
            "status",
            "language",
            "version",
            "published_at",
            "retracted_at",
            "retraction_reason",
            "created_at",
            "updated_at",
            "page_url",
            "checked_at",
            "public_updated_at",
        ]
        read_only_fields = [
            "status",
            "verdict",
            "version",
            "published_at",
            "public_updated_at",
            "retracted_at",
            "retraction_reason",
        ]
        list_serializer_class = ClaimListSerializer
        extra_kwargs = {
            "slug": {"help_text": "Made from the text when left out; fixed once published."},
            "public_updated_at": {
                "help_text": "The date readers see as Updated: the latest verdict change or public note after "
                "publication (updated_at is any save, including internal ones)."
            },
        }

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, claim) -> str:
        head, tail = self._page_url_around_slug
        return f"{head}{claim.slug}{tail}"

    @cached_property
    def _page_url_around_slug(self) -> tuple[str, str]:
        # A slug needs no quoting in a URL, so one reverse() serves every claim of a list.
        head, _, tail = canonical_url(Claim(slug="-")).rpartition("-")
        return head, tail

    def to_representation(self, claim):
        # The fields above, read straight off the claim: DRF's field-by-field walk was most of the
        # list's cost at 100 claims a page. tests/test_api_representation.py holds it equal to DRF's.
        moment = self._moment
        topics = getattr(claim, "topic_ids", None)  # set by ClaimListSerializer
        if topics is None:
            topics = [topic.pk for topic in claim.topics.all()]
        data = {
            "id": claim.id,
            "slug": claim.slug,
            "text": claim.text,
            "claimant": claim.claimant_id,
            "first_appearance": claim.first_appearance_id,
            "first_appeared_on": None if claim.first_appeared_on is None else claim.first_appeared_on.isoformat(),
            "topics": topics,
            "summary": claim.summary,
            "verdict": claim.verdict,
            "verdict_label": verdicts.label(claim.verdict),
            "status": claim.status,
            "language": claim.language,
            "version": claim.version,
            "published_at": moment(claim.published_at),
            "retracted_at": moment(claim.retracted_at),
            "retraction_reason": claim.retraction_reason,
            "created_at": moment(claim.created_at),
            "updated_at": moment(claim.updated_at),
            "page_url": self.get_page_url(claim),
            "checked_at": moment(claim.published_at),
            "public_updated_at": moment(claim.public_updated_at),
        }
        for name in self.Meta.fields[len(ClaimSerializer.Meta.fields) :]:  # a subclass's extra fields
            field = self.fields[name]
            if field.write_only:
                continue
            value = field.get_attribute(claim)
            data[name] = None if value is None else field.to_representation(value)
        return data

    @cached_property
    def _moment(self):
        """DRF's DateTimeField output (ISO 8601 in the current time zone, UTC as Z), with the zone looked up once."""
        zone = timezone.get_current_timezone()

        def moment(value):
            if value is None:
                return None
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return moment

    def validate_slug(self, value):
        if self.instance is not None and self.instance.is_public and value != self.instance.slug:
            raise serializers.ValidationError("A published claim's slug is fixed: its URL must not change.")
        return value


class ClaimDetailSerializer(ClaimSerializer):
    service_name = "claim"
    create_service = staticmethod(services.claim_create)
    update_service = staticmethod(services.claim_update)
    delete_service = staticmethod(services.claim_delete)
    service_inputs = ("note_kind", "note_reason")

    evidence = EvidenceNestedSerializer(many=True, read_only=True)
    verdict_history = VerdictChangeSerializer(source="verdict_changes", many=True, read_only=True)
    claimreview = serializers.SerializerMethodField(
        help_text="Where its schema.org ClaimReview JSON-LD is; null until it is published and rated."
    )
    checked_by = serializers.SerializerMethodField(
        help_text="The byline of its public page: the public names of who rated it, published it or wrote its "
        "public notes (or the newsroom's desk); empty until it is published."
    )
    public_notes = PublicNoteSerializer(
        many=True,
        read_only=True,
        help_text="What changed in what readers see since publication, and why (updates and corrections).",
    )
    note_kind = note_kind_field()
    note_reason = note_reason_field()

    class Meta(ClaimSerializer.Meta):
        fields = [
            *ClaimSerializer.Meta.fields,
            "evidence",
            "verdict_history",
            "claimreview",
            "checked_by",
            "public_notes",
            "note_kind",
            "note_reason",
        ]

    def get_checked_by(self, claim) -> list[str]:
        return public_record.checked_by(claim) if claim.published_at else []

    def create(self, validated_data):
        note = {name: validated_data.pop(name) for name in self.service_inputs if name in validated_data}
        if any(note.values()):
            raise serializers.ValidationError(
                {"note_reason": ["A public note goes with a change to a published claim, not with a new one."]}
            )
        return super().create(validated_data)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_claimreview(self, claim) -> str | None:
        if not is_exportable(claim):
            return None
        path = reverse("api:claim-claimreview", kwargs={"slug": claim.slug})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


# Bodies of the workflow actions.


class StrictSerializer(StrictInputMixin, serializers.Serializer):
    pass


class EmptySerializer(StrictSerializer):
    """No fields: the action needs nothing in its body."""


class RetractSerializer(StrictSerializer):
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, help_text="Why the claim is retracted; readers will see it."
    )


# The verdicts a reviewer can give (OpenAPI: RatingEnum).
RATING_CHOICES = [(v.value, v.label) for v in verdicts.RATINGS]


class VerdictSerializer(StrictSerializer):
    verdict = serializers.ChoiceField(
        choices=RATING_CHOICES,
        help_text=f"A verdict of the scale ('{Verdict.UNVERIFIED.value}', {Verdict.UNVERIFIED.label}, is not one "
        "to give).",
    )
    kind = serializers.ChoiceField(
        choices=VerdictChange.Kind.choices,
        help_text="initial for the first rating, then update (new evidence) or correction (an error).",
    )
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, help_text="Why; readers will see it.")


class VerdictScaleSerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=Verdict.choices)
    label = serializers.CharField()
    meaning = serializers.CharField()
    rating_value = serializers.IntegerField(
        allow_null=True,
        help_text=f"ClaimReview ratingValue (worst {verdicts.WORST_RATING}, best {verdicts.BEST_RATING}); null when "
        "the verdict has none.",
    )
    best_rating = serializers.IntegerField()
    worst_rating = serializers.IntegerField()
    exported = serializers.BooleanField(help_text="Whether claims with this verdict appear in ClaimReview.")


def verdict_scale() -> list[dict]:
    return [{k: v for k, v in row.items() if k != "export_note"} for row in verdicts.table()]
