"""Read sessions (db.read_session) run outside a transaction, so a write in one would commit at
once, a statement at a time: they refuse to write, and the database keeps what it had."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from workstation.server.db import Meta, ReadOnlySessionError, make_engine, read_session


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    with Session(engine) as db, db.begin():
        db.add(Meta(key="probe", value="kept"))
    try:
        yield engine
    finally:
        engine.dispose()


def stored(engine: Engine) -> dict[str, str]:
    with Session(engine) as db:
        return {row.key: row.value for row in db.scalars(select(Meta).where(Meta.key.like("probe%")))}


def test_a_read_session_reads(engine: Engine) -> None:
    with read_session(engine) as db:
        row = db.get(Meta, "probe")
        assert row is not None and row.value == "kept"
        assert db.scalar(select(Meta.value).where(Meta.key == "probe")) == "kept"


@pytest.mark.parametrize("change", ["add", "modify", "delete"])
def test_a_read_session_refuses_a_change_of_its_objects(engine: Engine, change: str) -> None:
    with read_session(engine) as db:
        row = db.get(Meta, "probe")
        assert row is not None
        if change == "add":
            db.add(Meta(key="probe-new", value="x"))
        elif change == "modify":
            row.value = "changed"
        else:
            db.delete(row)
        with pytest.raises(ReadOnlySessionError):
            db.flush()
    assert stored(engine) == {"probe": "kept"}


def test_an_autoflush_before_a_query_is_refused_too(engine: Engine) -> None:
    with read_session(engine) as db:
        db.add(Meta(key="probe-new", value="x"))
        with pytest.raises(ReadOnlySessionError):
            db.scalar(select(Meta).where(Meta.key == "probe-new"))
    assert stored(engine) == {"probe": "kept"}


def test_an_attribute_set_to_its_own_value_is_no_change(engine: Engine) -> None:
    with read_session(engine) as db:
        row = db.get(Meta, "probe")
        assert row is not None
        row.value = "kept"
        db.flush()


@pytest.mark.parametrize(
    "statement",
    [
        update(Meta).where(Meta.key == "probe").values(value="changed"),
        delete(Meta).where(Meta.key == "probe"),
        text("DELETE FROM meta WHERE key = 'probe'"),
    ],
    ids=["update", "delete", "text"],
)
def test_a_read_session_refuses_a_write_statement(engine: Engine, statement: object) -> None:
    with read_session(engine) as db, pytest.raises(ReadOnlySessionError):
        db.execute(statement)  # type: ignore[call-overload]
    assert stored(engine) == {"probe": "kept"}


def test_a_pooled_session_after_a_read_session_is_transactional_again(engine: Engine) -> None:
    # The read session's connection goes back to the pool in autocommit mode only for its own use:
    # a unit of work that fails after it must still undo all it did.
    with read_session(engine) as db:
        db.get(Meta, "probe")
    with Session(engine) as db:
        db.add(Meta(key="probe-2", value="x"))
        db.flush()
        db.rollback()
    assert stored(engine) == {"probe": "kept"}
