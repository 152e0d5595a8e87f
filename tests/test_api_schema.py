"""Schemathesis over the whole OpenAPI schema in the test suite: no 5xx, no response that breaks the schema.

Runs anonymously and with a reviewer's token (who may write, publish and delete), against the WSGI
application, in the test database, with a bounded number of examples per operation. The schema, its
checks, the objects the fuzzer aims at and the request counter are those of the long run
(tests/test_fuzz.py, marked `fuzz`, which also runs as an editor and with many more examples).
"""

import pytest
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient

from tests.api_fuzzing import CHECKS, RAW_SCHEMA, STATUSES, api_key_for, content, schema  # noqa: F401 (content: fixture)
from tests.factories import ReviewerFactory

EXAMPLES = settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def test_the_schema_tested_is_the_schema_served(db):
    served = APIClient().get("/api/v1/schema/?format=json")
    assert served.status_code == 200
    assert served.json() == RAW_SCHEMA


@schema.parametrize()
@EXAMPLES
@pytest.mark.usefixtures("content")
def test_anonymous(case):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@EXAMPLES
@pytest.mark.usefixtures("content")
def test_reviewer(case):
    case.call_and_validate(
        headers={"Authorization": f"Api-Key {api_key_for(ReviewerFactory, 'schema-reviewer')}"}, checks=CHECKS
    )


def test_zz_every_operation_was_reached():
    """Runs last in this file: how many requests were made, and none failed on the server."""
    print(f"\nSchemathesis: {sum(STATUSES.values())} requests ({dict(sorted(STATUSES.items()))})")
    assert sum(STATUSES.values()) >= 2 * len(schema) * 6
    assert not any(code >= 500 for code in STATUSES)
    assert {200, 201, 204, 304, 400, 401, 404, 412} <= set(STATUSES)
