"""The XSS corpus (tests/data/xss_payloads.txt), written into every field a user can write; shared by
tests/test_xss.py and tests/browser/test_xss.py."""

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from django.core.exceptions import ValidationError

from archive.models import Change, Watch
from claims import services
from claims.models import Evidence, Source, Verdict
from tests.factories import (
    CaptureFactory,
    ClaimFactory,
    EvidenceFactory,
    ReviewerFactory,
    SourceFactory,
    SpeakerFactory,
    StatementFactory,
    TopicFactory,
)

PAYLOADS_FILE = Path(__file__).parent / "data" / "xss_payloads.txt"
MARKER = "__xss"


def load_payloads() -> list[str]:
    lines = PAYLOADS_FILE.read_text(encoding="utf-8").split("\n")
    return [line for line in lines if line and not line.startswith("# ")]


PAYLOADS = load_payloads()

# Every field a user (editor, reviewer, importer, API client) can write that readers may see, and what a captured
# page (anyone on the web) puts into its capture.
FIELDS = [
    "claim.text",
    "claim.summary (Markdown)",
    "claim.slug (derived from the text)",
    "speaker.name",
    "speaker.slug (derived from the name)",
    "speaker.title",
    "speaker.description",
    "speaker.url",
    "source.title",
    "source.publisher",
    "source.author",
    "source.url",
    "source.archive_url",
    "source.notes",
    "statement.text",
    "evidence.note",
    "evidence.deprecation_reason",
    "verdict reason (initial rating)",
    "verdict reason (correction)",
    "topic.name",
    "topic.slug (derived from the name)",
    "retraction reason",
    "capture.text (a captured page's main text)",
    "capture.metadata (what a captured page says of itself)",
    "capture.final_url",
    "capture.change_reason",
]


def payload_url(index: int, payload: str) -> str:
    """The payload in a URL, as raw as URL validation lets it be (no whitespace); else percent-encoded."""
    raw = f"https://example.org/{index}/" + re.sub(r"\s", "", payload)
    try:
        Source._meta.get_field("archive_url").run_validators(raw)
        Source._meta.get_field("archive_url").clean(raw, None)
        return raw
    except ValidationError:
        return f"https://example.org/{index}/" + quote(payload, safe="")


@dataclass
class Corpus:
    claims: list = field(default_factory=list)  # (payload, claim)
    sources: list = field(default_factory=list)
    speakers: list = field(default_factory=list)
    topics: list = field(default_factory=list)
    captures: list = field(default_factory=list)  # (payload, the capture of the source that was cited)
    fields_written: int = 0
    supporting: int = 0  # plain supporting statements added so that a claim meets the publishing standards


def build_corpus(payloads=PAYLOADS, by=None) -> Corpus:
    """One published claim per payload with the payload in every field, written through factories (validated with
    full_clean, as every entry point validates) and the workflow services (verdicts, publication, retraction)."""
    reviewer = by or ReviewerFactory()
    corpus = Corpus()
    for i, payload in enumerate(payloads):
        topic = TopicFactory(name=f"{payload} {i}"[:100])
        speaker_url = payload_url(i, payload).replace("example.org", "speaker.example.org")
        speaker = SpeakerFactory(name=payload, title=payload[:200], description=payload, url=speaker_url)
        source = SourceFactory(
            url=payload_url(i, payload),
            title=payload,
            publisher=payload[:200],
            author=payload[:200],
            archive_url=payload_url(i, payload) + "/archived",
            notes=payload,
        )
        statement = StatementFactory(source=source, speaker=speaker, text=payload, is_quote=i % 2 == 0)
        claim = ClaimFactory(text=payload, summary=f"**Our check.** {payload}\n\n{payload}", claimant=speaker)
        claim.first_appearance = source
        claim.save()
        claim.topics.add(topic)
        stance = [Evidence.Stance.SUPPORTS, Evidence.Stance.REFUTES, Evidence.Stance.CONTEXT][i % 3]
        evidence = EvidenceFactory(claim=claim, statement=statement, stance=stance, note=payload)
        if i % 4 == 3:
            evidence.rank = Evidence.Rank.DEPRECATED
            evidence.deprecation_reason = payload
            evidence.save()
        if stance == Evidence.Stance.CONTEXT or evidence.rank == Evidence.Rank.DEPRECATED:
            # The publishing standards want a current statement that supports or refutes the claim.
            EvidenceFactory(claim=claim, statement=StatementFactory(source=source, speaker=speaker), stance="supports")
            corpus.supporting += 1
        capture = CaptureFactory(
            source=source,
            text=f"{payload}\n{payload}",
            metadata={"title": payload, "author": payload, "publisher": payload, "language": payload},
            final_url=payload_url(i, payload) + "/final",
            change_reason=payload,
        )
        Watch.objects.create(source=source, baseline=capture, last=capture, since_cited=Change.DRIFTED)
        for obj in (topic, speaker, source, statement, claim, evidence, capture):
            try:
                obj.full_clean()  # what the admin, the API and the importers would refuse never gets here
            except ValidationError as exc:
                raise AssertionError(f"payload {i} {payload!r}: {obj!r} {exc}") from exc

        services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.FALSE, kind="initial", reason=payload)
        services.claim_submit(claim=claim, by=reviewer)
        services.claim_publish(claim=claim, by=reviewer)
        services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.MIXED, kind="correction", reason=payload)
        # A public note's reason on the claim page (its history and the notice at the top), the corrections page
        # and feed.
        services.claim_add_note(claim=claim, by=reviewer, kind="correction", reason=payload)
        if i % 5 == 4:
            services.claim_retract(claim=claim, by=reviewer, reason=payload)
        claim.refresh_from_db()
        corpus.claims.append((payload, claim))
        corpus.sources.append((payload, source))
        corpus.speakers.append((payload, speaker))
        corpus.topics.append((payload, topic))
        corpus.captures.append((payload, capture))
        corpus.fields_written += len(FIELDS)
    return corpus
