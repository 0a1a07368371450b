"""The desktop's offline cache (SQLAlchemy on SQLite, WAL) and durable outbox."""
