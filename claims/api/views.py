"""The REST API under /api/v1/ (see README "API")."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Prefetch
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from apikeys.permissions import KeyScopeMixin, default_scope
from apikeys.scopes import Scope
from archive import reading
from archive import services as archive_services
from archive.models import Capture
from claims import services, verdicts, workflow
from claims.filters import (
    ApiOrderingFilter,
    ClaimFilter,
    EvidenceFilter,
    FilterBackend,
    SourceFilter,
    SpeakerFilter,
    StatementFilter,
    TopicFilter,
)
from claims.models import Claim, Evidence, Source, Speaker, Statement, Topic
from exchange.claimreview import CLAIMREVIEW_DEFER, CLAIMREVIEW_PREFETCH, CLAIMREVIEW_SELECT, claim_review
from exchange.csv_export import ClaimCSVListMixin, ClaimCSVRenderer
from factcheck.cache import CachedReadsMixin
from factcheck.conditional import conditional, etag_for, if_match

from . import serializers as s
from .exceptions import PreconditionFailed
from .negotiation import ApiContentNegotiation
from .pagination import ApiCursorPagination
from .parsers import ApiJSONParser
from .renderers import ApiBrowsableRenderer, ApiJSONRenderer, PlainTextRenderer
from .throttling import AnonThrottle, KeyThrottle, UserThrottle

SLUG_LOOKUP = r"[-a-zA-Z0-9_]+"
ID_LOOKUP = r"[0-9]{1,18}"


def check_if_match(request, etag: str) -> None:
    """A write whose If-Match names another version of the object is refused: 412."""
    if not if_match(request, etag):
        raise PreconditionFailed()


def workflow_scope(permission: str) -> str:
    """The API key scope a workflow step needs: `publish` for a reviewer's (the publish permission), else `submit`."""
    return Scope.PUBLISH if permission == workflow.PUBLISH_PERMISSION else Scope.SUBMIT


class ApiViewMixin(KeyScopeMixin):
    """Shared by every endpoint: JSON in, JSON out, API keys' scopes, throttles, writes in one transaction, Vary on
    credentials."""

    parser_classes = [ApiJSONParser]
    renderer_classes = [ApiJSONRenderer, ApiBrowsableRenderer]
    throttle_classes = [AnonThrottle, UserThrottle, KeyThrottle]
    content_negotiation_class = ApiContentNegotiation

    def dispatch(self, request, *args, **kwargs):
        if request.method in permissions.SAFE_METHODS:
            return super().dispatch(request, *args, **kwargs)
        # All or nothing: an error anywhere in a write leaves the database as it was.
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)
        return response

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if not isinstance(getattr(self.request, "accepted_renderer", None), ApiJSONRenderer | ApiBrowsableRenderer):
            # Errors are JSON, whatever format the request asked for (e.g. ?format=csv).
            self.request.accepted_renderer = ApiJSONRenderer()
            self.request.accepted_media_type = ApiJSONRenderer.media_type
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code == status.HTTP_412_PRECONDITION_FAILED and not isinstance(response, Response):
            # A read whose If-Match names another version: Django's bare 412, given the error shape.
            response = self.handle_exception(PreconditionFailed())
        response = super().finalize_response(request, response, *args, **kwargs)
        # A shared cache must keep staff answers from anonymous clients, and HTML from JSON.
        patch_vary_headers(response, ["Accept", "Authorization", "Cookie"])
        return response

    @property
    def acting_user(self):
        return self.request.user if self.request.user.is_authenticated else None


class ApiModelViewSet(CachedReadsMixin, ApiViewMixin, viewsets.ModelViewSet):
    """List, retrieve, create, update, delete with ETags, conditional requests and history users."""

    pagination_class = ApiCursorPagination
    filter_backends = [FilterBackend, ApiOrderingFilter]
    ordering = ("-updated_at", "-id")
    ordering_fields = ["updated_at", "created_at"]
    lookup_value_regex = ID_LOOKUP
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def representation_serializer(self, instance, *, many: bool = False):
        """The serializer of what a GET of an object answers (and its ETag is made of)."""
        return self.get_serializer(instance, many=many)

    def representation(self, instance):
        return self.representation_serializer(instance).data

    def representations(self, instances) -> list:
        """representation() of each, with the serializer's fields built once."""
        return self.representation_serializer(instances, many=True).data

    def permission_denied(self, request, message=None, code=None):
        # An object the client may not see is a 404 before it is a 403 (a 403 would say that it exists).
        if request.user.is_authenticated and (self.lookup_url_kwarg or self.lookup_field) in self.kwargs:
            self.get_object()
        super().permission_denied(request, message=message, code=code)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        return conditional(request, response, etag_for(response.data, weak=True))

    def retrieve(self, request, *args, **kwargs):
        data = self.representation(self.get_object())
        return conditional(request, Response(data), etag_for(data))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        instance = self.refetch(serializer.instance)
        data = self.representation(instance)
        return Response(data, status=status.HTTP_201_CREATED, headers={"ETag": etag_for(data)})

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        check_if_match(request, etag_for(self.representation(instance)))
        serializer = self.get_serializer(instance, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        data = self.representation(self.refetch(serializer.instance))
        return Response(data, headers={"ETag": etag_for(data)})

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        check_if_match(request, etag_for(self.representation(instance)))
        self.perform_destroy(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_destroy(self, instance):
        self.get_serializer().delete(instance, **self.delete_inputs())

    def delete_inputs(self) -> dict:
        """A delete's inputs for the service from its (optional) JSON body: a public note's kind and reason."""
        names = self.get_serializer_class().service_inputs
        data = self.request.data if isinstance(self.request.data, dict) else {}
        return {name: str(data[name]) for name in names if name in data}

    def get_object(self):
        instance = super().get_object()
        if self.request.method in permissions.SAFE_METHODS:
            return instance
        # Writers to one object queue on its row (the write's transaction holds the lock), then
        # read it again: If-Match and the claim version are compared with what this write replaces.
        list(type(instance)._default_manager.select_for_update().filter(pk=instance.pk).values_list("pk"))
        return super().get_object()

    def refetch(self, instance):
        """The saved object as a read would show it (with its prefetches)."""
        return self.get_queryset().get(pk=instance.pk)


PUBLISHED_NOTE = (
    " On a published claim, a change to what readers see (its text, claimant, first appearance, summary, "
    "topics or evidence) needs the publish permission (else 403 `published_claim_locked`: propose it to a "
    "reviewer) and a public note, `note_kind` (update or correction) and `note_reason` (else 400)."
)


ACTION_BODY_NOTE = " Any field not listed is refused (400)."


def _described(
    name: str,
    plural: str,
    lookup: str,
    deleted: str = "409 while other objects still refer to it.",
    changed: str = "",
    created: str = "",
):
    """Summaries and descriptions of the standard operations."""
    return extend_schema_view(
        list=extend_schema(
            summary=f"List {plural}",
            description=f"The {plural} you may see, newest change first, a page at a time (follow `next`).",
        ),
        retrieve=extend_schema(
            summary=f"Read a {name}",
            description=f"The response carries an ETag; send it back in If-None-Match to get 304 when the {name} "
            "has not changed, or in If-Match on a write so that you never overwrite someone else's change.",
        ),
        create=extend_schema(
            summary=f"Create a {name}", description="Needs the add permission." + (created or changed)
        ),
        update=extend_schema(
            summary=f"Replace a {name}",
            description="Needs the change permission. With If-Match, refused with 412 when the object changed."
            + changed,
        ),
        partial_update=extend_schema(
            summary=f"Change some fields of a {name}",
            description="Needs the change permission. With If-Match, refused with 412 when the object changed."
            + changed,
        ),
        destroy=extend_schema(
            summary=f"Delete a {name}",
            description=f"Needs the delete permission; {deleted}",
        ),
    )


@_described("topic", "topics", "slug")
class TopicViewSet(ApiModelViewSet):
    serializer_class = s.TopicSerializer
    filterset_class = TopicFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG_LOOKUP
    ordering = ("name", "id")
    ordering_fields = ["name"]

    def get_queryset(self):
        return Topic.objects.all()


@_described("speaker", "speakers", "slug")
class SpeakerViewSet(ApiModelViewSet):
    serializer_class = s.SpeakerSerializer
    filterset_class = SpeakerFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG_LOOKUP

    def get_queryset(self):
        return Speaker.objects.visible_to(self.request.user)


# A capture asked for again while one is still waiting is that one: asking twice fetches once.
CAPTURE_PENDING_REUSE = timedelta(hours=1)


class CanAskForCapture(permissions.BasePermission):
    message = "Asking for a capture needs the permission to change sources."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_perm("claims.change_source"))


@_described(
    "source",
    "sources",
    "id",
    created=" The `url` alone is enough (http or https; 400 for any other, or an address that may not be fetched): "
    "a capture of the page is asked for at once and answered in `capture`, pending; when a worker has fetched it, "
    "the title, publisher, author and date an editor left empty are filled from the page (`filled_from_capture` "
    "says which). A title is still needed to publish a claim that cites it.",
)
class SourceViewSet(ApiModelViewSet):
    serializer_class = s.SourceSerializer
    filterset_class = SourceFilter

    def get_queryset(self):
        # With each source its watch and the copy that was cited (without its text), and the capture that filled it.
        return (
            Source.objects.visible_to(self.request.user)
            .select_related(reading.cited_path())
            .defer(*reading.cited_defer())
            .prefetch_related(Prefetch("captures", queryset=s.filled_captures(), to_attr="filled_captures"))
        )

    @extend_schema(responses={201: s.SourceCreatedSerializer})
    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        pending = Capture.objects.filter(source_id=response.data["id"], state=Capture.State.PENDING).first()
        response.data["capture"] = (
            s.CaptureSerializer(pending, context=self.get_serializer_context()).data if pending else None
        )
        return response

    @extend_schema(
        summary="Capture the source now",
        description="Asks for a new capture of the source's URL: a worker fetches it, keeps a WARC file of the "
        "exchange, the extracted text and its fingerprint, and compares it with the copy that was cited. Answers 202 "
        "with the pending capture and its address in `Location`; while a capture of the source asked for in the last "
        "hour is still waiting, that one is answered instead of asking again. Needs the permission to change "
        "sources." + ACTION_BODY_NOTE,
        request=s.EmptySerializer,
        responses={202: s.CaptureSerializer},
        parameters=[
            OpenApiParameter(
                "Location",
                OpenApiTypes.URI,
                OpenApiParameter.HEADER,
                response=[202],
                description="The capture in the API.",
            )
        ],
    )
    @action(detail=True, methods=["post"], permission_classes=[CanAskForCapture])
    def capture(self, request, pk=None):
        source = self.get_object()
        check_if_match(request, etag_for(self.representation(source)))
        body = s.EmptySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        since = timezone.now() - CAPTURE_PENDING_REUSE
        capture = source.captures.filter(state=Capture.State.PENDING, requested_at__gte=since).first()
        if capture is None:
            capture = archive_services.capture_request(source=source, reason=Capture.Reason.ASKED, by=request.user)
        data = s.CaptureSerializer(capture, context=self.get_serializer_context()).data
        location = request.build_absolute_uri(
            reverse("api:source-capture-detail", kwargs={"source_id": source.pk, "id": capture.pk})
        )
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


class CapturePagination(ApiCursorPagination):
    ordering = ("-requested_at", "-id")


SOURCE_ID = OpenApiParameter(
    "source_id", str, OpenApiParameter.PATH, pattern=f"^{ID_LOOKUP}$", description="The source's id."
)
CAPTURE_ID = OpenApiParameter(
    "id", str, OpenApiParameter.PATH, pattern=f"^{ID_LOOKUP}$", description="The capture's id."
)


@extend_schema_view(
    list=extend_schema(
        summary="List a source's captures",
        description="Every capture of the source, newest first, a page at a time (follow `next`): when it was asked "
        "for and made, how it compares with the capture before (`change`), the HTTP status, SHA-256 and fingerprint, "
        "and links to its public page, its extracted text and its WARC file. 404 for a source you may not see.",
        parameters=[SOURCE_ID],
    ),
    retrieve=extend_schema(
        summary="Read a capture",
        description="One capture of the source; a pending one changes once a worker has fetched the page.",
        parameters=[SOURCE_ID, CAPTURE_ID],
    ),
    text=extend_schema(
        summary="A capture's extracted text",
        description="The main text of the captured page, as extracted, in text/plain (UTF-8). 404 while the capture "
        "is pending or when the fetch failed.",
        parameters=[SOURCE_ID, CAPTURE_ID],
        responses={(200, "text/plain"): OpenApiTypes.STR},
    ),
)
class CaptureViewSet(CachedReadsMixin, ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """A source's captures (archive/): read-only, for whoever may see the source."""

    serializer_class = s.CaptureSerializer
    pagination_class = CapturePagination
    permission_classes = [permissions.AllowAny]
    filter_backends = []
    lookup_field = "id"
    lookup_value_regex = ID_LOOKUP
    cached_actions = ("list", "retrieve", "text")

    def source(self) -> Source:
        if not hasattr(self, "_source"):
            found = Source.objects.visible_to(self.request.user).filter(pk=self.kwargs["source_id"]).first()
            if found is None:
                raise NotFound("No such source, or not one you may see.")
            self._source = found
        return self._source

    def get_queryset(self):
        captures = Capture.objects.filter(source=self.source()).order_by("-requested_at", "-id")
        return captures if self.action == "text" else captures.defer("text")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        return conditional(request, response, etag_for(response.data, weak=True))

    def retrieve(self, request, *args, **kwargs):
        data = self.get_serializer(self.get_object()).data
        return conditional(request, Response(data), etag_for(data))

    @action(detail=True, methods=["get"], renderer_classes=[PlainTextRenderer])
    def text(self, request, *args, **kwargs):
        capture = self.get_object()
        if not capture.is_readable:
            raise NotFound("This capture has no text: it is still pending, or the fetch failed.")
        return conditional(
            request, Response(capture.text, content_type="text/plain; charset=utf-8"), etag_for(capture.text)
        )


@_described(
    "statement",
    "statements",
    "id",
    changed=" Cited by a published claim, a statement's words are part of that fact check: a change needs the "
    "publish permission and a public note, `note_kind` (update or correction) and `note_reason` (else 400), "
    "which each published claim citing it shows in its history.",
    created=" (`note_kind` and `note_reason` are for changes: no claim cites a new statement yet.)",
)
class StatementViewSet(ApiModelViewSet):
    serializer_class = s.StatementSerializer
    filterset_class = StatementFilter

    def get_queryset(self):
        return Statement.objects.visible_to(self.request.user)


@_described(
    "piece of evidence",
    "evidence",
    "id",
    deleted="on a published claim, only by a reviewer, with `note_kind` and `note_reason` in a JSON body.",
    changed=PUBLISHED_NOTE,
)
class EvidenceViewSet(ApiModelViewSet):
    serializer_class = s.EvidenceSerializer
    filterset_class = EvidenceFilter

    def get_queryset(self):
        return Evidence.objects.filter(claim__in=Claim.objects.visible_to(self.request.user))


class SiteReader:
    """What the API's views and serializers read of a request, for an anonymous reader at the site's address
    (settings.SITE_URL): an object's representation, and so its ETag, made outside a request (webhooks)."""

    user = AnonymousUser()
    versioning_scheme = None
    query_params = QueryDict()

    def build_absolute_uri(self, location: str) -> str:
        return settings.SITE_URL + location


def public_etags(viewset_class: type[ApiModelViewSet], pks) -> dict[int, str]:
    """The ETag an anonymous GET of each object's API address answers with now, by primary key; an object a
    reader may not see has none."""
    view = viewset_class(action="retrieve", request=SiteReader(), format_kwarg=None, args=(), kwargs={})
    objects = list(view.get_queryset().filter(pk__in=pks))
    return {obj.pk: etag_for(data) for obj, data in zip(objects, view.representations(objects), strict=True)}


@_described(
    "claim",
    "claims",
    "slug",
    deleted="409 `has_verdict_history` once it has a verdict history: a rated claim is retracted, not deleted.",
    changed=PUBLISHED_NOTE,
)
class ClaimViewSet(ClaimCSVListMixin, ApiModelViewSet):
    filterset_class = ClaimFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG_LOOKUP
    ordering_fields = ["published_at", "updated_at", "created_at"]
    # Drafts have no publication time: they sort by creation among published claims.
    ordering_aliases = {"published_at": "published_sort"}

    def get_serializer_class(self):
        if self.action == "list":
            return s.ClaimSerializer
        if self.action in workflow.TRANSITIONS:
            return _transition_body(workflow.TRANSITIONS[self.action])
        if self.action == "verdict":
            return s.VerdictSerializer
        return s.ClaimDetailSerializer

    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) == "list":
            renderers.append(ClaimCSVRenderer())
        return renderers

    def key_scope_for(self, request) -> str:
        # A workflow step needs the scope of its permission: `publish` for a reviewer's, `submit` for an editor's.
        if self.action in workflow.TRANSITIONS:
            permission = workflow.TRANSITIONS[self.action].permission
        elif self.action == "verdict":
            permission = workflow.PUBLISH_PERMISSION
        else:
            return default_scope(request)
        return workflow_scope(permission)

    def get_permissions(self):
        if self.action in workflow.TRANSITIONS or self.action == "verdict":
            # The services check the permission of each transition.
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    def get_queryset(self):
        queryset = Claim.objects.visible_to(self.request.user).annotate(
            published_sort=Coalesce("published_at", "created_at")
        )
        if self.action == "list":
            return queryset  # related objects by id: no joins; s.ClaimListSerializer reads the topic ids
        queryset = queryset.select_related("claimant", "first_appearance").prefetch_related("topics")
        if self.action == "claimreview":
            return (
                queryset.select_related(*CLAIMREVIEW_SELECT)
                .defer(*CLAIMREVIEW_DEFER)
                .prefetch_related(*CLAIMREVIEW_PREFETCH)
            )
        evidence = Evidence.objects.select_related("statement__source", "statement__speaker")
        return queryset.prefetch_related(Prefetch("evidence", queryset=evidence), "verdict_changes", "public_notes")

    def paginate_queryset(self, queryset):
        # The list's rows as plain values: a model instance per claim cost more than reading the claim.
        # The annotations go along: the cursor may order by one (published_sort, search_rank).
        return super().paginate_queryset(queryset.values(*s.CLAIM_LIST_COLUMNS, *queryset.query.annotations))

    def representation_serializer(self, instance, *, many: bool = False):
        return s.ClaimDetailSerializer(instance, many=many, context=self.get_serializer_context())

    def perform_update(self, serializer):
        # The version this request read (under the row lock, and matched by If-Match when sent): claim_update
        # refuses the write if another save landed since.
        serializer.save(expected_version=serializer.instance.version)

    def perform_destroy(self, instance):
        # A claim on the public record is retracted, with a reason, not deleted: services.OnRecordError, a 409.
        self.get_serializer().delete(instance, expected_version=instance.version)

    def _act(self, request, change):
        claim = self.get_object()
        check_if_match(request, etag_for(self.representation(claim)))
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        change(claim, request.user, **body.validated_data)
        data = self.representation(self.refetch(claim))
        return Response(data, headers={"ETag": etag_for(data)})

    @extend_schema(
        summary="Set or change the verdict",
        description="Needs the publish permission. Every change is kept in the claim's public verdict history: "
        "the first rating is `initial`, later ones `update` (new evidence) or `correction` (an error). "
        f"With an API key, the key needs the `{workflow_scope(workflow.PUBLISH_PERMISSION)}` scope. "
        f"The verdicts to give: {', '.join(f'`{v.value}`' for v in verdicts.RATINGS)}." + ACTION_BODY_NOTE,
        request=s.VerdictSerializer,
        responses={200: s.ClaimDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def verdict(self, request, slug=None):
        return self._act(
            request,
            lambda claim, by, **body: services.claim_set_verdict(claim=claim, by=by, **body),
        )

    @extend_schema(
        summary="The claim's schema.org ClaimReview",
        description="JSON-LD, as embedded in the claim's page; 404 until the claim is published and rated.",
        responses={200: OpenApiResponse(inline_serializer("ClaimReview", {"@type": serializers.CharField()}))},
    )
    @action(detail=True, methods=["get"], permission_classes=[permissions.AllowAny])
    def claimreview(self, request, slug=None):
        review = claim_review(self.get_object())
        if review is None:
            raise NotFound("This claim has no ClaimReview: only published, rated claims have one.")
        return conditional(request, Response(review), etag_for(review))


def _transition_body(transition: workflow.Transition) -> type[serializers.Serializer]:
    return s.RetractSerializer if transition.needs_reason else s.EmptySerializer


def transition_description(transition: workflow.Transition) -> str:
    """An action's OpenAPI description, from its transition."""
    text = (
        f"{transition.description} Who may: {transition.who}; "
        f"only {workflow.STATUS_PHRASES[transition.source]} can be {transition.done}."
    )
    if transition.needs_reason:
        text += " Give the `reason`; readers see it."
    text += f" With an API key, the key needs the `{workflow_scope(transition.permission)}` scope."
    if transition.name == "publish":
        text += (
            " A claim that misses any of the standards is refused with 400, code `publishing_standards`, and the "
            "unmet items in `missing` (each with its `code`, `label` and `detail`)."
        )
    return text + ACTION_BODY_NOTE


def _transition_action(transition: workflow.Transition):
    """The claim's POST <transition>/ action, described by the transition itself."""

    def take(self, request, slug=None):
        def change(claim, by, **body):
            return services.claim_transition(name=transition.name, claim=claim, by=by, **body)

        return self._act(request, change)

    take.__name__ = transition.name
    take.__doc__ = transition.description
    take = action(detail=True, methods=["post"], url_path=transition.name.replace("_", "-"))(take)
    return extend_schema(
        summary=transition.label,
        description=transition_description(transition),
        request=_transition_body(transition),
        responses={200: s.ClaimDetailSerializer},
    )(take)


# submit/, send-back/, publish/, retract/: one action per workflow transition.
for _transition in workflow.TRANSITIONS.values():
    setattr(ClaimViewSet, _transition.name, _transition_action(_transition))


class VerdictScaleView(ApiViewMixin, APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="verdicts_list",
        summary="The rating scale",
        description="Every verdict with its label, meaning and ClaimReview rating "
        f"(worst {verdicts.WORST_RATING}, best {verdicts.BEST_RATING}).",
        responses={200: s.VerdictScaleSerializer(many=True)},
    )
    def get(self, request):
        data = s.verdict_scale()
        return conditional(request, Response(data), etag_for(data, weak=True))


class ApiNotFoundView(ApiViewMixin, APIView):
    """Any other path under /api/v1/: a 404 in the API's error shape."""

    permission_classes = [permissions.AllowAny]
    schema = None

    def _missing(self, request, *args, **kwargs):
        raise NotFound("There is no such API endpoint; see /api/v1/docs/.")

    get = post = put = patch = delete = head = options = _missing
