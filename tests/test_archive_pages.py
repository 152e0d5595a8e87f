"""What readers see of the source archive: a source's captures and archived copy, the capture page, the WARC
download, the notices when the original changed since it was cited, and ClaimReview's archivedAt."""

import datetime
import json
import re
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from warcio.archiveiterator import ArchiveIterator

from archive.models import Capture, Change, Watch
from archive.reading import DEMO_STAND_IN
from claims.models import Evidence
from exchange.claimreview import claim_review
from public.views import CAPTURES_SHOWN
from tests.factories import (
    CaptureFactory,
    ClaimFactory,
    EvidenceFactory,
    PublishedClaimFactory,
    SourceFactory,
    StatementFactory,
    TopicFactory,
    VerdictChangeFactory,
)
from tests.helpers import with_warc

pytestmark = pytest.mark.django_db

CITED_AT = datetime.datetime(2024, 11, 26, 15, 0, tzinfo=datetime.UTC)
DRIFTED_AT = datetime.datetime(2025, 3, 2, 9, 30, tzinfo=datetime.UTC)
LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def public_source(**fields):
    """A source readers may see: cited by a published claim."""
    source = SourceFactory(**fields)
    claim = PublishedClaimFactory(text="The leaked access was authentic.")
    EvidenceFactory(claim=claim, statement=StatementFactory(source=source), stance=Evidence.Stance.SUPPORTS)
    source.claim = claim
    return source


def public_capture(*, source=None, **fields):
    return CaptureFactory(source=source or public_source(), **fields)


def cited_source(*, since_cited=Change.FIRST, demo=False, **source):
    """A source cited by a published claim, with its cited copy and a later capture classified as since_cited."""
    source = public_source(**source)
    claim = source.claim
    baseline = CaptureFactory(source=source, requested_at=CITED_AT, is_demo_stand_in=demo, text="As first cited.")
    later = None
    if since_cited != Change.FIRST:
        later = CaptureFactory(
            source=source,
            requested_at=DRIFTED_AT,
            change=since_cited,
            http_status=404 if since_cited == Change.GONE else 200,
            text="Rewritten entirely.",
            fingerprint="fedcba9876543210",
        )
    Watch.objects.create(
        source=source,
        baseline=baseline,
        last=later or baseline,
        since_cited=since_cited,
        changed_at=DRIFTED_AT if later else CITED_AT,
    )
    return {"source": source, "claim": claim, "baseline": baseline, "later": later}


# The source page


def test_the_source_page_lists_its_captures_newest_first_with_what_happened(client):
    source = public_source(title="Artists say they leaked Sora")
    first = CaptureFactory(source=source, requested_at=CITED_AT, sha256="ab" * 32, fingerprint="0011223344556677")
    failed = public_capture(
        source=source,
        requested_at=CITED_AT + datetime.timedelta(days=1),
        change=Change.FAILED,
        http_status=None,
        error_code="timeout",
        error="The server did not answer within 20 seconds.",
        sha256="",
        fingerprint="",
    )
    drifted = public_capture(
        source=source, requested_at=DRIFTED_AT, change=Change.DRIFTED, http_status=200, sha256="cd" * 32
    )
    pending = public_capture(
        source=source,
        requested_at=DRIFTED_AT + datetime.timedelta(days=1),
        state=Capture.State.PENDING,
        change="",
        captured_at=None,
        http_status=None,
        sha256="",
    )
    page = html(client.get(source.get_absolute_url()))
    listed = page[page.index('id="captures-heading"') :]
    links = [c.get_absolute_url() for c in (pending, drifted, failed, first)]
    positions = [listed.index(f'href="{link}"') for link in links]
    assert positions == sorted(positions), "newest first"
    assert "Waiting to be fetched" in listed and "Not fetched yet" in listed
    assert "Drifted (text differs)" in listed and "First capture" in listed and "Failed" in listed
    assert "The server did not answer within 20 seconds." in listed
    assert "HTTP 200" in listed
    assert "<code>0011223344556677</code>" in listed
    assert '<code title="' + "ab" * 32 + '">abababababab…</code>' in listed  # a short SHA-256
    assert '<time datetime="2024-11-26T15:00:00Z">26 November 2024, 15:00</time>' in listed


def test_the_source_page_shows_a_bounded_number_of_captures_and_says_so(client):
    source = public_source()
    oldest = CaptureFactory(source=source, requested_at=CITED_AT)
    for day in range(1, CAPTURES_SHOWN + 1):
        CaptureFactory(source=source, requested_at=CITED_AT + datetime.timedelta(days=day))
    page = html(client.get(source.get_absolute_url()))
    assert page.count('class="capture-item"') == CAPTURES_SHOWN
    assert oldest.get_absolute_url() not in page
    assert f"These are the {CAPTURES_SHOWN} newest captures" in page
    assert reverse("api:source-capture-list", kwargs={"source_id": source.pk}) in page
    few = public_source()
    CaptureFactory(source=few)
    assert "newest captures" not in html(client.get(few.get_absolute_url()))


def test_original_beside_the_archived_copy_that_was_cited(client):
    story = cited_source(since_cited=Change.UNCHANGED, url="https://www.theverge.com/sora-leak")
    page = html(client.get(story["source"].get_absolute_url()))
    facts = page[: page.index('id="captures-heading"')]
    assert '<dt>Original</dt><dd><a href="https://www.theverge.com/sora-leak"' in facts
    assert f'<a href="{story["baseline"].get_absolute_url()}">The copy we cited, captured' in facts
    assert story["later"].get_absolute_url() not in facts
    assert "The copy we cited" in page[page.index('id="captures-heading"') :]
    assert 'class="notice notice-original"' not in page  # unchanged: nothing to tell


def test_without_a_cited_copy_the_newest_readable_capture_is_the_archived_copy(client):
    source = public_source()
    readable = CaptureFactory(source=source, requested_at=CITED_AT)
    CaptureFactory(source=source, requested_at=DRIFTED_AT, change=Change.GONE, http_status=404)
    CaptureFactory(source=source, requested_at=DRIFTED_AT, change=Change.FAILED, http_status=None)
    facts = html(client.get(source.get_absolute_url())).split('id="captures-heading"')[0]
    assert f'<a href="{readable.get_absolute_url()}">Our copy, captured' in facts
    nothing = public_source()
    assert "<dt>Archived copy</dt>" not in html(client.get(nothing.get_absolute_url()))
    assert "We have not captured this source yet." in html(client.get(nothing.get_absolute_url()))


@pytest.mark.parametrize(
    ("since_cited", "message"),
    [
        (Change.DRIFTED, "The original of this source has changed since we cited it"),
        (Change.MOVED, "The original of this source has moved since we cited it"),
        (Change.GONE, "The original of this source is gone"),
    ],
)
def test_the_source_and_claim_pages_say_when_the_original_changed_since_it_was_cited(client, since_cited, message):
    story = cited_source(since_cited=since_cited)
    cited_link = f'<a href="{story["baseline"].get_absolute_url()}">Read the copy we cited'
    for url in (story["source"].get_absolute_url(), story["claim"].get_absolute_url()):
        page = html(client.get(url))
        notice = re.search(r'<p class="notice notice-original" role="note">(.*?)</p>', page, re.S).group(1)
        assert message in notice
        assert 'we noticed on <time datetime="2025-03-02T09:30:00Z">2 March 2025</time>' in notice
        assert cited_link in notice
        assert 'captured <time datetime="2024-11-26T15:00:00Z">26 November 2024</time>' in notice


@pytest.mark.parametrize("since_cited", [Change.FIRST, Change.UNCHANGED, Change.CHANGED])
def test_no_notice_while_the_original_still_says_what_we_cited(client, since_cited):
    story = cited_source(since_cited=since_cited)
    for url in (story["source"].get_absolute_url(), story["claim"].get_absolute_url()):
        assert "notice-original" not in html(client.get(url))


def test_demo_stand_ins_are_labelled_on_every_page_that_shows_them(client):
    story = cited_source(since_cited=Change.DRIFTED, demo=True)
    label = f'<span class="tag tag-demo">{DEMO_STAND_IN}</span>'
    source_page = html(client.get(story["source"].get_absolute_url()))
    facts, listed = source_page.split('id="captures-heading"')
    assert label in facts and label in listed
    assert label in html(client.get(story["claim"].get_absolute_url()))
    capture_page = html(client.get(story["baseline"].get_absolute_url()))
    assert f"This is a {DEMO_STAND_IN}." in capture_page
    assert "Not the real article" not in html(client.get(story["later"].get_absolute_url()))


# The capture page


def test_the_capture_page_shows_the_copy_as_escaped_text_with_its_facts(client, settings):
    source = public_source(title="Artists say they leaked Sora", url="https://example.org/sora")
    capture = public_capture(
        source=source,
        requested_at=CITED_AT,
        final_url="https://example.org/sora-leak",
        content_type="text/html",
        text="First paragraph <script>window.pwned=1</script>\n\nSecond & last <img src=x onerror=alert(1)>",
        size=12345,
        sha256="0f" * 32,
        fingerprint="89abcdef01234567",
        metadata={"title": "Sora leaked", "author": "Ann Writer", "published_on": "2024-11-26", "language": "en"},
    )
    with_warc(capture, b"<html>copy</html>")
    page = html(client.get(capture.get_absolute_url()))
    assert "<script>window.pwned" not in page and "<img src=x" not in page
    assert "<p>First paragraph &lt;script&gt;window.pwned=1&lt;/script&gt;</p>" in page
    assert "<p>Second &amp; last &lt;img src=x onerror=alert(1)&gt;</p>" in page
    assert '<div class="archived-text prose" lang="en">' in page
    assert "URL asked for" in page and 'href="https://example.org/sora"' in page
    assert "Final URL" in page and 'href="https://example.org/sora-leak"' in page
    assert "<dt>HTTP status</dt><dd>200</dd>" in page
    assert "<dt>Content type</dt><dd>text/html</dd>" in page
    assert "(12345 bytes)" in page
    assert f'<code class="digest">{"0f" * 32}</code>' in page and "<code>89abcdef01234567</code>" in page
    assert "What the page said of itself" in page
    assert "<dt>Author</dt><dd>Ann Writer</dd>" in page and "<dt>Published</dt><dd>2024-11-26</dd>" in page
    assert f'href="{capture.get_warc_url()}"' in page
    assert f'<link rel="canonical" href="{settings.SITE_URL}{capture.get_absolute_url()}">' in page
    assert "<title>Archived copy of Artists say they leaked Sora, 26 November 2024" in page


def test_the_capture_page_never_holds_captured_html(client):
    capture = public_capture(text='<a href="javascript:alert(1)">x</a> <iframe src="https://evil.example"></iframe>')
    page = html(client.get(capture.get_absolute_url()))
    assert "<iframe" not in page and 'href="javascript:' not in page


def test_a_pending_or_failed_capture_says_what_happened_instead_of_text(client):
    pending = public_capture(state=Capture.State.PENDING, change="", captured_at=None, http_status=None, text="")
    assert "We have not fetched the page yet" in html(client.get(pending.get_absolute_url()))
    failed = public_capture(
        change=Change.FAILED,
        http_status=None,
        text="",
        error_code="too_large",
        error="The page is larger than 10 MB.",
        change_reason="No answer.",
    )
    page = html(client.get(failed.get_absolute_url()))
    assert "We could not fetch the page: The page is larger than 10 MB." in page and "too_large" in page
    assert "archived-text" not in page
    gone = public_capture(change=Change.GONE, http_status=404, text="Not found")
    page = html(client.get(gone.get_absolute_url()))
    assert "The server answered HTTP 404" in page and "<p>Not found</p>" in page


def test_the_capture_page_says_when_it_is_the_copy_we_cited(client):
    story = cited_source(since_cited=Change.DRIFTED)
    assert "Archived copy · the copy we cited" in html(client.get(story["baseline"].get_absolute_url()))
    later = html(client.get(story["later"].get_absolute_url()))
    assert "the copy we cited" not in later.split("<h1>")[0]
    assert "The original of this source has changed since we cited it" in later


def test_captures_of_a_drafts_source_are_only_for_staff(client, editor_client):
    source = SourceFactory()
    EvidenceFactory(claim=ClaimFactory(), statement=StatementFactory(source=source))
    capture = with_warc(CaptureFactory(source=source), b"draft")
    anonymous = type(client)()
    for url in (source.get_absolute_url(), capture.get_absolute_url(), capture.get_warc_url()):
        assert anonymous.get(url).status_code == 404, url
        response = editor_client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_capture_of_another_source_or_none_at_all_is_404(client):
    one, other = public_source(), public_source()
    capture = with_warc(CaptureFactory(source=one), b"x")
    wrong = reverse("claims:capture_detail", kwargs={"pk": other.pk, "capture": capture.pk})
    wrong_warc = reverse("claims:capture_warc", kwargs={"pk": other.pk, "capture": capture.pk})
    missing = reverse("claims:capture_detail", kwargs={"pk": one.pk, "capture": capture.pk + 1000})
    for url in (wrong, wrong_warc, missing):
        assert client.get(url).status_code == 404, url


# The WARC download


def test_the_warc_download_is_an_attachment_that_never_runs(client):
    body = b"<html><script>window.pwned=1</script></html>"
    capture = with_warc(public_capture(), body)
    response = client.get(capture.get_warc_url())
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    with capture.warc.open("rb") as stored:
        assert content == stored.read()
    assert [record.content_stream().read() for record in ArchiveIterator(BytesIO(content))] == [body]
    assert response["Content-Type"] == "application/warc"
    assert response["Content-Disposition"] == (
        f'attachment; filename="source-{capture.source_id}-capture-{capture.pk}.warc.gz"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert "Content-Encoding" not in response
    assert "public" in response["Cache-Control"]
    again = client.get(capture.get_warc_url(), headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304


def test_the_warc_of_a_capture_without_one_is_404(client):
    capture = public_capture(change=Change.FAILED, http_status=None)
    assert client.get(capture.get_warc_url()).status_code == 404
    assert "Download the WARC file" not in html(client.get(capture.get_absolute_url()))
    gone = public_capture()
    gone.warc.name = f"captures/{gone.source_id}/missing.warc.gz"
    gone.save()
    assert client.get(gone.get_warc_url()).status_code == 404


def test_the_warc_download_reads_the_captures_storage(client, tmp_path):
    capture = with_warc(public_capture(), b"stored")
    assert (tmp_path / "media" / capture.warc.name).is_file()


# ClaimReview


def test_claimreview_sources_carry_archived_at_of_the_copy_cited(client, settings):
    story = cited_source(since_cited=Change.DRIFTED)
    claim = story["claim"]
    first = cited_source()["source"]
    claim.first_appearance = first
    claim.save()
    uncaptured = public_source()
    EvidenceFactory(claim=claim, statement=StatementFactory(source=uncaptured), stance=Evidence.Stance.SUPPORTS)
    VerdictChangeFactory(claim=claim)
    page = html(client.get(claim.get_absolute_url()))
    [review] = [json.loads(block) for block in LD_JSON.findall(page)]
    item = review["itemReviewed"]
    baseline = Watch.objects.get(source=first).baseline
    assert item["firstAppearance"]["archivedAt"] == settings.SITE_URL + baseline.get_absolute_url()
    by_url = {work["url"]: work for work in item["appearance"]}
    assert by_url[story["source"].url]["archivedAt"] == settings.SITE_URL + story["baseline"].get_absolute_url()
    assert "archivedAt" not in by_url[uncaptured.url]
    served = client.get(reverse("api:claim-claimreview", kwargs={"slug": claim.slug})).json()
    assert served["itemReviewed"] == item


def test_a_demo_stand_in_is_no_archived_copy_for_claimreview():
    story = cited_source(demo=True)
    item = claim_review(story["claim"])["itemReviewed"]
    assert all("archivedAt" not in work for work in item["appearance"])


# Caches and ETags


def test_a_new_capture_changes_the_source_page_and_its_etag(client):
    story = cited_source()
    url = story["source"].get_absolute_url()
    first = client.get(url)
    assert client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304
    later = CaptureFactory(source=story["source"], requested_at=DRIFTED_AT)
    response = client.get(url, headers={"if-none-match": first["ETag"]})
    assert response.status_code == 200 and response["ETag"] != first["ETag"]
    assert later.get_absolute_url() in response.content.decode()


def test_a_watch_change_changes_the_claim_page_and_its_etag(client):
    story = cited_source(since_cited=Change.UNCHANGED)
    url = story["claim"].get_absolute_url()
    first = client.get(url)
    assert "notice-original" not in first.content.decode()
    watch = Watch.objects.get(source=story["source"])
    watch.since_cited, watch.changed_at = Change.GONE, timezone.now()
    watch.save()
    response = client.get(url, headers={"if-none-match": first["ETag"]})
    assert response.status_code == 200 and response["ETag"] != first["ETag"]
    assert "The original of this source is gone" in response.content.decode()


# Queries


@pytest.mark.parametrize("n", [1, 30])
def test_archive_pages_run_a_fixed_number_of_queries(client, django_assert_max_num_queries, n):
    story = cited_source(since_cited=Change.DRIFTED)
    for i in range(n):
        CaptureFactory(source=story["source"], requested_at=DRIFTED_AT + datetime.timedelta(hours=i))
        other = cited_source(since_cited=Change.GONE)["source"]
        EvidenceFactory(claim=story["claim"], statement=StatementFactory(source=other), stance=Evidence.Stance.REFUTES)
    story["claim"].topics.add(TopicFactory())
    capture = with_warc(story["baseline"], b"x")
    pages = {
        story["source"].get_absolute_url(): 5,
        capture.get_absolute_url(): 2,
        capture.get_warc_url(): 2,
        story["claim"].get_absolute_url(): 8,
    }
    for url, most in pages.items():
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200, url
    assert html(client.get(story["claim"].get_absolute_url())).count("The original of this source is gone") == n


def test_a_source_added_by_its_url_alone_is_named_by_its_url_until_it_has_a_title(editor_client):
    source = SourceFactory(title="", url="https://news.example.org/untitled")
    claim = ClaimFactory(first_appearance=source)
    EvidenceFactory(claim=claim, statement=StatementFactory(source=source))
    named = f'<a href="{source.get_absolute_url()}">https://news.example.org/untitled</a>'
    assert html(editor_client.get(claim.get_absolute_url())).count(named) == 2  # first appearance, evidence
    assert "<h1>https://news.example.org/untitled</h1>" in html(editor_client.get(source.get_absolute_url()))
    capture = CaptureFactory(source=source)
    assert "<h1>https://news.example.org/untitled</h1>" in html(editor_client.get(capture.get_absolute_url()))
