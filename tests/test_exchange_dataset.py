"""export_dataset / import_dataset: a lossless, byte-identical dump and restore."""

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from claims import services
from claims.models import (
    Claim,
    Evidence,
    ExternalReview,
    PublicChange,
    PublicNote,
    PublicProfile,
    Source,
    Speaker,
    Statement,
    Status,
    Topic,
    Verdict,
    VerdictChange,
)
from exchange.dataset import TYPES
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    PublishedClaimFactory,
    ReviewerFactory,
    SourceFactory,
    SpeakerFactory,
    StatementFactory,
    TopicFactory,
    VerdictChangeFactory,
)

pytestmark = pytest.mark.django_db


def newsroom():
    reviewer = ReviewerFactory(username="rita")
    sora, art = TopicFactory(name="Sora"), TopicFactory(name="Art & «AI»")
    felix = SpeakerFactory(name="Niko Felix", title="OpenAI spokesperson")
    openai = SpeakerFactory(name="OpenAI", kind=Speaker.Kind.ORGANIZATION, wikidata_id="Q21708200")
    felix.affiliation = openai  # refers to a speaker with a higher id
    felix.save()
    source = SourceFactory(
        url="https://www.theverge.com/2024/11/26/sora-leak",
        title="Artists leak Sora — 流出",
        author="Jane Doe",
        accessed_at=timezone.now(),
        archive_url="https://web.archive.org/web/2024/https://www.theverge.com/2024/11/26/sora-leak",
        notes="Line one\nLine two",
    )
    statement = StatementFactory(source=source, speaker=felix, text="“Sora is still in research preview.”")
    unattributed = StatementFactory(source=source, speaker=None, is_quote=False, stated_on=None)
    claim = PublishedClaimFactory(
        text="The leaked Sora access was authentic.",
        verdict=Verdict.MOSTLY_TRUE,
        claimant=openai,
        first_appearance=source,
        first_appeared_on=datetime.date(2024, 11, 26),
        topics=[sora, art],
        summary="**Yes**, mostly.",
        language="en",
    )
    EvidenceFactory(claim=claim, statement=statement, stance=Evidence.Stance.SUPPORTS, rank=Evidence.Rank.PREFERRED)
    EvidenceFactory(
        claim=claim,
        statement=unattributed,
        stance=Evidence.Stance.REFUTES,
        rank=Evidence.Rank.DEPRECATED,
        deprecation_reason="Corrected by the publisher.",
        note="See the correction.",
    )
    VerdictChangeFactory(claim=claim, verdict=Verdict.MIXED, changed_by=reviewer)
    VerdictChangeFactory(
        claim=claim,
        previous_verdict=Verdict.MIXED,
        verdict=Verdict.MOSTLY_TRUE,
        kind=VerdictChange.Kind.UPDATE,
        changed_by=None,
        reason="New evidence.",
    )
    PublicNote.objects.create(
        claim=claim,
        kind=PublicNote.Kind.CORRECTION,
        reason="We had the spokesperson's title wrong.",
        changed_fields=["text", "evidence"],
        written_by=reviewer,
    )
    PublicProfile.objects.create(user=reviewer, public_name="Rita Reviewer")
    PublishedClaimFactory(status=Status.RETRACTED, retraction_reason="Not a claim.", retracted_at=timezone.now())
    ClaimFactory(text="Un brouillon.", language="fr", claimant=None)
    ExternalReview.objects.create(
        claim=claim,
        url="https://checks.example.com/sora",
        publisher_name="Example Checks",
        publisher_url="https://checks.example.com",
        reviewed_on=datetime.date(2024, 11, 27),
        textual_rating="Mostly true",
        rating_value=Decimal("4"),
        best_rating=Decimal("5"),
        worst_rating=Decimal("1.5"),
        mapped_verdict=Verdict.MOSTLY_TRUE,
        language="en",
    )
    return claim


def export(path=None):
    out = StringIO()
    args = ["--output", str(path)] if path else []
    call_command("export_dataset", *args, stdout=out, stderr=StringIO())
    return path.read_bytes() if path else out.getvalue().encode()


def wipe():
    for model in [
        PublicChange,
        PublicNote,
        PublicProfile,
        Evidence,
        VerdictChange,
        ExternalReview,
        Statement,
        Claim,
        Source,
    ]:
        model.objects.all().delete()
    Speaker.objects.update(affiliation=None)
    Speaker.objects.all().delete()
    Topic.objects.all().delete()


def restore(path):
    out = StringIO()
    call_command("import_dataset", str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


def test_export_format(tmp_path):
    newsroom()
    lines = export().decode().splitlines()
    header = json.loads(lines[0])
    assert header["format"] == "factcheck-dataset" and header["version"] == 1
    assert header["counts"] == {
        "topic": 2,
        "speaker": 3,
        "source": 1,
        "statement": 2,
        "claim": 3,
        "evidence": 2,
        "verdict_change": 2,
        "external_review": 1,
        "public_note": 1,
        "public_profile": 1,
    }
    rows = [json.loads(line) for line in lines[1:]]
    order = list(TYPES)
    assert [(order.index(r["type"]), r["id"]) for r in rows] == sorted((order.index(r["type"]), r["id"]) for r in rows)
    assert all(line == json.dumps(json.loads(line), sort_keys=True, ensure_ascii=False) for line in lines)
    claim = next(r for r in rows if r["type"] == "claim" and r["text"].startswith("The leaked"))
    assert claim["topics"] == sorted(Topic.objects.values_list("id", flat=True))
    assert claim["claimant"] == Speaker.objects.get(name="OpenAI").id
    assert claim["first_appeared_on"] == "2024-11-26"
    assert claim["published_at"].endswith("+00:00")
    change = next(r for r in rows if r["type"] == "verdict_change")
    assert change["changed_by"] == "rita"
    review = next(r for r in rows if r["type"] == "external_review")
    assert (review["rating_value"], review["worst_rating"]) == ("4.00", "1.50")
    assert "流出" in lines[[r["type"] for r in rows].index("source") + 1]


def test_export_import_export_is_byte_identical(tmp_path):
    claim = newsroom()
    services.claim_retract(claim=claim, by=claim.verdict_changes.first().changed_by, reason="Withdrawn.")
    assert PublicChange.objects.filter(claim=claim).exists()
    first = export(tmp_path / "first.jsonl")
    wipe()
    get_user_model().objects.filter(username="rita").delete()
    message = restore(tmp_path / "first.jsonl")
    assert "Restored 2 topic, 3 speaker, 1 source" in message
    # The changes feed's log is not in the dataset (docs/DATASET.md): a restored site's feed starts empty.
    assert not PublicChange.objects.exists()
    assert export(tmp_path / "second.jsonl") == first
    # The author of a verdict change survives as an inactive account without a password.
    rita = get_user_model().objects.get(username="rita")
    assert not rita.is_active and not rita.has_usable_password()
    # The public record keeps its notes and bylines.
    note = PublicNote.objects.get()
    assert (note.written_by, note.changed_fields) == (rita, ["text", "evidence"])
    assert PublicProfile.objects.get(user=rita).public_name == "Rita Reviewer"


def rewind_sequences():
    """As in a fresh database: PostgreSQL sequences start at 1 again."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in [*TYPES.values(), Claim.topics.through]:
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), 1, false)", [model._meta.db_table])


def test_restore_keeps_one_history_row_per_object_and_new_rows_get_fresh_ids(tmp_path):
    claim = newsroom()
    export(tmp_path / "d.jsonl")
    wipe()
    rewind_sequences()
    restore(tmp_path / "d.jsonl")
    restored = Claim.objects.get(pk=claim.pk)
    # (The rows from before the wipe are still in the history tables; a fresh database has only these.)
    [row] = restored.history.filter(history_change_reason="Restored from dataset")
    assert row.history_type == "+"
    assert sorted(t.topic.name for t in row.topics.all()) == ["Art & «AI»", "Sora"]
    for model in TYPES.values():
        assert model.history.filter(history_change_reason="Restored from dataset").count() == model.objects.count()
    assert restored.updated_at == claim.updated_at and restored.version == claim.version
    assert list(restored.topics.order_by("name").values_list("name", flat=True)) == ["Art & «AI»", "Sora"]
    # Sequences continue after the restored ids.
    for model in TYPES.values():
        highest = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        new = {Topic: TopicFactory, Claim: ClaimFactory, Speaker: SpeakerFactory, Source: SourceFactory}.get(model)
        if new:
            assert new().pk > highest
    assert EvidenceFactory(claim=restored).pk > 2 and VerdictChangeFactory().pk > 2


def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    newsroom()
    export(tmp_path / "d.jsonl")
    before = Claim.objects.count()
    with pytest.raises(CommandError, match=r"The database is not empty \(2 topic, 3 speaker, 1 source"):
        restore(tmp_path / "d.jsonl")
    assert Claim.objects.count() == before


def write_lines(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def lines_of(tmp_path):
    newsroom()
    lines = export(tmp_path / "d.jsonl").decode().splitlines()
    wipe()
    return lines


def edit(lines, type_, **changes):
    """lines with the first row of type_ changed."""
    result, done = [], False
    for line in lines:
        row = json.loads(line)
        if not done and row.get("type") == type_:
            row.update(changes)
            row = {k: v for k, v in row.items() if v is not ...}
            line, done = json.dumps(row, sort_keys=True), True
        result.append(line)
    return result


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda ls: ls[:3] + ["{not json"] + ls[3:], r"line 4: not valid JSON"),
        (lambda ls: ls + ['{"type": "widget", "id": 1}'], r"unknown type 'widget'"),
        (lambda ls: ls + ["[1, 2]"], r"not a JSON object"),
        (lambda ls: edit(ls, "claim", verdict="maybe"), r"claim \d+: verdict: Value 'maybe' is not a valid choice"),
        (lambda ls: edit(ls, "claim", claimant=999), r"claim \d+: claimant refers to speaker 999, not in the file"),
        (lambda ls: edit(ls, "claim", topics=[999]), r"topics refers to topic 999"),
        (lambda ls: edit(ls, "claim", summary=...), r"claim \d+: missing summary"),
        (lambda ls: edit(ls, "claim", colour="red"), r"unknown field\(s\) colour"),
        (lambda ls: edit(ls, "claim", id=0), r"'id' must be a positive integer"),
        (lambda ls: edit(ls, "claim", created_at="2024-11-26T10:00:00"), r"needs a time zone offset"),
        (lambda ls: edit(ls, "source", published_on="26/11/2024"), r"published_on '26/11/2024' is not valid"),
        (lambda ls: edit(ls, "source", url="not a url"), r"source \d+: url: Enter a valid URL"),
        (lambda ls: edit(ls, "statement", is_quote="yes"), r"is_quote must be true or false"),
        (lambda ls: ls + [ls[1]], r"topic \d+ appears twice \(first on line 2\)"),
        (lambda ls: ls[:-1], r"the header announces 1 public_profile rows but the file holds 0: is it truncated\?"),
        (lambda ls: edit(ls, "public_note", changed_fields="text"), r"changed_fields must be a JSON list or object"),
        (lambda ls: edit(ls, "public_profile", user=None), r"public_profile \d+: user must not be null"),
        (lambda ls: [json.dumps({"format": "factcheck-dataset", "version": 2})] + ls[1:], r"version 2"),
        (lambda ls: ['{"format": "something else"}'] + ls[1:], r"not a factcheck-dataset file"),
        (lambda ls: [], r"The file is empty"),
    ],
)
def test_every_line_is_validated_and_nothing_is_written(tmp_path, change, message):
    path = write_lines(tmp_path / "bad.jsonl", change(lines_of(tmp_path)))
    with pytest.raises(CommandError, match=message):
        restore(path)
    assert not any(model.objects.exists() for model in TYPES.values())


def test_a_row_the_database_refuses_rolls_everything_back(tmp_path):
    lines = lines_of(tmp_path)
    # A published claim that is not rated passes field validation but not the table's check constraint.
    path = write_lines(tmp_path / "bad.jsonl", edit(lines, "claim", status="published", verdict="unverified"))
    with pytest.raises(CommandError, match="The database refused the data, nothing was written"):
        restore(path)
    assert not any(model.objects.exists() for model in TYPES.values())
    assert not Topic.history.filter(history_change_reason="Restored from dataset").exists()


def test_unreadable_files(tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*missing.jsonl: No such file"):
        restore(tmp_path / "missing.jsonl")
    (tmp_path / "latin1.jsonl").write_bytes(b'{"format": "caf\xe9"}\n')
    with pytest.raises(CommandError, match="not UTF-8 text"):
        restore(tmp_path / "latin1.jsonl")
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export_dataset", "--output", str(tmp_path / "no" / "dir.jsonl"))
