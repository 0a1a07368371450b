"""PostgreSQL's history words split at punctuation, as the agent's search is
(history_index.postgres_history_search).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

Revision 0006 indexed the parser's own tokens, so a conversation id such as "conv-0e37a28050d9" or a
part of an e-mail address could not be found. history_words() is replaced and its GIN index rebuilt
(the function is IMMUTABLE: an index built with the old one would keep the old words).
SQLite: nothing (FTS5's unicode61 tokenizer already splits at punctuation).
"""

from __future__ import annotations

from alembic import op

from workstation.server.history_index import EVENTS_WORDS_INDEX, postgres_history_search

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {EVENTS_WORDS_INDEX}")
        postgres_history_search(bind)


def downgrade() -> None:
    """The words stay split: 0006's function is not restored (it lost matches, nothing depends on it)."""
