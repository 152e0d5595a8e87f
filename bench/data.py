"""A synthetic benchmark data set: generated deterministically, bulk loaded (COPY on PostgreSQL).

Claim i is the same in every data set built from the same seed, so a data set of 10,000 claims is the
first 10,000 claims of one of 1,000,000: the search baseline runs the same lookups on a true subset.
"""

import itertools
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import connections, transaction

from claims import verdicts
from claims.models import Claim, Evidence, Source, Speaker, Statement, Status, Topic, Verdict, VerdictChange
from claims.workflow import PUBLIC_STATUSES

MARKER_SLUG = "factcheck-benchmark-data"  # a topic that says: this database holds only synthetic data
CLAIM_SLUG_PREFIX = "bench-"
SPEAKER_SLUG_PREFIX = "bench-speaker-"
SOURCE_URL_PREFIX = "https://bench.example/"
STATEMENTS_PER_CLAIM = 5
EVIDENCE_PER_CLAIM = 3
T0 = datetime(2020, 1, 1, tzinfo=UTC)
D0 = date(2020, 1, 1)

# Everyday newsroom words; picked with Zipf weights so that some words are common and most are rare.
WORDS = """
government company report officials said million percent year people public data study police court
election minister president announced video model leak access artists program policy climate energy
health vaccine school students workers market prices inflation housing tax budget spending debt bank
city council water power oil gas electricity border migrants army war peace treaty sanctions trade
export import factory jobs unemployment wages union strike protest rally campaign vote ballot fraud
poll survey scientists researchers hospital doctors patients virus cases deaths crime arrest prison
judge law bill senate parliament congress agency regulator license contract billion dollars euros
network internet platform users privacy security breach hackers software chips phones cars train
airport flights weather storm flood drought fire forest farmers crops food imports shortage supply
record highest lowest doubled tripled fell rose increase decrease since decade century month week
secret document email letter interview statement spokesperson press conference website social post
forum account photo image fake edited misleading altered context satire quote speech debate claim
evidence source verified confirmed denied rejected approved banned allowed required tested measured
nuclear solar wind coal emissions carbon plastic ocean river mountain island coast desert region
province state county village capital museum library church stadium festival film music album song
football tennis olympic medal team coach player transfer salary contract sponsor brand launch product
robot artificial intelligence training dataset chatbot image generator openai sora preview tester
valuation investors funding startup founder chief executive board shareholders profit loss revenue
""".split()  # noqa: SIM905
# Thousands of rarer made-up words after them, so that texts differ as much as real ones do (a vocabulary of a
# few hundred words would make every claim look like every other to trigram similarity).
SYLLABLES = "ka lo mer tin sa vor del rin pa ston gri bel nu tam ex or li dra ven cos".split()  # noqa: SIM905
WORDS += [a + b + c for a in SYLLABLES for b in SYLLABLES for c in ("", "ta", "ne", "ris", "mo", "ul", "ek", "on")][
    :6000
]
WEIGHTS = [1 / (rank + 8) for rank in range(len(WORDS))]
CUM_WEIGHTS = list(itertools.accumulate(WEIGHTS))
FIRST_NAMES = "Ana Ben Chloe Dev Elif Femi Gita Hugo Ines Jon Kaia Luca Mina Nils Omar Pia Quinn Rosa Sami Tara".split()  # noqa: SIM905
LAST_NAMES = (  # noqa: SIM905
    "Abara Berg Costa Dahl Eze Fischer Garcia Haddad Ito Jensen Kowal Lind Moreau Novak Okafor Perez Quist Rossi "
    "Sato Tanaka Ueda Varga Weber Xu Yilmaz Zhou Adler Bauer Chen Diaz"
).split()
PUBLISHERS = [f"{w.title()} {k}" for w in WORDS[40:90] for k in ("Times", "Post", "Herald", "Daily")]
RATED = verdicts.RATINGS
TOPIC_WORDS = WORDS[:40]
STANCES = [choice.value for choice in Evidence.Stance]
SOURCE_KINDS = [choice.value for choice in Source.Kind]

# Search lookups measured at every size: a common word, a rarer one, two words, no match.
SEARCH_QUERIES = {"common word": WORDS[3], "rare word": WORDS[2000], "two words": f"{WORDS[20]} {WORDS[60]}"}


def words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WORDS, cum_weights=CUM_WEIGHTS, k=rng.randint(low, high)))


def claim_text(i: int) -> str:
    rng = random.Random(i)
    text = words(rng, 9, 15)
    return f"{text[0].upper()}{text[1:]} ({1990 + i % 35})."


def similar_probe() -> str:
    """A claim an editor might type: claim 7's text with one word changed."""
    head, _, tail = claim_text(7).partition(" ")
    return f"{head} {WORDS[5]} {tail}"


@dataclass(frozen=True)
class Sizes:
    claims: int

    @property
    def speakers(self) -> int:
        return max(20, min(20_000, self.claims // 50))

    @property
    def sources(self) -> int:
        return max(20, min(100_000, self.claims // 25))

    @property
    def topics(self) -> int:
        return len(TOPIC_WORDS)


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, label: str, total: int, stream=None):
        self.label, self.total, self.stream = label, max(total, 1), stream or sys.stderr
        self.start = time.monotonic()
        self.done = 0
        self.shown = -1

    def update(self, n: int) -> None:
        self.done += n
        percent = min(100, self.done * 100 // self.total)
        if percent != self.shown:
            self.shown = percent
            bar = "#" * (percent // 4) + "." * (25 - percent // 4)
            elapsed = time.monotonic() - self.start
            self.stream.write(f"\r  {self.label:<16} [{bar}] {percent:3d}% {self.done:>10,} {elapsed:6.1f}s")
            self.stream.flush()

    def close(self) -> None:
        self.total = self.done  # the total may have been an estimate
        self.shown = -1
        self.update(0)
        self.stream.write("\n")
        self.stream.flush()


class Loader:
    """Rows into one table: COPY on PostgreSQL, batched executemany elsewhere."""

    BATCH = 5_000

    def __init__(self, using: str, progress_stream=None):
        self.connection = connections[using]
        self.postgres = self.connection.vendor == "postgresql"
        self.progress_stream = progress_stream

    @staticmethod
    def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
        """GIN indexes of table (the slow ones to grow row by row) that no constraint stands on: (name, definition)."""
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = %s AND i.indexdef LIKE '%% USING gin %%'
            AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c
                WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass
            )
            """,
            [table],
        )
        return cursor.fetchall()

    def load(self, model, rows, total: int, label: str, *, rebuild_indexes: bool = True) -> None:
        fields = [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]
        defaults = {f.attname: f.get_default() for f in fields}
        columns = [f.attname for f in fields]
        table = self.connection.ops.quote_name(model._meta.db_table)
        column_sql = ", ".join(self.connection.ops.quote_name(f.column) for f in fields)
        progress = Progress(label, total, self.progress_stream)
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            if self.postgres:
                # GIN indexes are built once after the load: much faster than growing them row by row.
                indexes = self._secondary_indexes(cursor, model._meta.db_table) if rebuild_indexes else []
                for name, _ in indexes:
                    cursor.execute(f"DROP INDEX {self.connection.ops.quote_name(name)}")
                with cursor.cursor.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:  # noqa: S608
                    n = 0
                    for n, row in enumerate(rows, 1):  # noqa: B007
                        copy.write_row([row.get(c, defaults[c]) for c in columns])
                        if n % 10_000 == 0:
                            progress.update(10_000)
                    progress.update(n % 10_000)
                if indexes:
                    # CREATE INDEX refuses a table with foreign key checks pending: run them now.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
                    for _, definition in indexes:
                        cursor.execute(definition)
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                cursor.execute(f"ANALYZE {table}")
            else:
                placeholders = ", ".join(["%s"] * len(fields))
                sql = f"INSERT INTO {table} ({column_sql}) VALUES ({placeholders})"  # noqa: S608
                batch = []
                for row in rows:
                    batch.append(
                        [f.get_db_prep_save(row.get(f.attname, defaults[f.attname]), self.connection) for f in fields]
                    )
                    if len(batch) == self.BATCH:
                        cursor.executemany(sql, batch)
                        progress.update(len(batch))
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    progress.update(len(batch))
        progress.close()


def _speakers(sizes: Sizes):
    rng = random.Random(101)
    orgs = max(1, sizes.speakers // 10)
    for i in range(1, sizes.speakers + 1):
        is_org = i <= orgs
        if is_org:
            name = f"{PUBLISHERS[i % len(PUBLISHERS)].split()[0]} {rng.choice(['Institute', 'Group', 'Ministry'])} {i}"
        else:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {i}"
        when = T0 + timedelta(minutes=i)
        yield {
            "id": i,
            "name": name,
            "slug": f"{SPEAKER_SLUG_PREFIX}{i}",
            "kind": Speaker.Kind.ORGANIZATION if is_org else Speaker.Kind.PERSON,
            "title": "" if is_org else rng.choice(["spokesperson", "minister", "researcher", "artist", ""]),
            "affiliation_id": None if is_org or rng.random() < 0.5 else rng.randint(1, orgs),
            "created_at": when,
            "updated_at": when,
        }


def _sources(sizes: Sizes):
    rng = random.Random(202)
    for i in range(1, sizes.sources + 1):
        publisher = PUBLISHERS[i % len(PUBLISHERS)]
        when = T0 + timedelta(minutes=i)
        yield {
            "id": i,
            "url": f"{SOURCE_URL_PREFIX}{publisher.split()[0].lower()}/{i}",
            "title": words(rng, 5, 10).capitalize(),
            "publisher": publisher,
            "author": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            "kind": rng.choice(SOURCE_KINDS),
            "published_on": D0 + timedelta(days=i % 2000),
            "created_at": when,
            "updated_at": when,
        }


def _status(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.90:
        return Status.PUBLISHED
    if roll < 0.93:
        return Status.RETRACTED
    return Status.DRAFT if roll < 0.97 else Status.IN_REVIEW


def _claims(sizes: Sizes, marks: dict):
    """Claims; records in marks which claims are rated (for their verdict change)."""
    for i in range(1, sizes.claims + 1):
        rng = random.Random(i * 7919 + 1)
        text = claim_text(i)
        status = _status(rng)
        rated = status in PUBLIC_STATUSES
        created = T0 + timedelta(minutes=i)
        published = created + timedelta(minutes=30) if rated else None
        marks[i] = rng.choice(RATED) if rated else None
        yield {
            "id": i,
            "text": text,
            "slug": f"{CLAIM_SLUG_PREFIX}{i}",
            "claimant_id": rng.randint(1, sizes.speakers) if rng.random() < 0.8 else None,
            "first_appearance_id": rng.randint(1, sizes.sources) if rng.random() < 0.7 else None,
            "first_appeared_on": created.date(),
            "summary": f"We looked at {words(rng, 20, 40)}.\n\n**Verdict:** {words(rng, 8, 16)}.",
            "verdict": marks[i] or Verdict.UNVERIFIED,
            "status": status,
            "language": "en",
            "version": 1,
            "published_at": published,
            "retracted_at": published + timedelta(days=1) if status == Status.RETRACTED else None,
            "retraction_reason": "A synthetic retraction." if status == Status.RETRACTED else "",
            "created_at": created,
            "updated_at": created + timedelta(hours=1),
        }


def _claim_topics(sizes: Sizes):
    """One topic per claim, a second one for every third claim."""
    n = 0
    for i in range(1, sizes.claims + 1):
        topics = {i % sizes.topics + 1}
        if i % 3 == 0:
            topics.add((i * 7) % sizes.topics + 1)
        for topic in sorted(topics):
            n += 1
            yield {"id": n, "claim_id": i, "topic_id": topic}


def _statement_texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return [f"{words(rng, 12, 28).capitalize()}." for _ in range(count)]


def _statements(sizes: Sizes):
    rng = random.Random(303)
    pool = _statement_texts(304, 50_000)
    for n in range(1, sizes.claims * STATEMENTS_PER_CLAIM + 1):
        when = T0 + timedelta(seconds=12 * n)
        yield {
            "id": n,
            "source_id": rng.randint(1, sizes.sources),
            "speaker_id": rng.randint(1, sizes.speakers) if rng.random() < 0.9 else None,
            "text": pool[rng.randrange(len(pool))],
            "is_quote": rng.random() < 0.7,
            "stated_on": when.date(),
            "created_at": when,
            "updated_at": when,
        }


def _evidence(sizes: Sizes):
    """Statements 1 and 2 of the claim's own five, and statement 4 or 5 of another claim's."""
    rng = random.Random(404)
    n = 0
    for i in range(1, sizes.claims + 1):
        base = (i - 1) * STATEMENTS_PER_CLAIM
        other = (rng.randint(1, sizes.claims) - 1) * STATEMENTS_PER_CLAIM + rng.choice((4, 5))
        when = T0 + timedelta(minutes=i, seconds=10)
        for statement in (base + 1, base + 2, other):
            n += 1
            deprecated = rng.random() < 0.05
            yield {
                "id": n,
                "claim_id": i,
                "statement_id": statement,
                "stance": rng.choice(STANCES),
                "rank": "deprecated" if deprecated else ("preferred" if rng.random() < 0.1 else "normal"),
                "deprecation_reason": "Superseded by a later statement." if deprecated else "",
                "note": "",
                "created_at": when,
                "updated_at": when,
            }


def _verdict_changes(marks: dict):
    n = 0
    for i, verdict in marks.items():
        if verdict:
            n += 1
            yield {
                "id": n,
                "claim_id": i,
                "previous_verdict": Verdict.UNVERIFIED,
                "verdict": verdict,
                "kind": VerdictChange.Kind.INITIAL,
                "reason": "First rating after the review of the evidence.",
                "changed_at": T0 + timedelta(minutes=i + 30),
            }


# --- the database's state


@dataclass
class State:
    claims: int
    empty: bool
    benchmark: bool  # holds only a benchmark data set (or nothing)
    why_not: str = ""


def _content_models():
    return list(apps.get_app_config("claims").get_models())


def inspect(using: str = "default") -> State:
    """What the database holds: nothing, a benchmark data set, or something else (a real site)."""
    has_content = any(m._default_manager.using(using).exists() for m in _content_models())
    users = get_user_model()._default_manager.using(using).exists()
    claims = Claim.objects.using(using).count() if has_content else 0
    if not has_content and not users:
        return State(claims=0, empty=True, benchmark=True)
    if users:
        return State(claims, False, False, "it has user accounts")
    if not Topic.objects.using(using).filter(slug=MARKER_SLUG).exists():
        return State(claims, False, False, "it has claims app data without the benchmark marker")
    checks = {
        "claims": Claim.objects.using(using).exclude(slug__startswith=CLAIM_SLUG_PREFIX),
        "speakers": Speaker.objects.using(using).exclude(slug__startswith=SPEAKER_SLUG_PREFIX),
        "sources": Source.objects.using(using).exclude(url__startswith=SOURCE_URL_PREFIX),
    }
    for name, queryset in checks.items():
        if queryset.exists():
            return State(claims, False, False, f"it has {name} that the benchmark did not make")
    return State(claims, False, True)


def refuse_unless_benchmark(state: State, label: str) -> None:
    if not state.benchmark:
        raise CommandError(
            f"Refusing to run: the database {label} holds data that is not a benchmark data set ({state.why_not}). "
            "The benchmark writes and wipes synthetic data; point DATABASE_URL at an empty database "
            "(e.g. `createdb bench`) instead. Nothing was changed."
        )


def wipe(using: str = "default") -> None:
    """Empty every table of the claims app (only ever called on a benchmark-only database)."""
    connection = connections[using]
    tables = []
    for model in _content_models():
        tables.append(model._meta.db_table)
        tables.extend(f.remote_field.through._meta.db_table for f in model._meta.local_many_to_many)
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending (inside a test's transaction)
        for sql in statements:
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def build(sizes: Sizes, using: str = "default", progress_stream=None) -> None:
    loader = Loader(using, progress_stream)
    marks: dict[int, str | None] = {}
    topics = [{"id": n, "name": w.title(), "slug": w} for n, w in enumerate(TOPIC_WORDS, 1)]
    topics.append({"id": len(topics) + 1, "name": "Benchmark data (synthetic)", "slug": MARKER_SLUG})
    loader.load(Topic, iter(topics), len(topics), "topics")
    loader.load(Speaker, _speakers(sizes), sizes.speakers, "speakers")
    loader.load(Source, _sources(sizes), sizes.sources, "sources")
    loader.load(Statement, _statements(sizes), sizes.claims * STATEMENTS_PER_CLAIM, "statements")
    # Evidence before its claims, in one transaction (foreign keys are checked at commit): the search index
    # triggers (claims/search.py) then compute each claim's entry once, as the claim is inserted, instead of
    # recomputing every claim again when its evidence arrives.
    with transaction.atomic(using=using):
        # Evidence keeps its indexes: the claims' search index trigger reads evidence by claim.
        loader.load(Evidence, _evidence(sizes), sizes.claims * EVIDENCE_PER_CLAIM, "evidence", rebuild_indexes=False)
        loader.load(Claim, _claims(sizes, marks), sizes.claims, "claims")
    loader.load(Claim.topics.through, _claim_topics(sizes), sizes.claims * 4 // 3, "claim topics")
    rated = sum(1 for v in marks.values() if v)
    loader.load(VerdictChange, _verdict_changes(marks), rated, "verdict changes")
    connection = connections[using]
    models = [Topic, Speaker, Source, Claim, Claim.topics.through, Statement, Evidence, VerdictChange]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute("VACUUM ANALYZE")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
