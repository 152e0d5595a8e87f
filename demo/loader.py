"""Load the demo story from its data file, through the services, each step at its moment in the story.

The file (data/sora-leak.json) holds the rows of the factcheck dataset format (docs/DATASET.md) as an indented
JSON list: the header, then the rows. It is read and checked with the dataset's own reader, then replayed the way
a newsroom worked it, under the demo desk: records, then each claim (created, its evidence, its first rating,
sent to review, published, later verdict updates, a retraction) with `at=` set to the row's moment, so creation,
rating, publication and update dates and every history row carry the story's 2024 dates (a row's `updated_at`,
its own save time, is the time of loading). The file's version, public_updated_at, updated_at and search_vector
are not read: the replay makes them. What the format does not carry (who took each step, when a claim was sent to
review, public notes) the loader does not invent: the desk takes every step, and a claim goes to review when it
is published (or, if it stops in review, at its last rating). No row is written but through the services.

Loading again changes nothing: a topic, speaker, source, statement or claim that exists (by slug, URL or text)
is left as it is, and so is everything about an existing claim.
"""

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from claims import services
from claims.models import Claim, Evidence, Source, Speaker, Statement, Topic
from claims.normalize import normalize_url
from claims.workflow import PUBLIC_STATUSES, Status
from exchange.dataset import DatasetError, read_dataset

from .accounts import SYSTEM_USERNAME, system_user

STORY_FILE = Path(__file__).resolve().parent / "data" / "sora-leak.json"


class StoryError(Exception):
    """The story file cannot be loaded; the message names the file and the record."""


@dataclass
class LoadReport:
    claims: int = 0  # in the file
    created: dict[str, int] = field(default_factory=dict)
    steps: int = 0

    def add(self, what: str) -> None:
        self.created[what] = self.created.get(what, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created) or bool(self.steps)


def _shown(path: Path) -> str:
    """The path as a reader finds it: relative to the project when inside it."""
    path = Path(path).resolve()
    return str(path.relative_to(settings.BASE_DIR)) if path.is_relative_to(settings.BASE_DIR) else str(path)


def read_story(path: Path | None = None) -> dict:
    """The story's rows, checked by the dataset reader: type -> [(entry, unsaved row with the file's ids, extra)]."""
    path = Path(path or STORY_FILE)
    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise StoryError(f"Cannot read the demo story {_shown(path)}: {error.strerror}.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        where = f" at line {error.lineno} column {error.colno}" if isinstance(error, json.JSONDecodeError) else ""
        raise StoryError(f"{_shown(path)} is not valid JSON{where}: {getattr(error, 'msg', error)}.") from None
    if not isinstance(entries, list):
        raise StoryError(f"{_shown(path)}: expected a JSON list: the dataset header, then one object per row.")
    try:
        return read_dataset([json.dumps(entry, ensure_ascii=False) for entry in entries], unit="entry")
    except DatasetError as error:
        raise StoryError(f"{_shown(path)}:\n  " + "\n  ".join(error.messages)) from None


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def _story_fields(row, skip=()) -> dict:
    """A row's own values, without its id, references and the times the services set."""
    return {
        f.name: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if not (f.primary_key or f.is_relation or f.name in ("created_at", "updated_at", *skip))
    }


class _Replay:
    def __init__(self, rows: dict, path: Path, by, report: LoadReport):
        self.rows, self.path, self.by, self.report = rows, path, by, report
        self.topics: dict[int, Topic] = {}
        self.speakers: dict[int, Speaker] = {}
        self.sources: dict[int, Source] = {}
        self.statements: dict[int, Statement] = {}

    def where(self, kind: str, entry: int, row) -> str:
        label = getattr(row, "slug", "") or ""
        return f"{_shown(self.path)}, entry {entry} ({kind} {row.pk}{', ' + label if label else ''})"

    def call(self, where: str, service, **kwargs):
        """Call a service as the desk; a refusal becomes a StoryError that names the record."""
        try:
            return service(by=self.by, **kwargs)
        except (ValidationError, PermissionDenied) as error:
            raise StoryError(f"{where}: {_message(error)}") from None

    def create(self, where: str, service, model, **kwargs):
        obj = self.call(where, service, **kwargs)
        self.report.add(model._meta.verbose_name_plural)
        return obj

    def records(self, start: datetime.datetime) -> None:
        for n, topic, _ in self.rows["topic"]:
            found = Topic.objects.filter(slug=topic.slug).first() or Topic.objects.filter(name=topic.name).first()
            self.topics[topic.pk] = found or self.create(
                self.where("topic", n, topic), services.topic_create, Topic, at=start, **_story_fields(topic)
            )
        speakers = {row.pk: (n, row) for n, row, _ in self.rows["speaker"]}
        for pk in speakers:
            self.speaker(pk, speakers, ())
        for n, source, _ in self.rows["source"]:
            found = Source.objects.filter(url=normalize_url(source.url)).first()
            self.sources[source.pk] = found or self.create(
                self.where("source", n, source),
                services.source_create,
                Source,
                at=source.created_at,
                **_story_fields(source),
            )
        for n, statement, _ in self.rows["statement"]:
            refs = {
                "source": self.sources[statement.source_id],
                "speaker": self.speakers[statement.speaker_id] if statement.speaker_id else None,
            }
            found = Statement.objects.filter(text=statement.text, **refs).first()
            self.statements[statement.pk] = found or self.create(
                self.where("statement", n, statement),
                services.statement_create,
                Statement,
                at=statement.created_at,
                **refs,
                **_story_fields(statement),
            )

    def speaker(self, pk: int, speakers: dict, chain: tuple) -> Speaker:
        if pk in self.speakers:
            return self.speakers[pk]
        n, row = speakers[pk]
        if pk in chain:
            raise StoryError(f"{self.where('speaker', n, row)}: its affiliations go round in a circle.")
        found = Speaker.objects.filter(slug=row.slug).first()
        if found is None:
            affiliation = self.speaker(row.affiliation_id, speakers, (*chain, pk)) if row.affiliation_id else None
            found = self.create(
                self.where("speaker", n, row),
                services.speaker_create,
                Speaker,
                at=row.created_at,
                affiliation=affiliation,
                **_story_fields(row),
            )
        self.speakers[pk] = found
        return found

    def claims(self) -> None:
        evidence, changes = {}, {}
        for n, row, _ in self.rows["evidence"]:
            evidence.setdefault(row.claim_id, []).append((n, row))
        for n, row, extra in self.rows["verdict_change"]:
            changes.setdefault(row.claim_id, []).append((n, row, extra["username"]))
        self.report.claims = len(self.rows["claim"])
        for n, row, extra in self.rows["claim"]:
            if Claim.objects.filter(slug=row.slug).exists():
                continue  # left as it is, whatever its editors have done with it since
            self.claim(n, row, extra["topics"], evidence.get(row.pk, []), changes.get(row.pk, []))

    def claim(self, n: int, row, topics: list[int], evidence: list, changes: list) -> None:
        where = self.where("claim", n, row)
        published_at = row.published_at
        if (row.status in PUBLIC_STATUSES) != (published_at is not None):
            needs = "needs a" if published_at is None else "has no"
            raise StoryError(f"{where}: a {row.get_status_display().lower()} claim {needs} published_at.")
        if row.status == Status.RETRACTED and row.retracted_at is None:
            raise StoryError(f"{where}: a retracted claim needs retracted_at and retraction_reason.")
        clock = _Clock(where)
        clock.tick(row.created_at, "created_at")
        own = [name for name in services.CLAIM_FIELDS if name not in ("claimant", "first_appearance")]
        fields = {name: getattr(row, name) for name in own}
        claim = self.create(
            where,
            services.claim_create,
            Claim,
            at=row.created_at,
            topics=[self.topics[pk] for pk in topics],
            claimant=self.speakers[row.claimant_id] if row.claimant_id else None,
            first_appearance=self.sources[row.first_appearance_id] if row.first_appearance_id else None,
            **fields,
        )
        for m, ev in sorted(evidence, key=lambda item: (item[1].created_at, item[1].pk)):
            clock.tick(ev.created_at, f"evidence {ev.pk}")
            self.create(
                self.where("evidence", m, ev),
                services.evidence_create,
                Evidence,
                claim=claim,
                statement=self.statements[ev.statement_id],
                at=ev.created_at,
                **{name: getattr(ev, name) for name in services.EVIDENCE_FIELDS},
            )
        changes = sorted(changes, key=lambda change: (change[1].changed_at, change[1].pk))
        before = [c for c in changes if published_at is None or c[1].changed_at <= published_at]
        for change in before:
            self.verdict(claim, clock, *change)
        if row.status != Status.DRAFT:
            submitted_at = published_at or (before[-1][1].changed_at if before else row.created_at)
            self.step(claim, clock, where, services.claim_submit, submitted_at, "sent to review")
        if published_at is not None:
            self.step(claim, clock, where, services.claim_publish, published_at, "published_at")
        for change in changes[len(before) :]:
            self.verdict(claim, clock, *change)
        if row.status == Status.RETRACTED:
            self.step(
                claim,
                clock,
                where,
                services.claim_retract,
                row.retracted_at,
                "retracted_at",
                reason=row.retraction_reason,
            )
        if claim.verdict != row.verdict:
            raise StoryError(
                f"{where}: its verdict is '{row.verdict}', but its verdict changes end at '{claim.verdict}'."
            )

    def step(self, claim, clock, where: str, service, at, what: str, **kwargs) -> None:
        clock.tick(at, what)
        self.call(where, service, claim=claim, at=at, **kwargs)
        self.report.steps += 1

    def verdict(self, claim: Claim, clock, n: int, change, username: str | None) -> None:
        where = self.where("verdict_change", n, change)
        if username not in (None, SYSTEM_USERNAME):
            raise StoryError(
                f"{where}: changed_by is '{username}'; the demo story is recorded under {SYSTEM_USERNAME}."
            )
        if change.previous_verdict != claim.verdict:
            raise StoryError(
                f"{where}: previous_verdict is '{change.previous_verdict}', but the claim is '{claim.verdict}' by then."
            )
        clock.tick(change.changed_at, f"verdict_change {change.pk}")
        self.call(
            where,
            services.claim_set_verdict,
            claim=claim,
            verdict=change.verdict,
            kind=change.kind,
            reason=change.reason,
            at=change.changed_at,
        )
        self.report.steps += 1


class _Clock:
    """A claim's steps are replayed in the order of the story; a step dated before the one before it is an error."""

    def __init__(self, where: str):
        self.where = where
        self.last: tuple[datetime.datetime, str] | None = None

    def tick(self, moment: datetime.datetime, what: str) -> None:
        if self.last and moment < self.last[0]:
            raise StoryError(
                f"{self.where}: {what} ({moment.isoformat()}) comes before {self.last[1]} "
                f"({self.last[0].isoformat()}); a claim is replayed in order: created, its evidence, its ratings, "
                "review and publication."
            )
        self.last = (moment, what)


def _start(rows: dict) -> datetime.datetime | None:
    """The story's first moment: records without a time of their own (topics, the desk's name) are dated to it."""
    moments = [row.created_at for name in ("speaker", "source", "statement", "claim") for _, row, _ in rows[name]]
    return min(moments, default=None)


@transaction.atomic
def load_story(path: Path | None = None) -> LoadReport:
    """Load the story through the services, all or nothing; StoryError says which record is wrong."""
    path = Path(path or STORY_FILE)
    rows = read_story(path)
    start = _start(rows)
    report = LoadReport()
    replay = _Replay(rows, path, system_user(named_at=start), report)
    replay.records(start)
    replay.claims()
    return report
