"""Three-way merge of edited records: nobody's change is lost, collisions are named, never decided."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workstation.domain.merge import merge3, resolve

FIELDS = ("email", "phone", "company")
values = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]))
records = st.fixed_dictionaries({name: values for name in FIELDS})


def test_changes_to_different_fields_are_both_kept() -> None:
    base = {"email": "old@x.org", "phone": None, "company": None}
    theirs = {**base, "company": "ACME"}
    result = merge3(base, theirs, {"email": "new@x.org"})
    assert result.clean
    assert result.merged == {"email": "new@x.org", "phone": None, "company": "ACME"}
    assert result.changes == {"email": "new@x.org"}


def test_same_field_changed_differently_is_a_conflict_that_keeps_theirs_until_decided() -> None:
    base = {"email": "old@x.org"}
    result = merge3(base, {"email": "theirs@x.org"}, {"email": "mine@x.org"})
    (conflict,) = result.conflicts
    assert (conflict.name, conflict.base, conflict.theirs, conflict.mine) == (
        "email",
        "old@x.org",
        "theirs@x.org",
        "mine@x.org",
    )
    assert result.merged["email"] == "theirs@x.org"
    with pytest.raises(ValueError, match="email"):
        resolve(result, {})
    assert resolve(result, {"email": "mine@x.org"}) == {"email": "mine@x.org"}
    assert resolve(result, {"email": "theirs@x.org"}) == {}


def test_both_sides_making_the_same_change_is_no_conflict() -> None:
    result = merge3({"text": "a"}, {"text": "b"}, {"text": "b"})
    assert result.clean and result.changes == {}


@given(base=records, theirs=records, mine=records)
def test_no_change_of_either_side_is_lost_silently(base: dict, theirs: dict, mine: dict) -> None:  # type: ignore[type-arg]
    result = merge3(base, theirs, mine)
    conflicted = {c.name for c in result.conflicts}
    for name in FIELDS:
        if name in conflicted:
            # both changed it differently: neither wins without the agent
            assert base[name] != theirs[name] and base[name] != mine[name] and theirs[name] != mine[name]
            assert result.merged[name] == theirs[name]
        elif mine[name] != base[name]:
            assert result.merged[name] == mine[name]  # the agent's change is kept
        else:
            assert result.merged[name] == theirs[name]  # theirs (changed or not) is kept
    # and what would be sent is exactly where the result differs from the backend's record
    assert result.changes == {n: result.merged[n] for n in FIELDS if result.merged[n] != theirs[n]}
