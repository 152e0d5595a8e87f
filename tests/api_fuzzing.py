"""The API's OpenAPI schema under Schemathesis, shared by the long fuzz run (tests/test_fuzz.py) and the suite's
short one (tests/test_api_schema.py): the schema, its checks, the request counter, the hooks that aim the fuzzer at
objects that exist, and the `content` fixture that makes them."""

import json
import logging
from collections import Counter

import pytest
import schemathesis
import schemathesis.specs.openapi.checks
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import strategies as st
from rest_framework.utils.encoders import JSONEncoder

from claims.models import Verdict
from factcheck.wsgi import application
from tests.factories import (
    CaptureFactory,
    ClaimFactory,
    EvidenceFactory,
    PublishedClaimFactory,
    SpeakerFactory,
    StatementFactory,
    TopicFactory,
    VerdictChangeFactory,
)
from tests.helpers import api_key

RAW_SCHEMA = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), cls=JSONEncoder))
schema = schemathesis.openapi.from_dict(RAW_SCHEMA)

# Every request the fuzzer makes goes through this counter, by status code.
STATUSES: Counter = Counter()


def counting_application(environ, start_response):
    def start(status, headers, exc_info=None):
        STATUSES[int(status.split()[0])] += 1
        return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

    return application(environ, start)


schema.app = counting_application

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.specs.openapi.checks.status_code_conformance,
    schemathesis.specs.openapi.checks.content_type_conformance,
    schemathesis.specs.openapi.checks.response_headers_conformance,
    schemathesis.specs.openapi.checks.response_schema_conformance,
]

# Objects that exist in the test database, filled by the `content` fixture: resource -> lookups.
KNOWN: dict[str, list] = {}
REFERENCES = {
    "claim": "claims",
    "statement": "statements",
    "source": "sources",
    "speaker": "speakers",
    "claimant": "speakers",
    "first_appearance": "sources",
    "affiliation": "speakers",
    "topics": "topics",
}


def _resource(context) -> str:
    return context.operation.path.strip("/").split("/")[2]  # api/v1/<resource>/...


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    if set(path_parameters) == {"source_id", "id"}:  # a source's capture: pairs that belong together
        pairs = KNOWN.get("captures")
        if not pairs:
            return st.just(path_parameters)
        return st.one_of(
            st.just(path_parameters), st.sampled_from(pairs).map(lambda pair: {"source_id": pair[0], "id": pair[1]})
        )
    if "source_id" in path_parameters:
        known = [(pk, pk) for pk, _ in KNOWN.get("sources", [])]
    else:
        known = KNOWN.get(_resource(context))
    if not known:
        return st.just(path_parameters)
    (name,) = path_parameters
    return st.one_of(
        st.just(path_parameters), st.sampled_from([k[0] for k in known]).map(lambda v: {**path_parameters, name: v})
    )


@schema.hook
def flatmap_body(context, body):
    if not isinstance(body, dict):
        return st.just(body)
    present = [f for f in body if f in REFERENCES and KNOWN.get(REFERENCES[f])]
    if not present:
        return st.just(body)

    def with_known(choices):
        new = dict(body)
        for field, pk in choices.items():
            new[field] = [pk] if isinstance(body[field], list) else pk
        return new

    known_ids = st.fixed_dictionaries({f: st.sampled_from([k[1] for k in KNOWN[REFERENCES[f]]]) for f in present})
    return st.one_of(st.just(body), known_ids.map(with_known))


@pytest.fixture
def content(db, settings):
    # As Django's test client does: a request must not close the test's connection (inside its transaction).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # Thousands of 4xx warnings would bury the figures; 5xx are still logged (ERROR).
    request_log = logging.getLogger("django.request")
    level, request_log.level = request_log.level, logging.ERROR
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None}}
    cache.clear()
    topic = TopicFactory(name="Leaks")
    published = PublishedClaimFactory(text="The leaked access was authentic.", topics=[topic])
    VerdictChangeFactory(claim=published, verdict=Verdict.FALSE)
    in_review = ClaimFactory(text="A claim in review.", status="in_review", verdict=Verdict.TRUE)
    VerdictChangeFactory(claim=in_review, verdict=Verdict.TRUE)
    draft = ClaimFactory(text="A draft nobody outside may see.")
    public_evidence = EvidenceFactory(claim=published)
    draft_evidence = EvidenceFactory(claim=draft)
    unused = StatementFactory()
    speakers = [published.claimant, draft.claimant, SpeakerFactory(name="Unused speaker")]
    captures = [
        CaptureFactory(source=public_evidence.statement.source),
        CaptureFactory(source=public_evidence.statement.source, state="pending", change="", http_status=None),
        CaptureFactory(source=draft_evidence.statement.source),
    ]
    KNOWN.clear()
    KNOWN.update(
        {
            "claims": [(c.slug, c.pk) for c in (published, in_review, draft)],
            "topics": [(topic.slug, topic.pk)],
            "speakers": [(s.slug, s.pk) for s in speakers],
            "statements": [(s.pk, s.pk) for s in (public_evidence.statement, draft_evidence.statement, unused)],
            "sources": [(s.source_id, s.source_id) for s in (public_evidence.statement, unused)],
            "evidence": [(e.pk, e.pk) for e in (public_evidence, draft_evidence)],
            "captures": [(c.source_id, c.pk) for c in captures],
        }
    )
    yield
    KNOWN.clear()
    request_log.level = level
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def api_key_for(factory, username):
    """A new API key, with every scope, of the account (made if needed)."""
    return api_key(factory(username=username))
