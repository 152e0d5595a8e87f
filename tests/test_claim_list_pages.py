"""The public claim list's pages: by cursor (public/keyset.py) when ordered by a column, numbered for a search,
old ?page=N links, broken cursors, the bounded count, and on PostgreSQL the plan of a deep page."""

import datetime
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import factory
import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, Status, Verdict
from public import keyset, views
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    PublishedClaimFactory,
    SpeakerFactory,
    StatementFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("claims:claim_list")
CARD_LINK = re.compile(r'<h3 class="claim-card-title"><a href="/claims/([^/"]+)/">')


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]*)" rel="{rel}">', html)
    return unescape(found.group(1)) if found else None


def slugs(html: str) -> list[str]:
    return CARD_LINK.findall(html)


def get(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


NEVER = datetime.datetime.min.replace(tzinfo=datetime.UTC)


def expected(claims, field: str) -> list[str]:
    """The list order, worked out here: column newest first with missing values first, ties by id."""
    rows = sorted(claims, key=lambda c: c.pk, reverse=True)
    rows.sort(key=lambda c: (getattr(c, field) is None, getattr(c, field) or NEVER), reverse=True)
    return [c.slug for c in rows]


@pytest.fixture
def listed():
    """47 public claims on a topic (ties of time, a few without a publication time, one retracted) between
    drafts and claims off the topic; the speaker made some and has statements as evidence on others."""
    topic, other = TopicFactory(name="Leak"), TopicFactory(name="Other")
    speaker = SpeakerFactory(name="Ann Example")
    base = timezone.now() - datetime.timedelta(days=30)
    public = []
    for i in range(47):
        claim = PublishedClaimFactory(
            text=f"Listed claim {i}.",
            topics=[topic],
            claimant=speaker if i % 3 else None,
            status=Status.RETRACTED if i == 5 else Status.PUBLISHED,
            retraction_reason="Wrong." if i == 5 else "",
        )
        if not i % 3:
            EvidenceFactory(claim=claim, statement=StatementFactory(speaker=speaker))
        # Every fourth claim shares its time with the one before: order by id among them.
        published = None if i in (7, 20, 33) else base + datetime.timedelta(hours=i - i % 4 // 3)
        updated = base + datetime.timedelta(minutes=(i * 7) % 11)
        # updated_at (a row's own save) in the opposite order: the "updated" list never follows it.
        saved = base - datetime.timedelta(minutes=(i * 7) % 11)
        Claim.objects.filter(pk=claim.pk).update(published_at=published, public_updated_at=updated, updated_at=saved)
        ClaimFactory(text=f"Draft between {i}.", topics=[topic], claimant=speaker)
        public.append(claim)
    PublishedClaimFactory(text="Off the topic.", topics=[other], claimant=speaker)
    PublishedClaimFactory(text="Rated true.", topics=[topic], verdict=Verdict.TRUE, claimant=speaker)
    ids = [c.pk for c in public]
    return {
        "topic": topic,
        "speaker": speaker,
        "claims": list(Claim.objects.filter(pk__in=ids)),
        "params": f"verdict=false&topic={topic.slug}&speaker={speaker.slug}",
    }


@pytest.mark.parametrize("page_size", [20, 2])  # 2: page ends among the claims without a publication time
@pytest.mark.parametrize("order, field", [("newest", "published_at"), ("updated", "public_updated_at")])
def test_walking_older_then_newer_lists_every_public_claim_once_in_order(
    client, listed, order, field, page_size, monkeypatch
):
    monkeypatch.setattr(views, "PAGE_SIZE", page_size)
    first_url = f"{URL}?{listed['params']}&order={order}"
    url, pages = first_url, []
    while url:
        html = get(client, url)
        pages.append((url, slugs(html)))
        assert 0 < len(pages[-1][1]) <= page_size, url
        assert "Draft between" not in html
        next_url = link(html, "next")
        if next_url:  # the filters and the order ride along with the cursor
            query = parse_qs(urlsplit(next_url).query)
            assert query["order"] == [order] and query["verdict"] == ["false"]
            assert query["topic"] == [listed["topic"].slug] and query["speaker"] == [listed["speaker"].slug]
            assert "page" not in query and "before" not in query and len(query["after"]) == 1
        url = next_url
    assert all(len(page) == page_size for _, page in pages[:-1])
    assert [s for _, page in pages for s in page] == expected(listed["claims"], field)
    assert link(get(client, first_url), "prev") is None

    # Back from the last page: "Newer claims" shows the same pages, and the first one is the list's own address.
    html = get(client, pages[-1][0])
    for _, page in reversed(pages[:-1]):
        url = link(html, "prev")
        html = get(client, url)
        assert slugs(html) == page
    assert link(html, "prev") is None
    assert url == first_url or parse_qs(urlsplit(url).query).get("before")


def test_a_middle_page_links_both_ways_and_to_the_first_page(client, listed):
    html = get(client, URL)
    second = get(client, link(html, "next"))
    nav = re.search(r'<nav class="pagination" aria-label="Pages">.*?</nav>', second, re.S).group(0)
    assert "Newer claims" in nav and "Older claims" in nav and f'<a href="{URL}">First page</a>' in nav
    assert '<span aria-hidden="true">← </span>' in nav


def test_the_first_page_of_a_short_list_has_no_pagination(client):
    PublishedClaimFactory.create_batch(3)
    html = get(client, URL)
    assert 'class="pagination"' not in html and len(slugs(html)) == 3


@pytest.mark.parametrize(
    "query",
    [
        "after=garbage",
        "after=",
        "before=%00",
        "after=" + "x" * 5000,
        "after=WyJuZXdlc3QiLG51bGwsMV0:forged0signature00000000000",
        "after=é%FF",
    ],
)
def test_a_broken_cursor_is_a_400_page_in_the_site_design(client, listed, query):
    response = client.get(f"{URL}?verdict=false&{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert "This page link does not work" in html and 'class="site-header"' in html
    assert f'<a href="{URL}?verdict=false">Go to the first page of the list</a>' in html
    assert '<meta name="robots" content="noindex">' in html


@pytest.mark.parametrize(
    "payload, salt",
    [
        (["newest", "not a date", 1], keyset.SALT),
        (["newest", "2024-01-01T00:00:00", 1], keyset.SALT),  # no time zone
        (["newest", None, -3], keyset.SALT),
        (["newest", None, True], keyset.SALT),
        (["newest", None, 2**70], keyset.SALT),
        (["newest", None], keyset.SALT),
        ({"o": "newest"}, keyset.SALT),
        (["newest", None, 1], "another.salt"),
    ],
)
def test_a_cursor_this_list_did_not_make_is_refused(client, listed, payload, salt):
    response = client.get(URL, {"after": signing.dumps(payload, salt=salt)})
    assert response.status_code == 400


def test_a_cursor_for_another_order_or_both_directions_is_refused(client, listed):
    html = get(client, URL)
    after = parse_qs(urlsplit(link(html, "next")).query)["after"][0]
    response = client.get(URL, {"after": after, "order": "updated"})
    assert response.status_code == 400 and "another order" in response.content.decode()
    assert client.get(URL, {"after": after, "before": after}).status_code == 400
    assert client.get(URL, {"after": after}).status_code == 200


def test_a_cursor_past_the_end_is_a_404(client):
    claims = PublishedClaimFactory.create_batch(2)
    oldest = min(claims, key=lambda c: (c.published_at, c.pk))
    token = keyset.encode("newest", oldest.published_at, oldest.pk)
    assert client.get(URL, {"after": token}).status_code == 404


def test_old_page_links_keep_working_for_shallow_pages(client, listed):
    html = get(client, URL)
    by_cursor = get(client, link(html, "next"))
    by_number = get(client, f"{URL}?page=2")
    assert slugs(by_number) == slugs(by_cursor)
    assert link(by_number, "prev") == URL  # page 2's newer page is the first
    assert slugs(get(client, link(by_number, "next"))) == slugs(get(client, link(by_cursor, "next")))
    assert slugs(get(client, f"{URL}?page=1")) == slugs(html)
    for page in ["4", "99999", "999999999", "0", "-1", "abc", "1e3", "9" * 40, "２", "%00"]:
        assert client.get(f"{URL}?page={page}").status_code == 404, page


def test_old_deep_page_links_redirect_to_their_cursor(client, listed, monkeypatch):
    monkeypatch.setattr(views, "MAX_NUMBERED_PAGE", 1)
    response = client.get(URL, {"topic": listed["topic"].slug, "page": 3})
    assert response.status_code == 301
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["topic"] == [listed["topic"].slug] and "page" not in query
    monkeypatch.setattr(views, "MAX_NUMBERED_PAGE", 50)
    assert slugs(get(client, response["Location"])) == slugs(get(client, f"{URL}?topic={listed['topic'].slug}&page=3"))
    monkeypatch.setattr(views, "MAX_NUMBERED_PAGE", 1)
    assert client.get(URL, {"page": 4}).status_code == 404  # past the end


def test_the_count_is_bounded_and_exact_below_the_bound(client, listed, monkeypatch):
    html = get(client, f"{URL}?{listed['params']}")
    assert "47 claims match, rated False, on Leak, involving Ann Example" in html
    monkeypatch.setattr(views, "LIST_COUNT_LIMIT", 40)
    assert "More than 40 claims match, rated False" in get(client, f"{URL}?verdict=false")
    assert re.search(r"More than 40 claims\s*</h2>", get(client, URL))
    # No query counts the whole list: every COUNT is of a LIMITed subquery.
    with CaptureQueriesContext(connection) as queries:
        get(client, f"{URL}?order=updated")  # not yet in the page cache
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 41" in sql for sql in counts), counts


@pytest.mark.parametrize("direction", ["after", "before"])
def test_cursor_pages_run_a_fixed_number_of_queries(client, listed, django_assert_max_num_queries, direction):
    html = get(client, URL)
    url = link(get(client, link(html, "next")), "next" if direction == "after" else "prev")
    with django_assert_max_num_queries(4):
        assert client.get(url).status_code == 200


def test_a_search_keeps_numbered_pages_and_an_exact_count(client):
    PublishedClaimFactory.create_batch(views.PAGE_SIZE + 5, text=factory_text("zebra"))
    html = get(client, f"{URL}?q=zebra&order=newest")
    assert f"{views.PAGE_SIZE + 5} claims match ‘zebra’" in html and "Page 1 of 2" in html
    assert "page=2" in link(html, "next") and "after=" not in html
    assert len(slugs(get(client, f"{URL}?q=zebra&order=newest&page=2"))) == 5
    assert client.get(f"{URL}?q=zebra&page=3").status_code == 404
    # A cursor means nothing to a search: it is ignored.
    assert len(slugs(get(client, f"{URL}?q=zebra&after=garbage"))) == views.PAGE_SIZE


def factory_text(word):
    return factory.Sequence(lambda n: f"A {word} claim {n}.")


def test_a_search_at_its_bound_says_so(client, monkeypatch):
    import claims.search

    monkeypatch.setattr(claims.search, "SEARCH_MAX_MATCHES", 3)
    monkeypatch.setattr(views, "SEARCH_MAX_MATCHES", 3)
    PublishedClaimFactory.create_batch(5, text=factory_text("zebra"))
    html = get(client, f"{URL}?q=zebra")
    assert "At least 3 claims match ‘zebra’" in html and "Only the newest 3 matches are ranked" in html


# --- PostgreSQL: a deep page is an index range read ------------------------------------------


ORDER_FIELDS = {"newest": "published_at", "updated": "public_updated_at"}
ROW_COMPARISON = re.compile(r'"claims_claim"\."id"\) [<>] \(')


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
@pytest.mark.parametrize("order, index", [("newest", "claim_public_newest"), ("updated", "claim_public_updated")])
def test_a_deep_page_is_an_index_range_scan(client, order, index):
    for claim in PublishedClaimFactory.create_batch(120):
        ClaimFactory()  # drafts between them
        Claim.objects.filter(pk=claim.pk).update(published_at=claim.published_at - datetime.timedelta(hours=claim.pk))
    last = Claim.objects.public().order_by(*keyset.ordering(ORDER_FIELDS[order]))[99]
    token = keyset.encode(order, getattr(last, ORDER_FIELDS[order]), last.pk)
    for direction in ("after", "before"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"order": order, direction: token}).status_code == 200
        [sql] = [q["sql"] for q in queries if ROW_COMPARISON.search(q["sql"])]
        assert "OFFSET" not in sql.upper()
        plan = _explain(sql)
        assert f"Index Scan{' Backward' if direction == 'before' else ''} using {index}" in plan, plan
        assert re.search(r"Index Cond: \(ROW\(.*\) [<>] ROW\(", plan), plan
        assert "Sort" not in plan, plan


# The topic page pages the same way (newest first). Its cards are headed h2.
TOPIC_CARD_LINK = re.compile(r'<h2 class="claim-card-title"><a href="/claims/([^/"]+)/">')


def test_a_topic_page_walks_every_public_claim_of_the_topic_once_both_ways(client, listed, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 10)
    topic = listed["topic"]
    public = list(Claim.objects.public().filter(topics=topic))
    first_url = topic.get_absolute_url()
    url, pages = first_url, []
    while url:
        html = get(client, url)
        assert f"{len(public)} claims on {topic.name}" in html and "Draft between" not in html
        pages.append((url, TOPIC_CARD_LINK.findall(html)))
        url = link(html, "next")
    assert [s for _, page in pages for s in page] == expected(public, "published_at")
    html = get(client, pages[-1][0])
    for _, page in reversed(pages[:-1]):
        html = get(client, link(html, "prev"))
        assert TOPIC_CARD_LINK.findall(html) == page
    assert link(html, "prev") is None


def test_a_topic_page_refuses_broken_cursors_and_keeps_old_page_links(client, listed, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 10)
    url = listed["topic"].get_absolute_url()
    broken = client.get(url, {"after": "not-a-cursor"})
    assert broken.status_code == 400 and f'href="{url}"' in broken.content.decode()
    second = get(client, f"{url}?page=2")
    assert TOPIC_CARD_LINK.findall(second) == TOPIC_CARD_LINK.findall(get(client, link(get(client, url), "next")))
    assert client.get(url, {"page": "99"}).status_code == 404
    draft_only = TopicFactory(name="Drafts only")
    ClaimFactory(topics=[draft_only])
    assert client.get(draft_only.get_absolute_url()).status_code == 404
