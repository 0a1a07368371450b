"""The full-text index over the customers' histories, on both databases: SQLite's FTS5 table kept
in step by triggers, and PostgreSQL's GIN index over an immutable SQL function. Migrations make them
(revisions 0004, 0006, 0007), start-up checks SQLite's again (db.make_engine), and the history
queries (backend/mappers.py) must repeat the index expressions exactly for the index to be used."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)


#: The FTS5 index of the customers' histories (SQLite only; PostgreSQL searches with LIKE until
#: its full-text search is wired in with the server's migrations).
EVENTS_FTS = "customer_events_fts"
_FTS_TRIGGERS = {
    "customer_events_fts_insert": (
        "AFTER INSERT ON customer_events BEGIN "
        f"INSERT INTO {EVENTS_FTS}(rowid, summary, data) VALUES (new.rowid, new.summary, new.data); END"
    ),
    "customer_events_fts_delete": (
        "AFTER DELETE ON customer_events BEGIN "
        f"INSERT INTO {EVENTS_FTS}({EVENTS_FTS}, rowid, summary, data) "
        "VALUES ('delete', old.rowid, old.summary, old.data); END"
    ),
    "customer_events_fts_update": (
        "AFTER UPDATE ON customer_events BEGIN "
        f"INSERT INTO {EVENTS_FTS}({EVENTS_FTS}, rowid, summary, data) "
        "VALUES ('delete', old.rowid, old.summary, old.data); "
        f"INSERT INTO {EVENTS_FTS}(rowid, summary, data) VALUES (new.rowid, new.summary, new.data); END"
    ),
}


def not_in_models(name: str | None, type_: str, _parents: object) -> bool:
    """For Alembic's comparisons: False for the FTS5 index and its shadow tables, which revision 0004
    makes by hand (SQLAlchemy has no model of a virtual table), and for PostgreSQL's expression index
    of revision 0006; True for everything else."""
    if type_ == "index" and name == EVENTS_WORDS_INDEX:
        return False
    return not (type_ == "table" and name is not None and name.startswith(EVENTS_FTS))


#: PostgreSQL's full-text index over the history (revision 0006): a GIN index on `history_words`.
EVENTS_WORDS_INDEX = "ix_customer_events_words"
#: The immutable function the index and the queries share: the event's summary and data as words,
#: lower case and (with the `unaccent` extension) without diacritics, as SQLite's FTS5 index reads them.
HISTORY_WORDS = "history_words"
#: Its counterpart for what the agent typed (already 'word:* & word:*', see timeline.tsquery): folded
#: the same way, so 'Straße' finds 'Strasse' exactly when the index folded it.
HISTORY_QUERY = "history_query"


def history_words_sql(column_summary: str, column_data: str) -> str:
    """The index expression (a query must repeat it exactly for PostgreSQL to use the index)."""
    return f"{HISTORY_WORDS}({column_summary}, {column_data}::text)"


def postgres_history_search(conn: Connection) -> None:
    """Create PostgreSQL's full-text index over the history (prefix search, diacritics folded where
    the `unaccent` extension may be installed; without it, words keep their accents)."""
    try:
        with conn.begin_nested():
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS unaccent"))
        fold = "public.unaccent('public.unaccent'::regdictionary, lower({}))"
    except Exception as exc:  # no right to create extensions: search still works, accents not folded
        log.warning("PostgreSQL: no unaccent extension (%s); the history search keeps accents", exc)
        fold = "lower({})"
    # Punctuation becomes a space before PostgreSQL's parser sees the text. Its parser reads
    # "conv-0e37a28050d9" as one hyphenated compound, "-1775" as a signed number and
    # "jana@example.org" as one e-mail token, while the agent's search (timeline.tsquery: letters and
    # digits only) is parsed word by word ("0e37a28050d9" as '0e37' <-> 'a28050d9'): about 7 % of
    # conversation ids, and every part of an e-mail address, were never found. Split the same way on
    # both sides, the parser produces the same lexemes for both. ASCII punctuation only ([[:punct:]]
    # in a C-locale database): other scripts' letters must stay words.
    document = "regexp_replace({}, '[[:punct:]]+', ' ', 'g')".format(
        fold.format("coalesce($1, '') || ' ' || coalesce($2, '')")
    )
    for name, args, result, body in (
        (HISTORY_WORDS, "text, text", "tsvector", f"to_tsvector('simple'::regconfig, {document})"),
        (HISTORY_QUERY, "text", "tsquery", f"to_tsquery('simple'::regconfig, {fold.format('$1')})"),
    ):
        conn.execute(
            text(
                f"CREATE OR REPLACE FUNCTION {name}({args}) RETURNS {result} "
                f"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT {body} $$"
            )
        )
    conn.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS {EVENTS_WORDS_INDEX} ON customer_events "
            f"USING gin ({history_words_sql('summary', 'data')})"
        )
    )


def history_search(conn: Connection) -> None:
    """Create the history's FTS5 index (an external-content table over customer_events by rowid,
    kept in step by triggers) if missing, indexing the events already stored (SQLite only).

    Revision 0004 runs it; start-up runs it again after the migrations, so an events table rebuilt
    without its triggers is indexed anew rather than searched with holes."""
    exists = conn.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"), {"n": EVENTS_FTS}
    ).first()
    if exists is None:
        conn.execute(
            text(
                f"CREATE VIRTUAL TABLE {EVENTS_FTS} USING fts5(summary, data, content='customer_events', "
                "content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')"
            )
        )
    triggers = set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
    for name, body in _FTS_TRIGGERS.items():
        conn.execute(text(f"CREATE TRIGGER IF NOT EXISTS {name} {body}"))
    if exists is None or not triggers >= _FTS_TRIGGERS.keys():
        # New, or writes may have gone by unindexed (the events table was rebuilt, dropping
        # its triggers): index what is stored now.
        conn.execute(text(f"INSERT INTO {EVENTS_FTS}({EVENTS_FTS}) VALUES ('rebuild')"))
