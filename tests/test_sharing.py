"""Sharing a claim: its page's Open Graph and Twitter card metadata and its server-drawn share image."""

import io
import re

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image

from claims.models import Claim
from public import share_image
from tests import public_story as story
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

META = re.compile(r'<meta (property|name)="([^"]+)" content="([^"]*)">')


def metadata(client, claim) -> dict:
    response = client.get(claim.get_absolute_url())
    assert response.status_code == 200
    return {name: value for _, name, value in META.findall(response.content.decode())}


def image_url(meta: dict) -> str:
    return meta["og:image"].removeprefix(settings.SITE_URL)


@pytest.fixture
def rita():
    return story.reviewer("Rita Reviewer")


def test_a_published_claim_carries_open_graph_and_twitter_card_metadata(client, rita):
    claim = story.published(by=rita, text="The bridge cost twice its budget.")
    story.note(claim, by=rita)
    meta = metadata(client, claim)
    url = settings.SITE_URL + claim.get_absolute_url()
    assert meta["og:type"] == "article" and meta["og:url"] == url
    assert meta["og:title"] == "False: The bridge cost twice its budget."
    assert meta["og:description"].startswith("False: “The bridge cost twice its budget.”")
    assert meta["og:image"].startswith(f"{settings.SITE_URL}/claims/{claim.slug}/share.png?v=")
    assert (meta["og:image:width"], meta["og:image:height"], meta["og:image:type"]) == ("1200", "630", "image/png")
    assert meta["og:image:alt"] == (
        f"False: “The bridge cost twice its budget.”, a fact check by {settings.PUBLISHER_NAME}"
    )
    assert meta["article:published_time"] == "2024-11-27T10:00:00Z"
    assert meta["article:modified_time"] == "2024-12-03T09:30:00Z"
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["twitter:title"] == meta["og:title"] and meta["twitter:description"] == meta["og:description"]
    assert meta["twitter:image"] == meta["og:image"] and meta["twitter:image:alt"] == meta["og:image:alt"]


def test_other_pages_and_drafts_have_no_share_image(client, admin_client, rita):
    home = client.get("/").content.decode()
    assert 'name="twitter:card" content="summary"' in home and "og:image" not in home
    draft = ClaimFactory(ready=True)
    page = admin_client.get(draft.get_absolute_url()).content.decode()  # an editor's preview
    assert "og:image" not in page and "article:published_time" not in page


def test_the_share_image_is_a_1200x630_png_of_the_claim(client, rita, django_assert_max_num_queries):
    claim = story.published(by=rita, text="The bridge cost twice its budget. " * 40)  # shortened to fit
    url = image_url(metadata(client, claim))
    with django_assert_max_num_queries(1):
        response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("PNG", (1200, 630))
    # The verdict's badge, in the colour of the site's badge for "False" (site.css --v-false).
    false_red = tuple(int(share_image.verdict_colours()["false"][i : i + 2], 16) for i in (1, 3, 5))
    assert image.convert("RGB").getpixel((share_image.MARGIN + 8, share_image.HEIGHT - 128)) == false_red
    assert "public" in response["Cache-Control"] and "max-age" in response["Cache-Control"]
    etag = response["ETag"]
    assert etag.startswith('"')
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    # Served from the cache the second time: no drawing.
    with django_assert_max_num_queries(1):
        assert client.get(url).content == response.content


def test_the_share_image_changes_when_the_verdict_does(client, rita, monkeypatch):
    claim = story.published(by=rita)
    before = metadata(client, claim)
    first = client.get(image_url(before))
    story.correct_verdict(claim, by=rita, verdict="true")
    after = metadata(client, claim)
    assert after["og:image"] != before["og:image"]  # a new address, so no cache keeps the old image
    second = client.get(image_url(after))
    assert second.status_code == 200 and second.content != first.content and second["ETag"] != first["ETag"]
    true_green = tuple(int(share_image.verdict_colours()["true"][i : i + 2], 16) for i in (1, 3, 5))
    image = Image.open(io.BytesIO(second.content)).convert("RGB")
    assert image.getpixel((share_image.MARGIN + 8, share_image.HEIGHT - 128)) == true_green
    # The old address gets the current image: the claim's now, whatever the ?v= says.
    assert client.get(image_url(before)).content == second.content


def test_a_silent_save_does_not_change_the_share_image(client, rita):
    claim = story.published(by=rita)
    before = metadata(client, claim)["og:image"]
    story.silent_save(claim, by=rita)
    assert metadata(client, claim)["og:image"] == before


def test_no_share_image_for_a_claim_a_reader_may_not_see(client, admin_client, rita):
    draft = ClaimFactory(ready=True)
    url = reverse("claims:claim_share_image", kwargs={"slug": draft.slug})
    assert client.get(url).status_code == 404
    assert admin_client.get(url).status_code == 404
    assert client.get(reverse("claims:claim_share_image", kwargs={"slug": "no-such-claim"})).status_code == 404


def test_a_retracted_claims_image_says_retracted(client, rita):
    from claims import services

    claim = story.published(by=rita)
    services.claim_retract(claim=claim, by=rita, reason="Published by mistake.", at=story.CORRECTED)
    claim = Claim.objects.get(pk=claim.pk)
    response = client.get(image_url(metadata(client, claim)))
    assert response.status_code == 200
    grey = tuple(int(share_image.verdict_colours()["unverified"][i : i + 2], 16) for i in (1, 3, 5))
    image = Image.open(io.BytesIO(response.content)).convert("RGB")
    assert image.getpixel((share_image.MARGIN + 8, share_image.HEIGHT - 128)) == grey


def test_every_verdict_has_its_badge_colour():
    from claims.verdicts import Verdict

    assert set(share_image.verdict_colours()) >= set(Verdict.values)
