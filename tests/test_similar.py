"""Similar claims (claims/search.py): the matcher, the admin's similar-claims box, and related claims."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim
from claims.search import SIMILARITY_THRESHOLD, related_claims, similar_claims, trigram_similarity
from tests.factories import ClaimFactory, PublishedClaimFactory, SpeakerFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db

LEAK = "The leaked Sora access was authentic."


def test_trigram_similarity_is_pg_trgms_measure():
    assert trigram_similarity("word", "word") == 1.0
    assert trigram_similarity("word", "") == 0.0
    # pg_trgm: similarity('word', 'words') = 0.571429: 4 shared trigrams of 7
    assert trigram_similarity("word", "words") == pytest.approx(4 / 7)
    assert trigram_similarity("Sora, LEAK!", "sora leak") == 1.0


def test_similar_claims_most_alike_first_above_the_threshold():
    same = ClaimFactory(text="The leaked Sora access was authentic!")
    close = ClaimFactory(text="Leaked Sora access was not authentic.")
    ClaimFactory(text="OpenAI raised money at a high valuation.")
    found = similar_claims(LEAK)
    assert [c.pk for c in found] == [same.pk, close.pk]
    assert found[0].similarity > found[1].similarity >= SIMILARITY_THRESHOLD


def test_similar_claims_exclude_limit_and_queryset():
    draft = ClaimFactory(text=LEAK)
    published = PublishedClaimFactory(text="The leaked Sora access was authentic, really.")
    assert [c.pk for c in similar_claims(LEAK, exclude=draft)] == [published.pk]
    assert [c.pk for c in similar_claims(LEAK, exclude=[draft.pk, published.pk])] == []
    assert [c.pk for c in similar_claims(LEAK, queryset=Claim.objects.public())] == [published.pk]
    assert len(similar_claims(LEAK, limit=1)) == 1
    assert similar_claims(LEAK, limit=0) == []
    assert [c.pk for c in similar_claims(LEAK, threshold=0.99)] == [draft.pk]


def test_similar_claims_found_among_many_that_share_common_words():
    from django.db import connection

    ClaimFactory.create_batch(120, text="The minister said the economy grew last year.")
    target = ClaimFactory(text="The minister said the zeppelin economy grew last year.")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE claims_claim")  # the rarity of words comes from the planner's statistics
    found = similar_claims("Minister said the zeppelin economy grew", limit=3)
    assert found[0].pk == target.pk and len(found) == 3


@pytest.mark.parametrize("text", ["", "   ", "the of a", "!!!", "\x00", "x" * 5000])
def test_similar_claims_odd_input(text):
    ClaimFactory(text=LEAK)
    assert similar_claims(text) == []


def test_similar_claims_one_query(django_assert_num_queries):
    ClaimFactory.create_batch(3, text=LEAK)
    with django_assert_num_queries(1):
        assert len(similar_claims(LEAK)) == 3


# The admin


def test_admin_endpoint_lists_similar_claims(editor_client):
    claim = ClaimFactory(text=LEAK)
    other = PublishedClaimFactory(text="The leaked Sora access was authentic, really.")
    url = reverse("admin:claims_claim_similar")
    response = editor_client.get(url, {"text": "leaked Sora access authentic"})
    assert response.status_code == 200
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    results = response.json()["results"]
    assert {r["id"] for r in results} == {claim.pk, other.pk}
    first = next(r for r in results if r["id"] == other.pk)
    assert first["url"] == reverse("admin:claims_claim_change", args=[other.pk])
    assert first["status"] == "published" and first["verdict_label"] == "False"
    assert 0 < first["similarity"] <= 1
    response = editor_client.get(url, {"text": LEAK, "exclude": claim.pk})
    assert [r["id"] for r in response.json()["results"]] == [other.pk]
    assert editor_client.get(url, {"text": ""}).json() == {"results": []}
    assert editor_client.get(url).json() == {"results": []}


@pytest.mark.parametrize("exclude", ["abc", "-1", "1.5", "9" * 40, "١"])
def test_admin_endpoint_refuses_a_bad_exclude(editor_client, exclude):
    response = editor_client.get(reverse("admin:claims_claim_similar"), {"text": LEAK, "exclude": exclude})
    assert response.status_code == 400
    assert "exclude" in response.json()["error"]


def test_admin_endpoint_is_for_staff_who_may_view_claims(client):
    ClaimFactory(text=LEAK)
    url = reverse("admin:claims_claim_similar")
    assert client.get(url, {"text": LEAK}).status_code == 302  # to the login page
    client.force_login(UserFactory())
    assert client.get(url, {"text": LEAK}).status_code == 302  # not staff
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(url, {"text": LEAK}).status_code == 403  # staff without claim permissions
    staff.user_permissions.add(Permission.objects.get(codename="view_claim"))
    client.force_login(staff)
    assert client.get(url, {"text": LEAK}).status_code == 200


def test_change_page_lists_similar_claims_below_the_text(editor_client):
    claim = ClaimFactory(text=LEAK)
    other = ClaimFactory(text="The leaked Sora access was authentic, really.")
    ClaimFactory(text="OpenAI raised money at a high valuation.")
    html = editor_client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    box = html[html.index('id="similar-claims"') :]
    box = box[: box.index("</div>")]
    assert other.text in box and "valuation" not in box and f'data-exclude="{claim.pk}"' in box
    assert reverse("admin:claims_claim_change", args=[other.pk]) in box
    assert f'data-url="{reverse("admin:claims_claim_similar")}"' in box


def test_add_page_loads_the_script_and_has_no_inline_script(editor_client):
    response = editor_client.get(reverse("admin:claims_claim_add"))
    html = response.content.decode()
    assert 'id="similar-claims"' in html and "hidden" in html[html.index('id="similar-claims"') :][:300]
    assert "claims/admin-similar.js" in html
    assert finders.find("claims/admin-similar.js")
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert "src=" in attrs or "application/json" in attrs or not body.strip(), attrs
    assert "'unsafe-inline'" not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]


# Related claims on the public page


def test_related_claims_similar_first_then_same_topic_or_claimant():
    topic, speaker = TopicFactory(), SpeakerFactory()
    claim = PublishedClaimFactory(text=LEAK, topics=[topic], claimant=speaker)
    similar = PublishedClaimFactory(text="The leaked Sora access was authentic, said the artists.")
    same_topic = PublishedClaimFactory(text="OpenAI raised money.", topics=[topic])
    same_claimant = PublishedClaimFactory(text="Tokens expired quickly.", claimant=speaker)
    ClaimFactory(text="The leaked Sora access was authentic, a draft says.", topics=[topic])  # not public
    PublishedClaimFactory(text="Nothing in common.")
    related = related_claims(claim, queryset=Claim.objects.public(), limit=5)
    assert related[0].pk == similar.pk
    assert {c.pk for c in related[1:]} == {same_topic.pk, same_claimant.pk}
    assert [c.pk for c in related_claims(claim, queryset=Claim.objects.public(), limit=1)] == [similar.pk]


def test_related_claims_are_the_newest_of_the_same_topics_and_claimant_together():
    topic, speaker = TopicFactory(), SpeakerFactory()
    claim = PublishedClaimFactory(text="Alpha beta.", topics=[topic], claimant=speaker)

    def published(days_ago, **kwargs):
        other = PublishedClaimFactory(text=f"Unrelated words {days_ago}.", **kwargs)
        when = timezone.now() - datetime.timedelta(days=days_ago)
        Claim.objects.filter(pk=other.pk).update(published_at=when)
        return other.pk

    topic_1, claimant_2, claimant_3 = (
        published(1, topics=[topic]),
        published(2, claimant=speaker),
        published(3, claimant=speaker),
    )
    both_4, topic_5 = published(4, topics=[topic], claimant=speaker), published(5, topics=[topic])
    public = Claim.objects.public()
    assert [c.pk for c in related_claims(claim, queryset=public, limit=3)] == [topic_1, claimant_2, claimant_3]
    assert [c.pk for c in related_claims(claim, queryset=public, limit=5)] == [
        topic_1,
        claimant_2,
        claimant_3,
        both_4,
        topic_5,
    ]


def test_public_page_shows_similar_claims_as_related(client):
    claim = PublishedClaimFactory(text=LEAK)
    similar = PublishedClaimFactory(text="The leaked Sora access was authentic, said the artists.")
    draft = ClaimFactory(text="The leaked Sora access was authentic, a draft says.")
    html = client.get(claim.get_absolute_url()).content.decode()
    related = html[html.index('id="related-heading"') :]
    assert similar.text in related and draft.text not in html
