"""The API's hand-written claim representation (the list's fast path) says exactly what DRF's fields say."""

import datetime

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient, APIRequestFactory

from claims.api.serializers import ClaimDetailSerializer, ClaimSerializer
from claims.models import Claim, Status, Topic, Verdict
from exchange.claimreview import canonical_url

from .factories import (
    ClaimFactory,
    EvidenceFactory,
    PublishedClaimFactory,
    SourceFactory,
    TopicFactory,
    VerdictChangeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def claims():
    topics = [TopicFactory(name=name) for name in ("Zeppelins", "Aviation", "Markets")]  # pk order is not name order
    rich = PublishedClaimFactory(
        text="A claim with <b>markup</b> & “quotes”, ünïcode and a\nnewline.",
        summary="**Bold** summary.",
        verdict=Verdict.MOSTLY_TRUE,
        first_appearance=SourceFactory(),
        first_appeared_on=datetime.date(2024, 11, 26),
        topics=topics,
        language="de",
    )
    EvidenceFactory(claim=rich)
    VerdictChangeFactory(claim=rich, verdict=Verdict.MOSTLY_TRUE)
    retracted = PublishedClaimFactory(
        status=Status.RETRACTED,
        retracted_at=timezone.now() - datetime.timedelta(microseconds=1),
        retraction_reason="Published by mistake.",
        topics=topics[:1],
    )
    bare = ClaimFactory(claimant=None)  # a draft: no claimant, appearance, topics or dates
    return [rich, retracted, bare]


def _generic(serializer_class, claim, context):
    """What DRF's own field-by-field representation gives for the same serializer."""
    serializer = serializer_class(context=context)
    return serializers.ModelSerializer.to_representation(serializer, claim)


@pytest.mark.parametrize("serializer_class", [ClaimSerializer, ClaimDetailSerializer])
@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin"])
def test_the_fast_representation_equals_drfs(claims, serializer_class, zone):
    context = {"request": APIRequestFactory().get("/api/v1/claims/")}
    with override_settings(TIME_ZONE=zone):
        for claim in Claim.objects.prefetch_related("topics").order_by("pk"):
            fast = serializer_class(claim, context=context).data
            assert fast == _generic(serializer_class, claim, context)
            readable = [name for name in serializer_class.Meta.fields if not serializer_class().fields[name].write_only]
            assert list(fast) == readable  # same keys, same order


def test_every_value_is_covered(claims):
    """The rich claim sets every field, so a field the fast path read wrongly could not hide behind a None."""
    rich = Claim.objects.get(pk=claims[0].pk)
    data = ClaimSerializer(rich).data
    assert all(data[name] not in (None, "", []) for name in data if name not in {"retracted_at", "retraction_reason"})
    assert sorted(data["topics"]) == sorted(t.pk for t in rich.topics.all()) and len(data["topics"]) == 3
    assert data["verdict_label"] == "Mostly true"
    assert data["page_url"] == canonical_url(rich) == f"{settings.SITE_URL}/claims/{rich.slug}/"


def test_the_api_list_says_what_drf_would(claims, reviewer):
    """The list reads topic ids in one query of its own; they come out as DRF's field would give them."""
    client = APIClient()
    client.force_authenticate(reviewer)
    response = client.get("/api/v1/claims/?page_size=50")
    assert response.status_code == 200
    context = {"request": response.wsgi_request}
    by_id = {claim.pk: claim for claim in Claim.objects.all()}
    results = response.json()["results"]
    assert len(results) == len(claims)
    for item in results:
        assert item == _generic(ClaimSerializer, by_id[item["id"]], context)
    rich = next(item for item in results if item["id"] == claims[0].pk)
    assert [Topic.objects.get(pk=pk).name for pk in rich["topics"]] == ["Aviation", "Markets", "Zeppelins"]
