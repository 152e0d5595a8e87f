"""PostgreSQL: the search index also holds each claim's block of ids, so that the newest matches of a query are
read newest block first (claims/search.py, _newest_matches). It replaces the plain GIN index on search_vector,
which serves every other search as well. Built CONCURRENTLY: writes go on while a large table is indexed.
Nothing on SQLite, whose FTS5 table has no such need."""

from django.db import migrations

from claims import search

OLD_INDEX_SQL = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS claims_claim_search_gin ON claims_claim USING gin (search_vector)"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(search.PG_SEARCH_INDEX_SQL.replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY"))
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS claims_claim_search_gin")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OLD_INDEX_SQL)
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {search.PG_SEARCH_INDEX}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("claims", "0007_claim_updated_at_composite_index_only")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
