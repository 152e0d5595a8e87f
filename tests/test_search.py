"""Full-text search (claims/search.py): the index follows every write, results are ranked, and the public
search, the API's `search` and the admin all use it, on SQLite (FTS5) and PostgreSQL (tsvector + GIN)."""

import re

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from claims.models import Claim, Evidence, Statement
from claims.search import (
    PG_SEARCH_INDEX,
    SEARCH_BLOCK_BITS,
    block_tiers,
    ensure_sqlite_search,
    parse_query,
    rebuild_search_index,
    search_claims,
)
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    PublishedClaimFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner and indexes")
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 triggers")


def found(q, queryset=None) -> list[str]:
    return [c.text for c in search_claims(queryset if queryset is not None else Claim.objects.all(), q)]


# The index follows every write


def test_new_claim_is_found_by_its_text_and_summary():
    ClaimFactory(text="The leaked Sora access was authentic.", summary="Artists posted working tokens.")
    assert found("authentic") == ["The leaked Sora access was authentic."]
    assert found("tokens") == ["The leaked Sora access was authentic."]
    assert found("AUTHENTIC sora") == ["The leaked Sora access was authentic."]
    assert found("zeppelin") == []


def test_stemming_relates_forms_of_a_word():
    ClaimFactory(text="The leaked Sora access was authentic.")
    assert found("leaks") == ["The leaked Sora access was authentic."]
    assert found("leaking") == ["The leaked Sora access was authentic."]


def test_text_and_summary_changes_reach_the_index():
    claim = ClaimFactory(text="OpenAI paused access.", summary="")
    claim.text = "OpenAI restored access."
    claim.summary = "A zeppelin was involved."
    claim.save()
    assert found("paused") == []
    assert found("restored") == [claim.text]
    assert found("zeppelin") == [claim.text]
    # Bulk writes that send no signals too: the triggers are in the database.
    Claim.objects.filter(pk=claim.pk).update(summary="Now about a dirigible.")
    assert found("zeppelin") == []
    assert found("dirigible") == [claim.text]


def test_evidence_added_and_removed_and_statement_edited_reach_the_index():
    claim = ClaimFactory(text="The leak was real.")
    statement = StatementFactory(text="We leaked access to Sora in protest.")
    assert found("protest") == []
    evidence = EvidenceFactory(claim=claim, statement=statement)
    assert found("protest") == [claim.text]

    statement.text = "We shared access to Sora as a demonstration."
    statement.save()
    assert found("protest") == []
    assert found("demonstration") == [claim.text]
    Statement.objects.filter(pk=statement.pk).update(text="A quiet walkout.")
    assert found("walkout") == [claim.text]

    other = ClaimFactory(text="Another claim.")
    Evidence.objects.filter(pk=evidence.pk).update(claim=other)
    assert found("walkout") == [other.text]

    Evidence.objects.filter(pk=evidence.pk).delete()
    assert found("walkout") == []
    claim.delete()
    assert found("leak") == []


def test_rebuild_keeps_the_same_results():
    claim = ClaimFactory(text="The leak was real.")
    EvidenceFactory(claim=claim, statement__text="Tokens worked for three hours.")
    rebuild_search_index()
    assert found("tokens") == [claim.text]
    assert found("real") == [claim.text]


@sqlite_only
def test_sqlite_triggers_come_back_after_a_table_rebuild():
    claim = ClaimFactory(text="The leak was real.")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER claims_claim_fts_ins")
    missed = ClaimFactory(text="A claim written while the trigger was gone.")
    assert found("trigger") == []
    ensure_sqlite_search()  # what post_migrate runs
    assert found("trigger") == [missed.text]
    ClaimFactory(text="Another trigger claim.")
    assert sorted(found("trigger")) == sorted([missed.text, "Another trigger claim."])
    assert found("leak") == [claim.text]


# The query language


def test_phrases_exclusions_and_or():
    a = ClaimFactory(text="Sora access was authentic.")
    b = ClaimFactory(text="Access to Sora was paused.")
    c = ClaimFactory(text="The tokens were authentic.")
    assert sorted(found("sora access")) == sorted([a.text, b.text])
    assert found('"sora access"') == [a.text]
    assert found("sora -paused") == [a.text]
    assert sorted(found("paused or tokens")) == sorted([b.text, c.text])
    assert sorted(found("authentic sora or tokens")) == sorted([a.text, c.text])


@pytest.mark.parametrize("q", ["the", "a of the", "%_\\' --", "-", '""', "-sora", "x"])
def test_queries_with_nothing_to_search_for_match_nothing(q):
    ClaimFactory(text="The leaked Sora access was authentic.")
    assert found(q) == []


def test_empty_query_leaves_the_queryset_alone():
    ClaimFactory.create_batch(2)
    assert len(found("")) == 2


def test_parse_query_caps_the_number_of_terms():
    parsed = parse_query(" ".join(f"word{i}" for i in range(100)))
    assert len(parsed.groups) <= 16


# Ranked


def test_text_ranks_above_summary_above_statements():
    in_statement = ClaimFactory(text="First claim.")
    EvidenceFactory(claim=in_statement, statement__text="The zeppelin landed.")
    in_summary = ClaimFactory(text="Second claim.", summary="About a zeppelin.")
    in_text = ClaimFactory(text="A zeppelin claim.")
    results = list(search_claims(Claim.objects.all(), "zeppelin"))
    assert [c.pk for c in results] == [in_text.pk, in_summary.pk, in_statement.pk]
    assert results[0].search_rank > results[1].search_rank > results[2].search_rank > 0


def test_a_broad_query_ranks_only_its_newest_matches(monkeypatch):
    from claims import search

    claims = [ClaimFactory(text=f"Zeppelin claim {i}.") for i in range(5)]
    best_but_oldest = claims[0]
    best_but_oldest.text = "Zeppelin zeppelin zeppelin."
    best_but_oldest.save()
    assert found("zeppelin")[0] == best_but_oldest.text
    monkeypatch.setattr(search, "SEARCH_MAX_MATCHES", 3)
    results = list(search_claims(Claim.objects.all(), "zeppelin"))
    assert {c.pk for c in results} == {c.pk for c in claims[2:]}
    assert search_claims(Claim.objects.all(), "zeppelin").count() == 3
    assert found("zeppelin -claim") == [best_but_oldest.text]  # a narrower query finds it again


def test_block_tiers_cover_every_block_once_newest_first_and_double():
    assert block_tiers(0) == [[0]]
    assert block_tiers(1) == [[1], [0]]
    assert block_tiers(9) == [[9], [8], [7, 6], [5, 4, 3, 2], [1, 0]]
    tiers = block_tiers(122)  # a million claims
    assert [b for tier in tiers for b in tier] == list(range(122, -1, -1))
    assert [len(tier) for tier in tiers] == [1, 1, 2, 4, 8, 16, 32, 59]


def _claims_in_blocks(blocks: dict[int, int]) -> list[int]:
    """Zeppelin claims with ids in the given id blocks ({block: how many}); their ids, newest first."""
    ids = [(block << SEARCH_BLOCK_BITS) + 10 + i for block, count in blocks.items() for i in range(count)]
    Claim.objects.bulk_create([Claim(pk=pk, text=f"Zeppelin claim {pk}.", slug=f"z-{pk}") for pk in ids])
    Claim.objects.bulk_create([Claim(pk=pk, text=f"Other claim {pk}.", slug=f"o-{pk}") for pk in [5, 40_000]])
    return sorted(ids, reverse=True)


def test_a_broad_query_keeps_its_newest_matches_across_id_blocks(monkeypatch):
    from claims import search

    ids = _claims_in_blocks({0: 3, 1: 2, 3: 1, 4: 2, 9: 2})
    for limit in range(1, len(ids) + 2):
        monkeypatch.setattr(search, "SEARCH_MAX_MATCHES", limit)
        matched = search_claims(Claim.objects.all(), "zeppelin")
        assert sorted((c.pk for c in matched), reverse=True) == ids[:limit], limit
        assert matched.count() == min(limit, len(ids))
    # Other filters of the queryset apply inside every tier.
    monkeypatch.setattr(search, "SEARCH_MAX_MATCHES", 3)
    older = Claim.objects.filter(pk__lt=4 << SEARCH_BLOCK_BITS)
    assert sorted((c.pk for c in search_claims(older, "zeppelin")), reverse=True) == [i for i in ids if i < 4 << 13][:3]
    assert list(search_claims(Claim.objects.none(), "zeppelin")) == []


def test_public_search_is_ranked_unless_another_order_is_asked_for(client):
    older_in_text = PublishedClaimFactory(text="Zeppelin sightings were real.")
    newer_in_summary = PublishedClaimFactory(text="Something else.", summary="A zeppelin was seen.")
    url = reverse("claims:claim_list")
    html = client.get(url, {"q": "zeppelin"}).content.decode()
    assert html.index(older_in_text.text) < html.index(newer_in_summary.text)
    assert 'value="relevance" selected' in html
    html = client.get(url, {"q": "zeppelin", "order": "newest"}).content.decode()
    assert html.index(newer_in_summary.text) < html.index(older_in_text.text)


def test_public_search_never_finds_drafts(client):
    ClaimFactory(text="A draft zeppelin claim.")
    draft = ClaimFactory(text="Another draft.")
    EvidenceFactory(claim=draft, statement__text="Zeppelin statement.")
    html = client.get(reverse("claims:claim_list"), {"q": "zeppelin"}).content.decode()
    assert "0 claims match" in html
    assert "A draft zeppelin claim." not in html and "Another draft." not in html


def test_api_search_is_ranked_and_pages_walk_every_match_once():
    anon = APIClient()
    best = PublishedClaimFactory(text="Zeppelin zeppelin zeppelin.")
    others = [PublishedClaimFactory(text=f"Claim {i} about a zeppelin.") for i in range(4)]
    in_statement = PublishedClaimFactory(text="Unrelated words.")
    EvidenceFactory(claim=in_statement, statement__text="The zeppelin landed.")
    PublishedClaimFactory(text="No match here.")
    seen, url = [], "/api/v1/claims/?search=zeppelin&page_size=2"
    while url:
        response = anon.get(url)
        assert response.status_code == 200, response.json()
        seen += [c["slug"] for c in response.json()["results"]]
        url = response.json()["next"]
    assert len(seen) == len(set(seen)) == 6
    assert seen[0] == best.slug and seen[-1] == in_statement.slug
    assert set(seen[1:5]) == {c.slug for c in others}
    # An explicit order still wins.
    response = anon.get("/api/v1/claims/?search=zeppelin&ordering=created_at&page_size=100")
    assert [c["slug"] for c in response.json()["results"]][0] == best.slug
    assert [c["slug"] for c in response.json()["results"]][-1] == in_statement.slug


def test_admin_search_uses_the_index_and_ranks(reviewer_client):
    in_statement = ClaimFactory(text="First claim.")
    EvidenceFactory(claim=in_statement, statement__text="The zeppelin landed.")
    in_text = ClaimFactory(text="A zeppelin claim.")
    ClaimFactory(text="Nothing to see.")
    response = reviewer_client.get(reverse("admin:claims_claim_changelist"), {"q": "zeppelin"})
    assert response.status_code == 200
    assert [c.pk for c in response.context["cl"].result_list] == [in_text.pk, in_statement.pk]
    # The plain search fields still work (slug, claimant name, part of a word).
    response = reviewer_client.get(reverse("admin:claims_claim_changelist"), {"q": "zeppel"})
    assert [c.pk for c in response.context["cl"].result_list] == [in_text.pk]
    # A chosen column order still applies.
    response = reviewer_client.get(reverse("admin:claims_claim_changelist"), {"q": "zeppelin", "o": "1"})
    assert response.status_code == 200 and len(response.context["cl"].result_list) == 2


# PostgreSQL: the planner uses the indexes


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


@postgres_only
def test_search_uses_the_gin_index():
    Claim.objects.bulk_create([Claim(text=f"Claim {i} about topic {i % 17}.", slug=f"c-{i}") for i in range(3000)])
    ClaimFactory(pk=(3 << SEARCH_BLOCK_BITS) + 1, text="The zeppelin landed.")  # alone in the newest id block
    with connection.cursor() as cursor:
        # New rows wait in the GIN index's pending list, which the planner prices as read on every scan; VACUUM
        # (autovacuum) would move them into the index proper.
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [PG_SEARCH_INDEX])
        cursor.execute("ANALYZE claims_claim")
        # A table this small may be read newest first through the primary key, which is right at this size and
        # hides the index; without that way (and without a sequential scan) the matches must come from the index.
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = _plan(search_claims(Claim.objects.all(), "zeppelin"))
    assert re.search(r"Bitmap Index Scan on claims_claim_search_block", plan), plan
    assert "claims_claim_search_gin" not in plan, plan  # replaced by migration 0008


@postgres_only
def test_search_reads_the_newest_id_blocks_first_and_stops(monkeypatch):
    from claims import search

    monkeypatch.setattr(search, "SEARCH_MAX_MATCHES", 2)
    _claims_in_blocks({0: 3, 2: 1, 5: 2, 9: 1})
    plan = search_claims(Claim.objects.all(), "zeppelin").explain(analyze=True)
    # Tiers [9], [8], [7, 6], [5, 4, 3, 2], [1, 0], in this order; the fourth completes the two matches, so
    # the fifth never runs.
    tiers = re.findall(r"&& '\{([\d,]+)\}'::bigint\[\]", plan)
    assert list(dict.fromkeys(tiers)) == ["9", "8", "7,6", "5,4,3,2", "1,0"], plan
    ran, never_ran = plan.split("(never executed)", 1)
    assert "'{5,4,3,2}'" in ran and "'{1,0}'" not in ran, plan
    assert "'{1,0}'" in never_ran and "'{5,4,3,2}'" not in never_ran, plan


@postgres_only
def test_similarity_takes_bounded_candidates_from_the_text_index():
    from claims.search import _similar_candidates

    Claim.objects.bulk_create([Claim(text=f"Claim {i} about topic {i % 17}.", slug=f"c-{i}") for i in range(500)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")
    plan = _plan(_similar_candidates(Claim.objects.all(), "The leaked Sora access was authentic", 5))
    # Candidates: four bitmap scans of the claim text's full-text index (tiers), each under a LIMIT; no whole table.
    assert len(re.findall(r"Bitmap Index Scan on claims_claim_text_fts", plan)) == 4, plan
    assert len(re.findall(r"->  Limit ", plan)) == 4, plan
    assert "Seq Scan on claims_claim" not in plan and "claims_claim_text_trgm" not in plan, plan
