"""The rules the models and the database hold: unique normalized URLs, evidence, verdicts, slugs, validators."""

from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from claims.models import SLUG_MAX_LENGTH, Claim, Evidence, Source, Speaker, Status, Topic, Verdict, VerdictChange
from claims.normalize import normalize_url
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    PublishedClaimFactory,
    SourceFactory,
    SpeakerFactory,
    StatementFactory,
    VerdictChangeFactory,
)

pytestmark = pytest.mark.django_db

CANONICAL = "https://www.theverge.com/2024/11/26/sora-leak"
SPELLINGS_OF_CANONICAL = [
    "https://www.theverge.com/2024/11/26/sora-leak",
    "HTTPS://WWW.TheVerge.com/2024/11/26/sora-leak",
    "https://www.theverge.com/2024/11/26/sora-leak/",
    "https://www.theverge.com/2024/11/26/sora-leak?utm_source=twitter&utm_medium=social",
    "https://www.theverge.com/2024/11/26/sora-leak?fbclid=abc123",
    "https://www.theverge.com/2024/11/26/sora-leak#comments",
    "https://www.theverge.com:443/2024/11/26/sora-leak",
    "  https://www.theverge.com/2024/11/26/sora-leak  ",
]


# normalize_url


@pytest.mark.parametrize("spelling", SPELLINGS_OF_CANONICAL)
def test_normalize_url_maps_every_spelling_to_one_form(spelling):
    assert normalize_url(spelling) == CANONICAL


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # Meaningful query parameters stay, sorted; only tracking ones go.
        ("https://example.org/search?q=sora&page=2&utm_campaign=x", "https://example.org/search?page=2&q=sora"),
        ("https://example.org/a?gclid=1&id=7", "https://example.org/a?id=7"),
        ("https://example.org/a?UTM_SOURCE=x", "https://example.org/a"),
        # The path keeps its case: servers may treat it as significant.
        ("https://Example.org/Path/To/Page", "https://example.org/Path/To/Page"),
        # A non-default port stays; the default one goes.
        ("http://example.org:8080/a/", "http://example.org:8080/a"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("https://example.org/", "https://example.org"),
        # Not URLs: returned stripped, for the validator to reject.
        ("not a url", "not a url"),
        ("", ""),
        ("http://[::1", "http://[::1"),
    ],
)
def test_normalize_url_cases(url, expected):
    assert normalize_url(url) == expected


def test_normalize_url_is_idempotent():
    for spelling in SPELLINGS_OF_CANONICAL:
        once = normalize_url(spelling)
        assert normalize_url(once) == once


# Source URL uniqueness


def test_source_url_is_stored_normalized():
    source = SourceFactory(url="HTTPS://Example.org/Story/?utm_source=feed#top")
    source.refresh_from_db()
    assert source.url == "https://example.org/Story"


@pytest.mark.parametrize("spelling", SPELLINGS_OF_CANONICAL[1:])
def test_source_url_duplicate_spelling_refused_by_full_clean(spelling):
    SourceFactory(url=CANONICAL)
    duplicate = Source(url=spelling, title="The same article again")
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "url" in excinfo.value.message_dict


@pytest.mark.parametrize("spelling", SPELLINGS_OF_CANONICAL[1:])
def test_source_url_duplicate_spelling_refused_by_database(spelling):
    SourceFactory(url=CANONICAL)
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(url=spelling, title="The same article again")
    assert Source.objects.count() == 1


def test_source_lookup_by_any_spelling_finds_it():
    source = SourceFactory(url=CANONICAL)
    assert Source.objects.get(url=SPELLINGS_OF_CANONICAL[3]) == source


def test_different_urls_are_different_sources():
    SourceFactory(url="https://example.org/a")
    SourceFactory(url="https://example.org/a?id=2")
    SourceFactory(url="http://example.org/b")
    assert Source.objects.count() == 3


def test_source_url_must_be_a_url():
    with pytest.raises(ValidationError) as excinfo:
        Source(url="not a url", title="x").full_clean()
    assert "url" in excinfo.value.message_dict


# Evidence


def test_one_evidence_per_claim_and_statement_full_clean():
    evidence = EvidenceFactory()
    twin = Evidence(claim=evidence.claim, statement=evidence.statement, stance=Evidence.Stance.REFUTES)
    with pytest.raises(ValidationError) as excinfo:
        twin.full_clean()
    assert "already evidence" in str(excinfo.value)


def test_one_evidence_per_claim_and_statement_database():
    evidence = EvidenceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.create(claim=evidence.claim, statement=evidence.statement, stance=Evidence.Stance.REFUTES)


def test_same_statement_may_bear_on_two_claims():
    statement = StatementFactory()
    EvidenceFactory(statement=statement)
    EvidenceFactory(statement=statement)
    assert statement.evidence.count() == 2


def test_deprecated_evidence_needs_reason_full_clean():
    evidence = EvidenceFactory.build(
        claim=ClaimFactory(), statement=StatementFactory(), rank=Evidence.Rank.DEPRECATED, deprecation_reason=""
    )
    with pytest.raises(ValidationError, match="Deprecated evidence needs a reason"):
        evidence.full_clean()
    evidence.deprecation_reason = "Superseded by the official release notes."
    evidence.full_clean()


def test_deprecated_evidence_needs_reason_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        EvidenceFactory(rank=Evidence.Rank.DEPRECATED, deprecation_reason="")
    assert EvidenceFactory(rank=Evidence.Rank.DEPRECATED, deprecation_reason="Outdated.").pk


# Claims


def test_published_claim_cannot_be_unverified_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        PublishedClaimFactory(verdict=Verdict.UNVERIFIED)
    with pytest.raises(IntegrityError), transaction.atomic():
        PublishedClaimFactory(status=Status.RETRACTED, verdict=Verdict.UNVERIFIED, retraction_reason="Wrong.")


def test_published_claim_cannot_be_unverified_full_clean():
    claim = PublishedClaimFactory()
    claim.verdict = Verdict.UNVERIFIED
    with pytest.raises(ValidationError, match="Not yet rated"):
        claim.full_clean()


def test_draft_claim_may_be_unverified():
    assert ClaimFactory(verdict=Verdict.UNVERIFIED, status=Status.DRAFT).pk
    assert ClaimFactory(verdict=Verdict.UNVERIFIED, status=Status.IN_REVIEW).pk


def test_retracted_claim_needs_reason():
    with pytest.raises(IntegrityError), transaction.atomic():
        PublishedClaimFactory(status=Status.RETRACTED, retraction_reason="")
    assert PublishedClaimFactory(status=Status.RETRACTED, retraction_reason="The quote was misattributed.").pk


def test_verdict_change_needs_reason():
    with pytest.raises(IntegrityError), transaction.atomic():
        VerdictChangeFactory(reason="")
    change = VerdictChangeFactory.build(claim=ClaimFactory(), reason="")
    with pytest.raises(ValidationError) as excinfo:
        change.full_clean()
    assert "reason" in excinfo.value.message_dict


def test_claim_verdict_and_status_must_be_known_values():
    claim = ClaimFactory.build(claimant=SpeakerFactory(), verdict="fake", status="gone")
    with pytest.raises(ValidationError) as excinfo:
        claim.full_clean()
    assert {"verdict", "status"} <= set(excinfo.value.message_dict)


def test_verdict_change_kind_must_be_known():
    change = VerdictChangeFactory.build(claim=ClaimFactory(), kind="rewrite")
    with pytest.raises(ValidationError) as excinfo:
        change.full_clean()
    assert "kind" in excinfo.value.message_dict


# Validators


@pytest.mark.parametrize("value", ["Q42", "Q1", "Q21708200"])
def test_wikidata_id_accepts(value):
    SpeakerFactory.build(wikidata_id=value).full_clean()


@pytest.mark.parametrize(
    "value", ["42", "q42", "Q0", "Q042", "P31", "Q42 ", "Q-1", "https://www.wikidata.org/wiki/Q42"]
)
def test_wikidata_id_refuses(value):
    with pytest.raises(ValidationError) as excinfo:
        SpeakerFactory.build(wikidata_id=value).full_clean()
    assert "wikidata_id" in excinfo.value.message_dict


@pytest.mark.parametrize("value", ["en", "fr", "pt-BR", "zh-Hant", "fil"])
def test_language_accepts(value):
    ClaimFactory.build(claimant=SpeakerFactory(), language=value).full_clean()


@pytest.mark.parametrize("value", ["", "EN", "english", "e", "en_US", "pt-", "en-US-"])
def test_language_refuses(value):
    with pytest.raises(ValidationError) as excinfo:
        ClaimFactory.build(claimant=SpeakerFactory(), language=value).full_clean()
    assert "language" in excinfo.value.message_dict


# Slugs


def test_claim_slug_made_from_text():
    claim = ClaimFactory(text="The leaked Sora access was authentic.")
    assert claim.slug == "the-leaked-sora-access-was-authentic"


def test_slug_gets_a_suffix_on_collision():
    first = ClaimFactory(text="Sora will be available by the end of 2024.")
    second = ClaimFactory(text="Sora will be available by the end of 2024!")
    third = ClaimFactory(text="Sora will be available by the end of 2024?")
    assert first.slug == "sora-will-be-available-by-the-end-of-2024"
    assert second.slug == first.slug + "-2"
    assert third.slug == first.slug + "-3"


def test_slug_is_kept_on_save_and_when_given():
    claim = ClaimFactory(text="Original text.", slug="chosen-slug")
    claim.text = "Edited text."
    claim.save()
    claim.refresh_from_db()
    assert claim.slug == "chosen-slug"


def test_slug_of_long_text_fits_with_suffix():
    text = "word " * 60
    first, second = ClaimFactory(text=text), ClaimFactory(text=text)
    assert len(first.slug) <= SLUG_MAX_LENGTH
    assert len(second.slug) <= SLUG_MAX_LENGTH
    assert second.slug.endswith("-2")
    assert first.slug != second.slug


def test_slug_of_text_without_letters_falls_back_to_model_name():
    assert ClaimFactory(text="???").slug == "claim"
    assert ClaimFactory(text="!!!").slug == "claim-2"


def test_speaker_and_topic_slugs_from_name():
    assert SpeakerFactory(name="Niko Felix").slug == "niko-felix"
    assert SpeakerFactory(name="Niko  Felix").slug == "niko-felix-2"
    assert Topic.objects.create(name="Artists & AI").slug == "artists-ai"


# History


def test_every_change_is_in_history():
    claim = ClaimFactory(text="Before.")
    claim.text = "After."
    claim.save()
    assert [h.text for h in claim.history.order_by("history_id")] == ["Before.", "After."]
    for model in (Claim, Evidence, Source, Speaker, Topic, VerdictChange):
        assert hasattr(model, "history"), model


# Properties of normalize_url over many generated URLs

_segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_.~", min_size=1, max_size=12)
_host = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFG0123456789", min_size=1, max_size=10), min_size=2)
_params = st.lists(
    st.tuples(st.sampled_from(["id", "q", "page", "utm_source", "utm_medium", "fbclid", "gclid"]), _segment), max_size=5
)


@given(
    scheme=st.sampled_from(["http", "https", "HTTP", "Https"]),
    host=_host,
    path=st.lists(_segment, max_size=4),
    params=_params,
    slash=st.booleans(),
    fragment=st.one_of(st.none(), _segment),
)
def test_normalize_url_properties(scheme, host, path, params, slash, fragment):
    url = f"{scheme}://{'.'.join(host)}/{'/'.join(path)}{'/' if slash else ''}"
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params)
    if fragment:
        url += "#" + fragment
    normalized = normalize_url(url)
    assert normalize_url(normalized) == normalized
    assert normalized.startswith(("http://", "https://"))
    assert "#" not in normalized
    assert not normalized.endswith("/")
    kept_names = {k for k, _ in parse_qsl(urlsplit(normalized).query, keep_blank_values=True)}
    assert not kept_names & {"utm_source", "utm_medium", "fbclid", "gclid"}
    assert urlsplit(normalized).netloc == ".".join(host).lower()
    kept = {k for k, _ in params if k in ("id", "q", "page")}
    assert all(f"{k}=" in normalized for k in kept)
