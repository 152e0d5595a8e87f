# ruff: noqa: S608, S611 -- SQL here is built from constants only; what a user typed always goes in as a parameter.
"""Search over claims: ranked full-text search and similar-claim matching, on PostgreSQL and SQLite alike.

The public search (/claims/?q=), the API's ``search`` filter and the admin's claim search all call
``search_claims``; the admin's "similar claims" box and the public "related claims" call ``similar_claims``
and ``related_claims``. The same calls work on both databases:

- PostgreSQL: ``Claim.search_vector`` (a tsvector of the text (weight A), the summary (B) and the text of the
  evidence statements (C), English configuration) behind a GIN index that also holds each claim's block of ids
  (so that the newest matches are found without reading older ones; see ``_newest_matches``), ranked with
  ``ts_rank``; similarity is pg_trgm's trigram similarity, computed on a bounded set of candidates taken from
  a full-text index of the claim text (claims whose text has the probe's rarest words; see
  ``_PG_CANDIDATE_TIERS``), so that it costs the same at any size.
- SQLite: an FTS5 table ``claims_claim_fts`` (same three columns, Porter stemmer), ranked with ``bm25``;
  similarity is pg_trgm's measure computed in Python over a bounded set of FTS5 candidates (an OR query over
  the significant words of the text).

Both indexes are kept up to date by database triggers (migration 0004), not by signals: the triggers also see
``QuerySet.update()``, ``bulk_create()``, imports and raw SQL, and a statement's text change reaches every
claim it is evidence for in the same transaction. After a bulk load that bypassed triggers (for example with
triggers disabled), call ``rebuild_search_index()``.

The query language (both databases): words must all appear (in any form the stemmer relates: "leak" finds
"leaked"), ``"a quoted phrase"`` must appear as a phrase, ``-word`` excludes, ``a or b`` accepts either.
"""

import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramSimilarity
from django.db.models import BooleanField, Exists, F, FloatField, Func, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from .models import Claim, Evidence

MAX_QUERY_LENGTH = 200
MAX_TERMS = 16
# How many matches of a query are ranked at most: its newest (see search_claims).
SEARCH_MAX_MATCHES = 500
SEARCH_CONFIG = "english"
# pg_trgm's default similarity_threshold: the `%` operator (which uses the index) filters at this value.
SIMILARITY_THRESHOLD = 0.3
SIMILAR_LIMIT = 5
# SQLite: how many full-text candidates the Python similarity measure looks at.
SQLITE_CANDIDATES = 100
FTS_TABLE = "claims_claim_fts"
FTS_WEIGHTS = "10.0, 4.0, 1.0"  # text, summary, statements (as PostgreSQL's A, B and C weights)

_STOP_WORDS = (
    "a an and are as at be but by for from had has have he her his i if in into is it its of on or our she "
    "so than that the their them then there these they this to was we were what when which who will with "
    "would you your"
)
STOP_WORDS = frozenset(_STOP_WORDS.split())
WORD = re.compile(r"[^\W_]+")
TOKEN = re.compile(r'"([^"]*)"?|(\S+)')


def clean_query(raw: str | None) -> str:
    """A search string safe for any database: no NUL or control characters, trimmed, capped."""
    if not raw:
        return ""
    text = "".join(ch if ch.isprintable() else " " for ch in raw)
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


# The query language


@dataclass
class Term:
    words: list[str]  # one word, or the words of a phrase
    phrase: bool = False


@dataclass
class ParsedQuery:
    groups: list[list[Term]] = field(default_factory=list)  # all groups must match; any term of a group
    excluded: list[Term] = field(default_factory=list)

    def __bool__(self):
        return bool(self.groups)


def parse_query(q: str) -> ParsedQuery:
    """Words, "phrases", -excluded and `or`; single letters and tokens without a letter or digit are dropped."""
    parsed = ParsedQuery()
    join_next = False
    for match in TOKEN.finditer(clean_query(q)):
        phrase, token = match.group(1), match.group(2)
        if token is not None and token.lower() == "or":
            join_next = bool(parsed.groups)
            continue
        negate = token is not None and token.startswith("-")
        text = phrase if phrase is not None else token.lstrip("-")
        words = WORD.findall(text.lower())
        if phrase is None:
            # Single letters are noise (and PostgreSQL's parser drops some, e.g. the b of "<b>").
            words = [w for w in words if len(w) > 1]
        if not words:
            continue
        term = Term(words, phrase=phrase is not None or len(words) > 1)
        if negate:
            parsed.excluded.append(term)
        elif join_next:
            parsed.groups[-1].append(term)
        else:
            parsed.groups.append([term])
        join_next = False
        if len(parsed.groups) + len(parsed.excluded) >= MAX_TERMS:
            break
    return parsed


def _is_postgres(queryset: QuerySet | None = None) -> bool:
    from django.db import connections

    alias = queryset.db if queryset is not None else "default"
    return connections[alias].vendor == "postgresql"


def _pg_query(parsed: ParsedQuery) -> SearchQuery:
    def one(term: Term) -> SearchQuery:
        kind = "phrase" if term.phrase else "plain"
        return SearchQuery(" ".join(term.words), search_type=kind, config=SEARCH_CONFIG)

    query = None
    for group in parsed.groups:
        alternatives = one(group[0])
        for term in group[1:]:
            alternatives |= one(term)
        query = alternatives if query is None else query & alternatives
    for term in parsed.excluded:
        query &= ~one(term)
    return query


def _fts_term(term: Term) -> str:
    # Words are letters and digits only, so quoting them is all the escaping FTS5 needs.
    return '"' + " ".join(term.words) + '"'


def _fts_match(parsed: ParsedQuery) -> str:
    groups = []
    for group in parsed.groups:
        # English stop words match nearly everything in FTS5 (PostgreSQL drops them): drop them too.
        terms = [t for t in group if t.phrase or t.words[0] not in STOP_WORDS]
        if not terms:
            continue
        groups.append("(" + " OR ".join(_fts_term(t) for t in terms) + ")")
    if not groups:
        return ""
    expression = " AND ".join(groups)
    for term in parsed.excluded:
        expression = f"({expression}) NOT {_fts_term(term)}"
    return expression


class _FtsRank(Func):
    """SQLite: the bm25 rank of a claim's row for a MATCH expression (higher is better)."""

    template = f"(SELECT -bm25({FTS_TABLE}, {FTS_WEIGHTS}) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %(expressions)s)"
    arg_joiner = f" AND {FTS_TABLE}.rowid = "
    output_field = FloatField()


def _fts_rowids(match: str, limit: int | None = None) -> RawSQL:
    sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
    if limit:
        sql += f" ORDER BY bm25({FTS_TABLE}, {FTS_WEIGHTS}) LIMIT {int(limit)}"
    return RawSQL(sql, [match])


def _match_and_rank(queryset: QuerySet, q: str):
    """(the filter that selects the matches, their rank expression), or None when q has nothing to search."""
    parsed = parse_query(q)
    if not parsed:
        return None
    if _is_postgres(queryset):
        query = _pg_query(parsed)
        # double precision, so that a rank read back from an API cursor compares equal to itself
        return Q(search_vector=query), Cast(SearchRank(F("search_vector"), query), FloatField())
    match = _fts_match(parsed)
    if not match:
        return None
    return Q(pk__in=_fts_rowids(match)), _FtsRank(Value(match), F("pk"))


def search_rank(queryset: QuerySet, q: str):
    """The rank expression of q for the claims of queryset (higher is more relevant), or None for no query."""
    found = _match_and_rank(queryset, q)
    return found[1] if found else None


def search_claims(queryset: QuerySet, q: str) -> QuerySet:
    """The claims of queryset that match q (see the module docstring), ranked.

    Returns queryset filtered and annotated with ``search_rank`` (a float, higher is more relevant) and
    ordered by it (ties: newest id first); a caller that wants another order simply calls ``order_by``.
    A broad query (a word in most claims) matches only its newest ``SEARCH_MAX_MATCHES`` claims (by id), so
    that ranking, ordering and counting never read every claim of a large table.
    An empty q returns queryset unchanged; a q with nothing searchable in it (only punctuation or stop
    words) matches nothing. Visibility is the caller's: pass ``Claim.objects.visible_to(user)``.
    """
    q = clean_query(q)
    if not q:
        return queryset
    found = _match_and_rank(queryset, q)
    if found is None:
        return queryset.none()
    condition, rank = found
    matches = _newest_matches(queryset.filter(condition).order_by("-pk"))
    return queryset.filter(pk__in=matches).annotate(search_rank=rank).order_by("-search_rank", "-pk")


# PostgreSQL: the search index also holds each claim's block of ids (id >> SEARCH_BLOCK_BITS, 8,192 ids a block;
# migration 0008), so that the newest matches of a query are read block by block, newest first, without visiting
# every older match: a word in 1 % of a million claims has 10,000 matches, of which the newest 500 are in the
# newest 7 blocks.
SEARCH_BLOCK_BITS = 13
PG_SEARCH_INDEX = "claims_claim_search_block"
PG_SEARCH_INDEX_SQL = (
    f"CREATE INDEX IF NOT EXISTS {PG_SEARCH_INDEX} ON claims_claim"
    f" USING gin (search_vector, (ARRAY[id >> {SEARCH_BLOCK_BITS}]))"
)
# The id bound repeats the blocks' top for the planner: a tier read through the primary key starts there.
_PG_IN_BLOCKS = f"ARRAY[claims_claim.id >> {SEARCH_BLOCK_BITS}] && %s::bigint[] AND claims_claim.id < %s"


def block_tiers(newest_block: int) -> list[list[int]]:
    """The id blocks from newest_block down to 0 in tiers that double: [n], [n-1], [n-2, n-3], [n-4 ... n-7], ..."""
    tiers, high, size = [[newest_block]], newest_block - 1, 1
    while high >= 0:
        low = max(0, high - size + 1)
        tiers.append(list(range(high, low - 1, -1)))
        high, size = low - 1, size * 2
    return tiers


def _newest_matches(matches: QuerySet):
    """The ids of the newest SEARCH_MAX_MATCHES claims of matches (ordered newest first).

    On PostgreSQL, one query per tier of id blocks (see block_tiers), joined by UNION ALL under the LIMIT:
    PostgreSQL runs the parts in order and stops at the first tier that completes the LIMIT, so a query reads
    about as many matches as it keeps (at most about twice), however many older claims match too. A rare word
    reads every tier, but then each tier holds few matches."""
    if not _is_postgres(matches) or matches.query.is_empty():
        return matches.values("pk")[:SEARCH_MAX_MATCHES]
    newest = Claim._base_manager.using(matches.db).order_by("-pk").values_list("pk", flat=True).first()
    if newest is None:
        return matches.values("pk")[:SEARCH_MAX_MATCHES]
    # Each tier's query is the same SQL with its own blocks: compile it once.
    blocks, below = object(), object()
    part_sql, part_params = _ids_sql(
        matches.filter(RawSQL(_PG_IN_BLOCKS, [blocks, below], output_field=BooleanField()))[:SEARCH_MAX_MATCHES]
    )
    parts = []
    for tier in block_tiers(newest >> SEARCH_BLOCK_BITS):
        top = (tier[0] + 1) << SEARCH_BLOCK_BITS
        parts.append((part_sql, [tier if p is blocks else top if p is below else p for p in part_params]))
    union = _union(parts, keep_all=True)
    return RawSQL(f"SELECT * FROM ({union.sql}) AS newest LIMIT {SEARCH_MAX_MATCHES}", union.params)


def involving_speaker(claims: QuerySet, speaker) -> QuerySet:
    """Claims the speaker made, or on which one of their statements is evidence."""
    said = Evidence.objects.filter(claim=OuterRef("pk"), statement__speaker=speaker)
    return claims.filter(Q(claimant=speaker) | Exists(said))


# Similar claims


def trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams of text: each lower-cased word padded with two spaces before and one after."""
    grams = set()
    for word in WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's similarity(a, b): shared trigrams over all trigrams, from 0 to 1."""
    ta, tb = trigrams(a), trigrams(b)
    union = ta | tb
    return len(ta & tb) / len(union) if union else 0.0


def _exclusions(exclude) -> list:
    if exclude is None:
        return []
    if isinstance(exclude, Claim):
        return [exclude.pk]
    if isinstance(exclude, int | str):
        return [exclude]
    return [getattr(e, "pk", e) for e in exclude]


def _significant_words(text: str) -> list[str]:
    words = [w for w in WORD.findall(text.lower()) if len(w) > 2 and w not in STOP_WORDS]
    return list(dict.fromkeys(words))[:MAX_TERMS]


# PostgreSQL: the claim text alone as a tsvector, behind a GIN index of its own (migration 0006), for the
# similar-claim candidates: a match needs no recheck of the row, unlike a weight-A query on search_vector.
PG_TEXT_VECTOR = f"to_tsvector('{SEARCH_CONFIG}'::regconfig, claims_claim.text)"
PG_TEXT_INDEX_SQL = (
    f"CREATE INDEX IF NOT EXISTS claims_claim_text_fts ON claims_claim USING gin (to_tsvector('{SEARCH_CONFIG}', text))"
)
PG_TEXT_INDEX_DROP_SQL = "DROP INDEX IF EXISTS claims_claim_text_fts"
# PostgreSQL: the lexemes of the probe (%s), rarest first, each a quoted tsquery term.
# Rarity comes from the planner's statistics of the search vector (ANALYZE keeps its most common lexemes and
# their frequencies); a lexeme missing from them is rarer than any listed, and then the longer word comes first.
_PG_RARE_TERMS = rf"""
    SELECT '''' || replace(replace(lex, '\', '\\'), '''', '''''') || '''' AS term,
        row_number() OVER (ORDER BY coalesce(st.freq, 0), length(lex) DESC, lex) AS n
    FROM unnest(tsvector_to_array(to_tsvector('{SEARCH_CONFIG}', %s))) AS lex
    LEFT JOIN (
        SELECT unnest(most_common_elems::text::text[]) AS elem, unnest(most_common_elem_freqs) AS freq
        FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'claims_claim' AND attname = 'search_vector'
    ) AS st ON st.elem = lex
"""


def _pg_rare_match(*groups: tuple[int, int]) -> str:
    """A condition: the claim text has one of the probe's rarest words numbered a to b, for each (a, b)."""
    terms = " || ' & ' || ".join(
        f"'(' || string_agg(term, ' | ') FILTER (WHERE n BETWEEN {a} AND {b}) || ')'" for a, b in groups
    )
    return f"{PG_TEXT_VECTOR} @@ (WITH r AS ({_PG_RARE_TERMS}) SELECT ({terms})::tsquery FROM r)"


# Tiers of candidates, each bounded on its own: the rarest word with one of the next three, the rarest word,
# the second with the third or fourth, the second or the third. A claim at least SIMILARITY_THRESHOLD alike
# shares most of the probe's words, so it is in an early tier unless the probe has only common words.
_PG_CANDIDATE_TIERS = (
    _pg_rare_match((1, 1), (2, 4)),
    _pg_rare_match((1, 1)),
    _pg_rare_match((2, 2), (3, 4)),
    _pg_rare_match((2, 3)),
)
# How many claims each kind of candidate may bring: the similarity is computed on these only.
PG_CANDIDATES = 100


def _pg_similar_candidates(queryset: QuerySet, text: str) -> RawSQL:
    """The ids of a bounded set of claims of queryset that share the probe's rarest words (full-text index)."""
    parts = [
        _ids_sql(queryset.filter(RawSQL(condition, [text], output_field=BooleanField())).order_by()[:PG_CANDIDATES])
        for condition in _PG_CANDIDATE_TIERS
    ]
    return _union(parts)


def _similar_candidates(queryset: QuerySet, text: str, limit: int) -> QuerySet:
    """A bounded queryset of claims that may be similar to text (on PostgreSQL: the most similar, best first).

    On PostgreSQL the candidates come from the full-text index (claims that share the probe's rarest words, at
    most 4 * PG_CANDIDATES), so the cost does not grow with the table; pg_trgm's ``%`` over the trigram index
    did: it rechecks every claim that shares enough (common) trigrams with the probe."""
    if _is_postgres(queryset):
        return (
            queryset.filter(pk__in=_pg_similar_candidates(queryset, text))
            .annotate(similarity=TrigramSimilarity("text", text))
            .filter(similarity__gte=SIMILARITY_THRESHOLD)
            .order_by("-similarity", "-pk")[:limit]
        )
    words = _significant_words(text)
    if not words:
        return queryset.none()
    match = " OR ".join(f'"{w}"' for w in words)
    return queryset.filter(pk__in=_fts_rowids(match, limit=SQLITE_CANDIDATES))


def similar_claims(
    text: str,
    *,
    queryset: QuerySet | None = None,
    exclude=None,
    limit: int = SIMILAR_LIMIT,
    threshold: float = SIMILARITY_THRESHOLD,
) -> list[Claim]:
    """Claims whose text looks like text, most similar first: a list of at most limit claims.

    Each claim carries ``similarity`` (pg_trgm's trigram similarity, 0 to 1; at least threshold, which
    on PostgreSQL cannot go below pg_trgm.similarity_threshold, 0.3 by default). queryset limits the
    candidates (default: every claim; pass ``Claim.objects.public()`` for readers) and may carry
    select_related; exclude is a claim, a pk or a list of them. One query on both databases.
    """
    text = clean_query(text)
    if not text.strip() or limit <= 0:
        return []
    queryset = Claim.objects.all() if queryset is None else queryset
    if excluded := _exclusions(exclude):
        queryset = queryset.exclude(pk__in=excluded)
    if _is_postgres(queryset):
        found = list(_similar_candidates(queryset, text, limit * 4 if threshold > SIMILARITY_THRESHOLD else limit))
        return [c for c in found if c.similarity >= threshold][:limit]
    found = []
    for claim in _similar_candidates(queryset, text, SQLITE_CANDIDATES):
        claim.similarity = trigram_similarity(text, claim.text)
        if claim.similarity >= threshold:
            found.append(claim)
    found.sort(key=lambda c: (-c.similarity, -c.pk))
    return found[:limit]


def _ids_sql(queryset: QuerySet) -> tuple[str, tuple]:
    return queryset.values("pk").query.sql_with_params()


def _union(parts: list[tuple[str, tuple]], *, keep_all: bool = False) -> RawSQL:
    """Queries given as (sql, params), each read as a subquery, in one UNION (UNION ALL with keep_all: PostgreSQL
    then runs the parts in order, and stops under a LIMIT)."""
    joiner = " UNION ALL " if keep_all else " UNION "
    sql = joiner.join(f"SELECT * FROM ({part_sql}) AS part{i}" for i, (part_sql, _) in enumerate(parts))
    return RawSQL(sql, tuple(p for _, part_params in parts for p in part_params))


def related_claims(claim: Claim, *, queryset: QuerySet, limit: int = SIMILAR_LIMIT) -> list[Claim]:
    """Claims related to claim, for its page: similar claims first (most similar first), then claims on
    the same topics or by the same claimant (newest first); at most limit, never claim itself.

    queryset is what the reader may see (e.g. ``Claim.objects.public().select_related("claimant")``).
    One query: the similar and the same-topic/speaker candidates are each bounded and read as a union.
    """
    base = queryset.exclude(pk=claim.pk)
    similar = _similar_candidates(base.order_by(), claim.text, limit if _is_postgres(base) else SQLITE_CANDIDATES)
    parts = [_ids_sql(similar.values("pk"))]
    # The newest on the same topics and the newest by the same claimant, each bounded on its own: one OR of the
    # two made PostgreSQL read every claim of the topics first (66,667 rows at a million claims, 35 ms).
    same = []
    if topic_ids := [t.pk for t in claim.topics.all()]:
        same.append(Exists(Claim.topics.through.objects.filter(claim=OuterRef("pk"), topic_id__in=topic_ids)))
    if claim.claimant_id:
        same.append(Q(claimant_id=claim.claimant_id))
    parts += [_ids_sql(base.filter(condition).order_by("-published_at", "-pk")[:limit]) for condition in same]
    candidates = list(base.filter(pk__in=_union(parts)))
    for other in candidates:
        other.similarity = trigram_similarity(claim.text, other.text)
    similar_first = sorted(
        (c for c in candidates if c.similarity >= SIMILARITY_THRESHOLD), key=lambda c: (-c.similarity, -c.pk)
    )
    rest = [c for c in candidates if c.similarity < SIMILARITY_THRESHOLD]
    rest.sort(key=lambda c: (c.published_at is not None, c.published_at or c.created_at, c.pk), reverse=True)
    return (similar_first + rest)[:limit]


# Keeping the indexes up to date: triggers (created by migration 0004; see the module docstring)

_PG_STATEMENTS_OF = """
    SELECT string_agg(s.text, ' ') FROM claims_evidence e JOIN claims_statement s ON s.id = e.statement_id
    WHERE e.claim_id = p_id
"""

POSTGRES_SEARCH_SQL = [
    f"""
    CREATE OR REPLACE FUNCTION claims_claim_search_vector(p_id bigint, p_text text, p_summary text)
    RETURNS tsvector LANGUAGE sql STABLE AS $$
        SELECT setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(p_text, '')), 'A')
            || setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(p_summary, '')), 'B')
            || setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(({_PG_STATEMENTS_OF}), '')), 'C')
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION claims_claim_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector := claims_claim_search_vector(NEW.id, NEW.text, NEW.summary);
        RETURN NEW;
    END $$
    """,
    # Writing search_vector (NULL will do) recomputes it: the other triggers "touch" the claims they affect.
    """
    CREATE TRIGGER claims_claim_search BEFORE INSERT OR UPDATE OF text, summary, search_vector ON claims_claim
    FOR EACH ROW EXECUTE FUNCTION claims_claim_search_update()
    """,
    """
    CREATE OR REPLACE FUNCTION claims_evidence_search_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE claims_claim SET search_vector = NULL WHERE id IN (SELECT claim_id FROM new_rows);
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION claims_evidence_search_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE claims_claim SET search_vector = NULL WHERE id IN (SELECT claim_id FROM old_rows);
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION claims_evidence_search_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE claims_claim SET search_vector = NULL WHERE id IN (
            SELECT unnest(ARRAY[o.claim_id, n.claim_id]) FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE o.claim_id <> n.claim_id OR o.statement_id <> n.statement_id
        );
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION claims_statement_search_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE claims_claim SET search_vector = NULL WHERE id IN (
            SELECT e.claim_id FROM claims_evidence e
            JOIN new_rows n ON n.id = e.statement_id JOIN old_rows o ON o.id = n.id
            WHERE n.text IS DISTINCT FROM o.text
        );
        RETURN NULL;
    END $$
    """,
    # Statement-level triggers with transition tables: a bulk insert of evidence touches each claim once.
    """
    CREATE TRIGGER claims_evidence_search_ins AFTER INSERT ON claims_evidence
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION claims_evidence_search_added()
    """,
    """
    CREATE TRIGGER claims_evidence_search_del AFTER DELETE ON claims_evidence
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION claims_evidence_search_removed()
    """,
    """
    CREATE TRIGGER claims_evidence_search_upd AFTER UPDATE ON claims_evidence
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION claims_evidence_search_moved()
    """,
    """
    CREATE TRIGGER claims_statement_search_upd AFTER UPDATE ON claims_statement
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION claims_statement_search_changed()
    """,
    "CREATE INDEX IF NOT EXISTS claims_claim_search_gin ON claims_claim USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS claims_claim_text_trgm ON claims_claim USING gin (text gin_trgm_ops)",
    "UPDATE claims_claim SET search_vector = NULL",
]

POSTGRES_SEARCH_DROP_SQL = [
    "DROP INDEX IF EXISTS claims_claim_text_trgm",
    "DROP INDEX IF EXISTS claims_claim_search_gin",
    "DROP TRIGGER IF EXISTS claims_statement_search_upd ON claims_statement",
    "DROP TRIGGER IF EXISTS claims_evidence_search_upd ON claims_evidence",
    "DROP TRIGGER IF EXISTS claims_evidence_search_del ON claims_evidence",
    "DROP TRIGGER IF EXISTS claims_evidence_search_ins ON claims_evidence",
    "DROP TRIGGER IF EXISTS claims_claim_search ON claims_claim",
    "DROP FUNCTION IF EXISTS claims_statement_search_changed()",
    "DROP FUNCTION IF EXISTS claims_evidence_search_moved()",
    "DROP FUNCTION IF EXISTS claims_evidence_search_removed()",
    "DROP FUNCTION IF EXISTS claims_evidence_search_added()",
    "DROP FUNCTION IF EXISTS claims_claim_search_update()",
    "DROP FUNCTION IF EXISTS claims_claim_search_vector(bigint, text, text)",
    "UPDATE claims_claim SET search_vector = NULL",
]


def _sqlite_statements_of(claim_id: str) -> str:
    return (
        "(SELECT group_concat(s.text, ' ') FROM claims_evidence e JOIN claims_statement s ON s.id = e.statement_id"
        f" WHERE e.claim_id = {claim_id})"
    )


SQLITE_FTS_TABLE_SQL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "text, summary, statements, tokenize = 'porter unicode61 remove_diacritics 2')"
)
SQLITE_FTS_REBUILD_SQL = [
    f"DELETE FROM {FTS_TABLE}",
    f"INSERT INTO {FTS_TABLE}(rowid, text, summary, statements) "
    f"SELECT c.id, c.text, c.summary, {_sqlite_statements_of('c.id')} FROM claims_claim c",
]
_SQLITE_REFRESH_STATEMENTS = (
    f"UPDATE {FTS_TABLE} SET statements = {_sqlite_statements_of('{id}')} WHERE rowid = {{id}};"
)
# Recreated after every migrate (see claims/signals.py): SQLite drops a table's triggers when a migration
# rebuilds the table.
SQLITE_FTS_TRIGGERS_SQL = [
    f"""CREATE TRIGGER IF NOT EXISTS claims_claim_fts_ins AFTER INSERT ON claims_claim BEGIN
        INSERT INTO {FTS_TABLE}(rowid, text, summary, statements)
        VALUES (new.id, new.text, new.summary, {_sqlite_statements_of("new.id")});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS claims_claim_fts_upd AFTER UPDATE OF id, text, summary ON claims_claim BEGIN
        DELETE FROM {FTS_TABLE} WHERE rowid = old.id;
        INSERT INTO {FTS_TABLE}(rowid, text, summary, statements)
        VALUES (new.id, new.text, new.summary, {_sqlite_statements_of("new.id")});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS claims_claim_fts_del AFTER DELETE ON claims_claim BEGIN
        DELETE FROM {FTS_TABLE} WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS claims_evidence_fts_ins AFTER INSERT ON claims_evidence BEGIN
        {_SQLITE_REFRESH_STATEMENTS.format(id="new.claim_id")}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS claims_evidence_fts_del AFTER DELETE ON claims_evidence BEGIN
        {_SQLITE_REFRESH_STATEMENTS.format(id="old.claim_id")}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS claims_evidence_fts_upd AFTER UPDATE OF claim_id, statement_id
    ON claims_evidence BEGIN
        {_SQLITE_REFRESH_STATEMENTS.format(id="old.claim_id")}
        {_SQLITE_REFRESH_STATEMENTS.format(id="new.claim_id")}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS claims_statement_fts_upd AFTER UPDATE OF text ON claims_statement BEGIN
        UPDATE {FTS_TABLE} SET statements = {_sqlite_statements_of(FTS_TABLE + ".rowid")}
        WHERE rowid IN (SELECT claim_id FROM claims_evidence WHERE statement_id = new.id);
    END""",
]
SQLITE_FTS_DROP_SQL = [
    *(
        f"DROP TRIGGER IF EXISTS {name}"
        for name in [
            "claims_statement_fts_upd",
            "claims_evidence_fts_upd",
            "claims_evidence_fts_del",
            "claims_evidence_fts_ins",
            "claims_claim_fts_del",
            "claims_claim_fts_upd",
            "claims_claim_fts_ins",
        ]
    ),
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]


def ensure_sqlite_search(using: str = "default") -> None:
    """SQLite: (re)create the FTS5 triggers if a table rebuild dropped them, and refill the index if it is
    out of step with the claims table. Does nothing elsewhere or before migration 0004."""
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "sqlite":
        return
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS_TABLE])
        if cursor.fetchone() is None:
            return
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'claims_%%_fts_%%'")
        triggers = cursor.fetchone()[0]
        for sql in SQLITE_FTS_TRIGGERS_SQL:
            cursor.execute(sql)
        if triggers < len(SQLITE_FTS_TRIGGERS_SQL):
            for sql in SQLITE_FTS_REBUILD_SQL:
                cursor.execute(sql)


def rebuild_search_index(using: str = "default") -> None:
    """Recompute every claim's search index entry (after a bulk load that bypassed the triggers)."""
    from django.db import connections

    conn = connections[using]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("UPDATE claims_claim SET search_vector = NULL")
        elif conn.vendor == "sqlite":
            for sql in SQLITE_FTS_REBUILD_SQL:
                cursor.execute(sql)
