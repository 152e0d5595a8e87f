"""The API's front page (/api/) and its docs: the schema made once and served from memory, its tags described,
ReDoc's bundle without the address it would ask of another site."""

import gzip
import json
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from apikeys.scopes import DESCRIPTIONS
from claims import verdicts
from claims.api import docs
from claims.api.urls import router
from claims.models import PublicChange

pytestmark = pytest.mark.django_db

API_PAGE = "/api/"


class Page(HTMLParser):
    """The links of a page, and the cells of its verdict scale table."""

    def __init__(self, html: str):
        super().__init__()
        self.links, self.rows, self._row, self._cell = [], [], None, None
        self._in_scale = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "table" and "scale-table" in attrs.get("class", ""):
            self._in_scale = True
        elif tag == "tr" and self._in_scale:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""
        elif tag == "br" and self._cell is not None:
            self._cell += " "

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell.replace("\u00ad", "").strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "table":
            self._in_scale = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


@pytest.fixture
def fresh_schema():
    """No schema made yet in this process (the test suite's other tests may have made one)."""
    docs._forget()
    yield
    docs._forget()


def test_the_api_link_of_every_page_leads_to_the_api_page(client):
    home = Page(client.get("/").content.decode())
    assert API_PAGE in home.links
    assert reverse("claims:api") == API_PAGE
    assert "/api/v1/" not in home.links  # not the framework's bare API root


def test_the_api_page_links_to_the_docs_the_schema_the_feeds_and_the_scale(client):
    response = client.get(API_PAGE)
    assert response.status_code == 200
    links = Page(response.content.decode()).links
    for expected in [
        reverse("api:docs"),
        reverse("api:redoc"),
        reverse("api:schema") + "?format=json",
        reverse("api:schema"),
        reverse("api:api-root"),
        reverse("api:changes"),
        reverse("api:verdicts"),
        reverse("claimreview-feed"),
        reverse("claims:feed_claims_rss"),
        reverse("claims:feed_claims_atom"),
        reverse("claims:feed_corrections_rss"),
        reverse("claims:feed_corrections_atom"),
        reverse("claims:methodology"),
    ]:
        assert expected in links, expected
    ours = {link.split("#", 1)[0] for link in links if link.startswith("/")}
    for link in sorted(ours):
        assert client.get(link).status_code == 200, link


def test_the_api_page_lists_every_resource_of_the_router_and_every_operation_of_the_schema(client):
    html = client.get(API_PAGE).content.decode()
    for prefix, _viewset, _basename in router.registry:
        path = "/api/v1/" + re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", prefix) + "/"
        assert f"</span> {path}</code>" in html, path
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            # Each operation: its summary, linked to it in Swagger UI, with its method and path.
            anchor = f"{reverse('api:docs')}#/{operation['tags'][0]}/{operation['operationId']}"
            assert f'<a href="{anchor}">' in html, anchor
            assert f'<span class="method">{method.upper()}</span> {path}</code>' in html
    for tag in schema["tags"]:
        assert f'<h3 id="resource-{tag["name"]}">' in html
        assert tag["description"] in unescape(html)


def test_the_api_page_shows_the_verdict_scale_of_claims_verdicts(client):
    rows = Page(client.get(API_PAGE).content.decode()).rows
    assert rows[0] == ["Value and label", "Meaning", "ClaimReview rating"]
    expected = [
        [f"{grade.value} {grade.label}", grade.meaning, str(grade.rating) if grade.rating else "none"]
        for grade in verdicts.SCALE.values()
    ]
    assert rows[1:] == expected


def test_the_api_page_says_the_limits_the_key_header_and_the_error_shape(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "7/hour", "user": "99/second", "key": "50/minute"},
    }
    html = client.get(API_PAGE).content.decode()
    assert "anonymous clients, per address, 7 requests per hour" in html
    assert "without a key, 99 requests per second" in html
    assert "each API key, 50 requests per minute" in html
    assert f"<code>page_size</code> is at most {settings.API_MAX_PAGE_SIZE}" in html
    assert "Authorization: Api-Key $KEY" in html
    assert "manage.py create_api_key NAME --user USER --scopes read,write" in html
    for scope, description in DESCRIPTIONS.items():  # the scopes and events from their one home
        assert f"<dt><code>{scope}</code></dt><dd>{escape(description)}</dd>" in html
    assert all(f"<code>{kind}</code>" in html for kind in PublicChange.Kind.values)
    assert "&quot;code&quot;: &quot;invalid&quot;" in html  # the error example, from the schema's Error
    assert "for programs: invalid, parse_error, not_authenticated," in html


def test_the_api_page_is_a_cached_public_page_under_the_strict_policy(client, django_assert_num_queries):
    with django_assert_num_queries(0):  # the schema, the settings and the scale: no database
        first = client.get(API_PAGE)
    assert "public" in first["Cache-Control"] and first.has_header("ETag")
    assert client.get(API_PAGE)["X-Cache"] == "hit"
    assert client.get(API_PAGE, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # The site's own policy, not the API docs' (which allow inline styles); and no CORS for a page.
    assert "'unsafe-inline'" not in first["Content-Security-Policy"].split("style-src ")[1].split(";")[0]
    assert "Access-Control-Allow-Origin" not in client.get(API_PAGE, HTTP_ORIGIN="https://elsewhere.example")


def test_robots_keep_crawlers_out_of_the_api_but_not_its_page(client):
    lines = client.get("/robots.txt").content.decode().splitlines()
    assert "Disallow: /api/v1/" in lines
    assert "Disallow: /api/" not in lines


# The schema


def test_the_schema_is_made_once_and_then_served_from_memory(client, fresh_schema, monkeypatch):
    made = []
    generate = SchemaGenerator.get_schema

    def counting(self, *args, **kwargs):
        made.append(1)
        return generate(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counting)
    first = client.get("/api/v1/schema/?format=json")
    again = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    yaml = client.get("/api/v1/schema/")
    assert client.get(API_PAGE).status_code == 200  # the API page reads the same schema
    assert made == [1]
    assert first.status_code == again.status_code == yaml.status_code == 200
    assert first.content == again.content
    assert yaml["Content-Type"] == "application/vnd.oai.openapi; charset=utf-8"
    assert yaml.content.startswith(b"openapi: 3")
    assert json.loads(first.content) == generate(SchemaGenerator(), request=None, public=True)


def test_a_settings_change_makes_the_schema_again(client, settings, fresh_schema):
    def page_size_limit():
        schema = client.get("/api/v1/schema/?format=json").json()
        parameters = schema["paths"]["/api/v1/claims/"]["get"]["parameters"]
        return next(p for p in parameters if p["name"] == "page_size")["schema"]["maximum"]

    assert page_size_limit() == settings.API_MAX_PAGE_SIZE
    settings.API_MAX_PAGE_SIZE = 7
    assert page_size_limit() == 7


def test_the_schema_is_compact_gzipped_and_conditional(client):
    plain = client.get("/api/v1/schema/?format=json")
    assert plain["Content-Type"] == "application/vnd.oai.openapi+json"
    assert b"\n" not in plain.content  # compact: less than half the size of the indented JSON
    assert "public" in plain["Cache-Control"] and "Accept-Encoding" in plain["Vary"]
    zipped = client.get("/api/v1/schema/?format=json", HTTP_ACCEPT_ENCODING="gzip, br")
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert len(zipped.content) * 5 < len(plain.content)
    assert zipped["ETag"] == plain["ETag"]
    unchanged = client.get("/api/v1/schema/?format=json", HTTP_IF_NONE_MATCH=plain["ETag"])
    assert unchanged.status_code == 304 and unchanged.content == b""


def test_every_group_of_operations_is_described():
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    used = {tag for operations in schema["paths"].values() for op in operations.values() for tag in op["tags"]}
    tags = {tag["name"]: tag.get("description", "") for tag in schema["tags"]}
    assert set(tags) == used
    assert [name for name, description in tags.items() if not description.strip()] == []
    assert list(tags)[:3] == ["claims", "verdicts", "changes"]  # the docs start where a client does


def test_the_schema_says_where_to_start():
    description = APIClient().get("/api/v1/schema/?format=json").json()["info"]["description"]
    assert f"{settings.SITE_URL}{API_PAGE}" in description


# The docs pages


def test_swagger_ui_asks_for_the_schema_as_json_at_once(client):
    html = client.get("/api/v1/docs/").content.decode()
    assert '<link rel="preload" href="/api/v1/schema/?format=json" as="fetch" crossorigin="anonymous">' in html
    assert 'url: "/api/v1/schema/?format\\u003Djson"' in html  # escapejs writes = as \u003D
    assert "swagger-ui-standalone-preset" not in html  # a script its layout does not use


def test_redoc_reads_json_from_a_bundle_that_asks_nothing_of_another_site(client):
    html = client.get("/api/v1/redoc/").content.decode()
    assert '<redoc spec-url="/api/v1/schema/?format=json">' in html
    [bundle_url] = re.findall(r'<script src="([^"]+)"', html)
    assert bundle_url.startswith(reverse("api:redoc-bundle") + "?v=")
    bundle = client.get(bundle_url)
    assert bundle.status_code == 200 and bundle["Content-Type"].startswith("text/javascript")
    assert "immutable" in bundle["Cache-Control"]
    assert b"Redoc" in bundle.content and b"cdn.redoc.ly" not in bundle.content
    assert bundle.content.count(b"https://fonts.") == 0
