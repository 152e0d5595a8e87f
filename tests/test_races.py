"""Two writers at once, in threads against PostgreSQL: exactly one wins, nothing is lost.

Each race is run ROUNDS times (RACE_ROUNDS, default 20) on a fresh object; both writers start
from the same read and are released together by a barrier. The outcomes are printed (pytest -s).
"""

import os
import threading
from collections import Counter

import pytest
from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection, connections
from django.test import Client

from claims.models import Claim, Source, Status, Verdict, VerdictChange
from tests.factories import (
    ClaimFactory,
    EditorFactory,
    PublishedClaimFactory,
    ReviewerFactory,
    SourceFactory,
    VerdictChangeFactory,
    ensure_roles,
)
from tests.helpers import admin_url, claim_change, key_client

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="races need concurrent writers: run on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

ROUNDS = int(os.environ.get("RACE_ROUNDS", "20"))
API = "/api/v1/"
CONFLICT = "Someone else saved this claim"


@pytest.fixture(autouse=True)
def _groups(transactional_db):
    """The data migration's groups: an earlier transactional test's flush removed them (and may have left
    content types and permissions to be made again)."""
    ContentType.objects.clear_cache()
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    ensure_roles()


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None}}
    cache.clear()


def race(*writers):
    """Run the writers in threads released together; their results (or exceptions) in order."""
    barrier = threading.Barrier(len(writers))
    results = [None] * len(writers)

    def run(i, writer):
        try:
            barrier.wait(timeout=30)
            results[i] = writer()
        except Exception as exc:  # reported by the caller's assertions
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return results


def report(name, outcomes):
    print(f"\nrace {name}: {ROUNDS} rounds, outcomes {dict(sorted(outcomes.items()))}")


def test_two_api_clients_patch_one_claim_with_one_etag():
    first, second = key_client(EditorFactory()), key_client(EditorFactory())
    outcomes = Counter()
    for n in range(ROUNDS):
        claim = ClaimFactory(text=f"Race {n}.", summary="")
        url = f"{API}claims/{claim.slug}/"
        etag = first.get(url)["ETag"]
        assert second.get(url)["ETag"] == etag
        responses = race(
            lambda url=url, etag=etag: first.patch(url, {"summary": "first"}, format="json", HTTP_IF_MATCH=etag),
            lambda url=url, etag=etag: second.patch(url, {"summary": "second"}, format="json", HTTP_IF_MATCH=etag),
        )
        codes = sorted(r.status_code for r in responses)
        outcomes[tuple(codes)] += 1
        assert codes == [200, 412], codes
        winner = "first" if responses[0].status_code == 200 else "second"
        claim.refresh_from_db()
        assert (claim.summary, claim.version) == (winner, 2)
        # The creation and the one accepted change; the refused one left no trace.
        assert [h.summary for h in claim.history.order_by("history_id")] == ["", winner]
    report("API PATCH claim, same If-Match", outcomes)


def test_two_api_clients_put_one_source_with_one_etag():
    first, second = key_client(ReviewerFactory()), key_client(ReviewerFactory())
    outcomes = Counter()
    for n in range(ROUNDS):
        source = SourceFactory(title="Original")
        url = f"{API}sources/{source.pk}/"
        read = first.get(url)
        body = {k: read.json()[k] for k in ("url", "kind")}
        etag = read["ETag"]
        responses = race(
            *(
                lambda c=c, b={**body, "title": title}, url=url, etag=etag: c.put(
                    url, b, format="json", HTTP_IF_MATCH=etag
                )
                for c, title in ((first, "first"), (second, "second"))
            )
        )
        codes = sorted(r.status_code for r in responses)
        outcomes[tuple(codes)] += 1
        assert codes == [200, 412], (n, codes)
        winner = "first" if responses[0].status_code == 200 else "second"
        assert Source.objects.get(pk=source.pk).title == winner
        assert [h.title for h in source.history.order_by("history_id")] == ["Original", winner]
    report("API PUT source, same If-Match", outcomes)


def test_two_editors_save_one_claim_in_the_admin():
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(EditorFactory())
    outcomes = Counter()
    for n in range(ROUNDS):
        claim = ClaimFactory(text=f"Admin race {n}.")
        url = admin_url("claim", "change", claim.pk)
        forms = [claim_change(client, claim) for client in clients]
        for i, form in enumerate(forms):
            form["text"] = f"Editor {i}."
        responses = race(*(lambda c=c, f=f, url=url: c.post(url, f) for c, f in zip(clients, forms, strict=True)))
        codes = [r.status_code for r in responses]
        outcomes[tuple(sorted(codes))] += 1
        assert sorted(codes) == [200, 302], codes
        winner, loser = (0, 1) if codes[0] == 302 else (1, 0)
        assert CONFLICT in responses[loser].content.decode()
        claim.refresh_from_db()
        assert (claim.text, claim.version) == (f"Editor {winner}.", 2)
        assert [h.text for h in claim.history.order_by("history_id")] == [f"Admin race {n}.", f"Editor {winner}."]
    report("admin claim form, same version", outcomes)


def assert_consistent_verdict_history(claim, start_verdict, start_version, accepted):
    claim.refresh_from_db()
    changes = list(VerdictChange.objects.filter(claim=claim).order_by("changed_at", "id"))
    chain = [start_verdict] + [c.verdict for c in changes[-accepted:]] if accepted else [start_verdict]
    previous = [c.previous_verdict for c in changes[-accepted:]] if accepted else []
    assert previous == chain[:-1], "the previous_verdict chain is broken"
    assert claim.verdict == chain[-1]
    assert claim.version == start_version + accepted
    assert VerdictChange.history.filter(claim_id=claim.pk, history_type="+").count() == len(changes)
    return changes


def test_two_verdict_changes_at_once_are_both_kept_in_order():
    reviewers = [key_client(ReviewerFactory()), key_client(ReviewerFactory())]
    outcomes = Counter()
    for n in range(ROUNDS):
        claim = PublishedClaimFactory(text=f"Verdict race {n}.", verdict=Verdict.FALSE)
        VerdictChangeFactory(claim=claim, verdict=Verdict.FALSE)
        url = f"{API}claims/{claim.slug}/verdict/"
        bodies = [
            {"verdict": "true", "kind": "update", "reason": "New evidence A."},
            {"verdict": "mixed", "kind": "correction", "reason": "An error B."},
        ]
        history_before = claim.history.count()
        responses = race(
            *(lambda c=c, b=b, url=url: c.post(url, b, format="json") for c, b in zip(reviewers, bodies, strict=True))
        )
        codes = tuple(r.status_code for r in responses)
        outcomes[codes] += 1
        assert codes == (200, 200), codes
        changes = assert_consistent_verdict_history(claim, Verdict.FALSE, 1, accepted=2)
        assert len(changes) == 3
        assert {c.reason for c in changes[1:]} == {"New evidence A.", "An error B."}
        assert claim.history.count() == history_before + 2
    report("two verdict changes, no If-Match (both apply, serialized)", outcomes)


def test_two_verdict_changes_with_one_etag_or_two_initial_ratings_keep_one():
    reviewers = [key_client(ReviewerFactory()), key_client(ReviewerFactory())]
    outcomes = Counter()
    for n in range(ROUNDS):
        with_etag = n % 2 == 0
        claim = ClaimFactory(text=f"Initial race {n}.", status=Status.IN_REVIEW)
        url = f"{API}claims/{claim.slug}/"
        headers = {"HTTP_IF_MATCH": reviewers[0].get(url)["ETag"]} if with_etag else {}
        bodies = [
            {"verdict": "true", "kind": "initial", "reason": "First look A."},
            {"verdict": "false", "kind": "initial", "reason": "First look B."},
        ]
        history_before = claim.history.count()
        responses = race(
            *(
                lambda c=c, b=b, url=url, h=headers: c.post(url + "verdict/", b, format="json", **h)
                for c, b in zip(reviewers, bodies, strict=True)
            )
        )
        codes = sorted(r.status_code for r in responses)
        outcomes[("If-Match" if with_etag else "initial twice", *codes)] += 1
        assert codes == ([200, 412] if with_etag else [200, 400]), codes
        changes = assert_consistent_verdict_history(claim, Verdict.UNVERIFIED, 1, accepted=1)
        assert len(changes) == 1 and changes[0].kind == "initial"
        assert claim.history.count() == history_before + 1
        assert Claim.objects.get(pk=claim.pk).verdict == changes[0].verdict
    report("two initial verdicts (with one If-Match / without)", outcomes)
