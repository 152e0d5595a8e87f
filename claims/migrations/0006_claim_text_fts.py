"""PostgreSQL: a GIN index on the claim text alone as a tsvector, where similar claims find their candidates
(claims/search.py). Nothing on SQLite, whose FTS5 table already serves them."""

from django.db import migrations

from claims import search


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(search.PG_TEXT_INDEX_SQL)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(search.PG_TEXT_INDEX_DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [("claims", "0005_list_and_filter_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
