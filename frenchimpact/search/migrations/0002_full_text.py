"""The engine-specific full-text part of the index.

SQLite: an FTS5 table with external content (the entries), rowid = entry id, kept in sync by
engine.py (no triggers: Django's SQLite schema editor rebuilds tables on ALTER and would drop
them). PostgreSQL: a generated tsvector column (title weighted A, text B) with a GIN index.
Text is normalised in Python (lowercase, no diacritics) on both, so no unaccent extension.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "title, text, content='search_searchentry', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='2 3 4')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS search_fts"]
POSTGRESQL_FORWARD = [
    "ALTER TABLE search_searchentry ADD COLUMN search_document tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, text), 'B')) STORED",
    "CREATE INDEX search_entry_document ON search_searchentry USING gin (search_document)",
]
POSTGRESQL_BACKWARD = [
    "DROP INDEX IF EXISTS search_entry_document",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS search_document",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_search_index")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD}),
        ),
    ]
