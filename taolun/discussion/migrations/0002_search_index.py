"""The full-text index over ``SearchEntry.tokens``: what the ORM cannot say, per database.

PostgreSQL: a stored ``tsvector`` column generated from the tokens (``simple`` configuration: the
tokens are already segmented) with a GIN index. SQLite: an FTS5 table over the same rows, kept in step
by triggers. Other databases get no index and ``search`` falls back to substring matching.
"""

from django.db import migrations

PG_FORWARD = [
    "ALTER TABLE discussion_searchentry ADD COLUMN tsv tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple', tokens)) STORED",
    "CREATE INDEX disc_search_tsv_idx ON discussion_searchentry USING gin (tsv)",
    "CREATE INDEX disc_search_public_idx ON discussion_searchentry (campaign_id, is_public)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS disc_search_public_idx",
    "DROP INDEX IF EXISTS disc_search_tsv_idx",
    "ALTER TABLE discussion_searchentry DROP COLUMN IF EXISTS tsv",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE discussion_searchentry_fts USING fts5("
    "tokens, content='discussion_searchentry', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER discussion_searchentry_fts_ai AFTER INSERT ON discussion_searchentry BEGIN"
    " INSERT INTO discussion_searchentry_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER discussion_searchentry_fts_ad AFTER DELETE ON discussion_searchentry BEGIN"
    " INSERT INTO discussion_searchentry_fts(discussion_searchentry_fts, rowid, tokens)"
    " VALUES ('delete', old.id, old.tokens); END",
    "CREATE TRIGGER discussion_searchentry_fts_au AFTER UPDATE OF tokens ON discussion_searchentry BEGIN"
    " INSERT INTO discussion_searchentry_fts(discussion_searchentry_fts, rowid, tokens)"
    " VALUES ('delete', old.id, old.tokens);"
    " INSERT INTO discussion_searchentry_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS discussion_searchentry_fts_au",
    "DROP TRIGGER IF EXISTS discussion_searchentry_fts_ad",
    "DROP TRIGGER IF EXISTS discussion_searchentry_fts_ai",
    "DROP TABLE IF EXISTS discussion_searchentry_fts",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("discussion", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
