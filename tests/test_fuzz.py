"""The long Schemathesis run: every API operation, anonymous, as an editor and as a reviewer.

Marked `fuzz`: `make test` leaves it out; `.ci/run` runs it on PostgreSQL with FUZZ_EXAMPLES high
and FUZZ_MIN_REQUESTS=1000, and fails on any 5xx, any response that breaks the schema, or a run
that made fewer requests than that. Path parameters and references in bodies are sometimes
swapped for objects that exist, so that the fuzzer reaches past the 404s and 400s.

    FUZZ_EXAMPLES=25 FUZZ_MIN_REQUESTS=1000 DATABASE_URL=postgres://... pytest -m fuzz -s tests/test_fuzz.py
"""

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.api_fuzzing import CHECKS, STATUSES, api_key_for, content, schema  # noqa: F401 (content: fixture)
from tests.factories import (
    EditorFactory,
    ReviewerFactory,
)

pytestmark = [
    pytest.mark.fuzz,
    # Also when another -m (e.g. "not browser") replaces pyproject's "not fuzz": only -m fuzz runs it.
    pytest.mark.skipif("'fuzz' not in config.option.markexpr", reason="the long fuzz run: make fuzz (-m fuzz)"),
]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
MIN_REQUESTS = int(os.environ.get("FUZZ_MIN_REQUESTS", "0"))

FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@schema.parametrize()
@FUZZ
@pytest.mark.usefixtures("content")
def test_anonymous(case):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@FUZZ
@pytest.mark.usefixtures("content")
def test_editor(case):
    case.call_and_validate(
        headers={"Authorization": f"Api-Key {api_key_for(EditorFactory, 'fuzz-editor')}"}, checks=CHECKS
    )


@schema.parametrize()
@FUZZ
@pytest.mark.usefixtures("content")
def test_reviewer(case):
    key = api_key_for(ReviewerFactory, "fuzz-reviewer")
    case.call_and_validate(headers={"Authorization": f"Api-Key {key}"}, checks=CHECKS)


def test_zz_requests_made():
    """Runs last (pytest keeps file order): the figures, and the floor CI asks for."""
    total = sum(STATUSES.values())
    by_status = ", ".join(f"{code}: {n}" for code, n in sorted(STATUSES.items()))
    print(f"\nfuzz: {total} requests over {len(schema)} operations x 3 users ({by_status})")
    assert total >= MIN_REQUESTS, f"only {total} requests were made; FUZZ_MIN_REQUESTS is {MIN_REQUESTS}"
    assert not any(code >= 500 for code in STATUSES)
