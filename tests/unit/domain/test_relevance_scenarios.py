"""The relevance engine against an independent corpus of agent scenarios (made by relevance_scenarios.py).

Scenarios the engine does not get right yet are listed in KNOWN_FAILURES with the diagnosis; they run as
strict xfails, so a fix shows up as XPASS (a failure) until its id is removed from the list.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from workstation.domain.relevance import RelevanceEngine, case_from_mapping, check_expect

DATA = Path(__file__).resolve().parent / "data" / "relevance_scenarios"

KNOWN_FAILURES: dict[str, str] = {}


def _load(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return case


def _params() -> list[Any]:
    params = []
    for path in sorted(DATA.glob("*.json")):
        marks = []
        if path.stem in KNOWN_FAILURES:
            marks.append(pytest.mark.xfail(reason=KNOWN_FAILURES[path.stem], strict=True))
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


def test_corpus_is_present_and_known_failures_exist() -> None:
    stems = {path.stem for path in DATA.glob("*.json")}
    assert len(stems) >= 30
    assert set(KNOWN_FAILURES) <= stems


@pytest.mark.parametrize("path", _params())
def test_scenario_meets_its_expectations(path: Path) -> None:
    case = _load(path)
    ranking = RelevanceEngine().rank(case_from_mapping(case))
    assert check_expect(ranking.cards, case["expect"]) == []


def test_files_match_their_ids_and_carry_expectations() -> None:
    for path in sorted(DATA.glob("*.json")):
        case = _load(path)
        assert case["id"] == path.stem
        assert case["expect"], path.name
        ids = [event["id"] for event in case["events"]]
        assert len(ids) == len(set(ids)), path.name
        assert 100 <= len(ids) <= 140, path.name
