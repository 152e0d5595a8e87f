"""Full-text search and similar-claim matching (see claims/search.py).

PostgreSQL: pg_trgm, Claim.search_vector kept up to date by triggers, a GIN index on it and a GIN trigram
index on the claim text. SQLite: an FTS5 table kept up to date by triggers. Each half runs only on its
database; both are reversible.
"""

import django.contrib.postgres.search
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from claims import search


class RunSQLOn(migrations.RunSQL):
    """RunSQL on one database vendor only."""

    def __init__(self, vendor, sql, reverse_sql):
        self.vendor = vendor
        super().__init__(sql, reverse_sql)

    def deconstruct(self):
        return self.__class__.__name__, [self.vendor, self.sql, self.reverse_sql], {}

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class PostgresTrigramExtension(TrigramExtension):
    """pg_trgm; Django's backwards step does not skip other databases by itself."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0003_external_review"),
    ]

    operations = [
        PostgresTrigramExtension(),
        migrations.AddField(
            model_name="claim",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        RunSQLOn("postgresql", search.POSTGRES_SEARCH_SQL, search.POSTGRES_SEARCH_DROP_SQL),
        RunSQLOn(
            "sqlite",
            [search.SQLITE_FTS_TABLE_SQL, *search.SQLITE_FTS_TRIGGERS_SQL, *search.SQLITE_FTS_REBUILD_SQL],
            search.SQLITE_FTS_DROP_SQL,
        ),
    ]
