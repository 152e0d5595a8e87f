"""Webhooks over the API, under /api/v1/webhooks/ (README "Webhooks"): a client manages its own endpoints, reads
their deliveries and attempts, sends a test event, sends a delivery again and rotates the secret.

Included from factcheck/urls.py ahead of the main API urls. Authentication is required; an API key needs the
`webhooks` scope (key_scope). A client sees only its own endpoints: another's answers 404.
"""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from claims.api.pagination import ApiCursorPagination
from claims.api.serializers import StrictInputMixin
from claims.api.views import ID_LOOKUP, ApiViewMixin

from . import services
from .models import EVENT_TYPES, Attempt, Delivery, Endpoint

app_name = "webhooks_api"

SIGNING = (
    " Each event is a POST of JSON `{type, timestamp, data}` with the headers `webhook-id` (the event's id, the "
    "same on every retry: process each id once), `webhook-timestamp` (Unix seconds of the attempt) and "
    "`webhook-signature` (`v1,<base64 HMAC-SHA256>` of `id.timestamp.body` with the secret), as the Standard "
    "Webhooks specification says; verify it with the `standardwebhooks` package: "
    "`Webhook(secret).verify(body, headers)`."
)


class RefusedURL(APIException):
    """An endpoint URL the address rules refuse: 400 with the rule's code (refused_address, refused_scheme,
    refused_credentials) and the message under `fields.url`."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "refused_address"

    def __init__(self, error: DjangoValidationError):
        [refusal] = error.error_dict["url"]
        super().__init__({"url": [refusal.message % (refusal.params or {})]})
        self.default_code = refusal.code


def _checked(call, **kwargs):
    """Run a service; a refused URL answers with its own code, not the generic `invalid` of a field error."""
    try:
        return call(**kwargs)
    except DjangoValidationError as error:
        refused = getattr(error, "error_dict", {}).get("url", [])
        if len(refused) == 1 and str(refused[0].code).startswith("refused_"):
            raise RefusedURL(error) from None
        raise


class EndpointSerializer(StrictInputMixin, serializers.ModelSerializer):
    url = serializers.CharField(
        max_length=1000,
        help_text="Where events are POSTed: an http or https address on a public host (a private, loopback or "
        "link-local address is refused with 400 and code `refused_address`). Redirects are not followed.",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES),
        required=False,
        allow_empty=True,
        help_text="The event types to receive; empty or left out: all of them. `webhook.test` is sent on request "
        "whatever this says.",
    )
    is_active = serializers.BooleanField(
        required=False,
        help_text="Off: nothing is sent (an endpoint answering 410 Gone, or failing every attempt for five days "
        "(`failing_since`), is turned off, with the reason). Set it true again to resume; what waited is sent on.",
    )
    deliveries = serializers.SerializerMethodField(help_text="Its deliveries and their attempts.")

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "is_active",
            "disabled_reason",
            "disabled_at",
            "failing_since",
            "created_at",
            "updated_at",
            "deliveries",
        ]
        read_only_fields = [
            "id",
            "disabled_reason",
            "disabled_at",
            "failing_since",
            "created_at",
            "updated_at",
            "deliveries",
        ]

    def get_deliveries(self, endpoint) -> str:
        path = reverse("webhooks_api:endpoint-deliveries", kwargs={"pk": endpoint.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret (`whsec_` and base64), shown only now: keep it. Rotate it to get a new one.",
    )

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["number", "at", "status_code", "error_code", "error", "latency_ms", "response_excerpt"]


class DeliverySerializer(serializers.ModelSerializer):
    payload = serializers.SerializerMethodField(help_text="The event as sent (the body of each POST).")
    attempts = AttemptSerializer(source="attempt_log", many=True, read_only=True, help_text="Each POST, in order.")
    attempts_made = serializers.IntegerField(source="attempts", read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "state",
            "attempts_made",
            "next_attempt_at",
            "delivered_at",
            "last_status",
            "last_error",
            "created_at",
            "payload",
            "attempts",
        ]

    def get_payload(self, delivery) -> dict:
        return json.loads(delivery.body)


class DeliveryPagination(ApiCursorPagination):
    ordering = ("-id",)


class DeliveryPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next (older) page, or null.")
    previous = serializers.URLField(allow_null=True, help_text="The page before, or null.")
    results = DeliverySerializer(many=True)


@extend_schema_view(
    list=extend_schema(summary="List your webhook endpoints", description="Your endpoints, newest first."),
    retrieve=extend_schema(summary="Read a webhook endpoint", description="The secret is not shown again."),
    create=extend_schema(
        summary="Register a webhook endpoint",
        description="Answers 201 with the endpoint and its `secret`, shown this once." + SIGNING,
        responses={201: EndpointWithSecretSerializer},
    ),
    update=extend_schema(summary="Replace a webhook endpoint"),
    partial_update=extend_schema(
        summary="Change a webhook endpoint", description='E.g. `{"is_active": true}` to turn it on again.'
    ),
    destroy=extend_schema(summary="Delete a webhook endpoint", description="Its deliveries and their log go too."),
)
class EndpointViewSet(ApiViewMixin, viewsets.ModelViewSet):
    """Webhook endpoints: where the public record's changes are POSTed, signed."""

    serializer_class = EndpointSerializer
    permission_classes = [permissions.IsAuthenticated]
    key_scope = "webhooks"
    lookup_value_regex = ID_LOOKUP
    pagination_class = ApiCursorPagination
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if not self.request.user.is_authenticated:
            return Endpoint.objects.none()
        return Endpoint.objects.filter(owner=self.request.user).order_by("-created_at", "-id")

    def paginate_queryset(self, queryset):
        self.paginator.ordering = ("-created_at", "-id")
        return super().paginate_queryset(queryset)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = _checked(services.endpoint_create, owner=request.user, **serializer.validated_data)
        data = EndpointWithSecretSerializer(endpoint, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        if not partial:
            fields.setdefault("events", [])
            fields.setdefault("description", "")
        endpoint = _checked(services.endpoint_update, endpoint=serializer.instance, **fields)
        return Response(self.get_serializer(endpoint).data)

    def perform_destroy(self, instance):
        services.endpoint_delete(endpoint=instance)

    @extend_schema(
        summary="Send a test event",
        description="Sends a `webhook.test` event to this endpoint now (202, with the delivery to follow in "
        "`deliveries/`). An endpoint that is turned off answers 400, code `endpoint_inactive`.",
        request=None,
        responses={202: DeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        delivery = services.send_test(endpoint=self.get_object())
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Rotate the signing secret",
        description="A new secret, shown this once. For 24 hours each event is signed with the old secret too "
        "(two signatures in `webhook-signature`), so the receiver can switch without losing an event.",
        request=None,
        responses={200: EndpointWithSecretSerializer},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = services.secret_rotate(endpoint=self.get_object())
        return Response(EndpointWithSecretSerializer(endpoint, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="List an endpoint's deliveries",
        description="Its deliveries, newest first, each with its payload and every attempt (status, latency, the "
        "first 500 characters of the answer). States: `pending`, `failed` (to be retried at `next_attempt_at`), "
        "`delivered`, `given_up` (the retry schedule, about three days, was used up, or the endpoint answered 410).",
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR, description="The page: copy it from `next` or `previous`."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="Deliveries per page (20 by default)."),
        ],
        responses={200: DeliveryPageSerializer},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        endpoint = self.get_object()
        paginator = DeliveryPagination()
        queryset = Delivery.objects.filter(endpoint=endpoint).prefetch_related("attempt_log")
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(
        summary="Send a delivery again",
        description="Starts the delivery's retry schedule over, now (202): also a delivered one (the receiver "
        "knows it by its `webhook-id`) or one given up.",
        request=None,
        responses={202: DeliverySerializer, 404: OpenApiResponse(description="No such delivery of this endpoint.")},
    )
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9]{1,18})/retry")
    def retry(self, request, pk=None, delivery_id=None):
        endpoint = self.get_object()
        delivery = Delivery.objects.filter(endpoint=endpoint, pk=delivery_id).first()
        if delivery is None:
            raise NotFound("This endpoint has no such delivery.")
        delivery = services.delivery_retry(delivery=delivery)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


router = SimpleRouter()
router.register("", EndpointViewSet, basename="endpoint")
urlpatterns = router.urls
