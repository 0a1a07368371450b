"""The customer's words are matched clause by clause once, and a conversation's lines are read once:
re-analysing a chat that grew by a line reads only the new line, and says what a fresh analysis says."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from workstation.domain.relevance import understanding
from workstation.domain.relevance.understanding import Reading, Readings, _clause_hits, _clauses, analyse

LINES = [
    "Hallo, wo ist mein Paket? Die Lieferung ist seit Montag überfällig.",
    "Ich habe die Bestellung 48213 nicht erhalten und will nicht kündigen.",
    "Der Fernseher kam kaputt an, ich möchte ihn zurückschicken.",
    "Danke, das hat sich erledigt. Aber die Rechnung stimmt nicht.",
]


def test_a_grown_chat_matches_only_its_new_clauses_and_says_what_a_fresh_analysis_says() -> None:
    _clause_hits.cache_clear()  # other tests may have analysed the same words
    chat = "\n".join(LINES[:3])
    analyse(chat)
    before = _clause_hits.cache_info()
    grown = chat + "\n" + LINES[3]
    said = analyse(grown)
    after = _clause_hits.cache_info()
    new_clauses = {tuple(c) for c in _clauses(LINES[3])}
    assert after.misses - before.misses == len(new_clauses)
    assert after.hits - before.hits == len(_clauses(chat))
    _clause_hits.cache_clear()
    assert analyse(grown) == said


def test_the_clause_cache_is_bounded() -> None:
    assert _clause_hits.cache_info().maxsize == understanding.CLAUSE_CACHE


def _scenario_chats() -> list[list[str]]:
    """The customer lines of every scenario in the corpus (German and English, negations, typos)."""
    data = Path(__file__).resolve().parent / "data" / "relevance_scenarios"
    chats = []
    for path in sorted(data.glob("*.json")):
        messages = json.loads(path.read_text(encoding="utf-8"))["interaction"].get("messages", [])
        chats.append([m["text"] for m in messages if m.get("from", "customer") == "customer"])
    return [chat for chat in chats if chat]


def test_reading_line_by_line_says_what_analysing_the_joined_text_says() -> None:
    chats = [*_scenario_chats(), LINES, ["48 213", "-", "RE 2026", "0042 kam nicht an"]]
    assert len(chats) >= 30
    for chat in chats:
        reading = Reading()
        for n, line in enumerate(chat, start=1):
            reading.extend([line])
            assert reading.utterance() == analyse("\n".join(chat[:n])), chat[:n]


def _counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read: list[str] = []
    original = understanding._clauses

    def clauses(text: str) -> list[list[str]]:
        read.append(text)
        return original(text)

    monkeypatch.setattr(understanding, "_clauses", clauses)
    return read


def test_a_conversation_ranked_again_reads_only_its_new_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    read = _counting_reads(monkeypatch)
    readings = Readings()
    readings.said("conv-1", LINES[:3])
    assert read == LINES[:3]
    read.clear()
    said = readings.said("conv-1", LINES)
    assert read == [LINES[3]]
    assert said == analyse("\n".join(LINES))
    read.clear()
    assert readings.said("conv-1", LINES) == said
    assert read == []


def test_changed_lines_or_another_case_with_the_same_id_are_read_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read = _counting_reads(monkeypatch)
    readings = Readings()
    readings.said("conv-1", LINES)
    edited = [LINES[0], "Alles gut, danke.", *LINES[2:]]
    read.clear()
    said = readings.said("conv-1", edited)
    assert read == edited
    assert said == analyse("\n".join(edited))
    read.clear()
    said = readings.said("conv-1", edited[:2])  # fewer lines
    assert read == edited[:2]
    assert said == analyse("\n".join(edited[:2]))


def test_a_preview_without_lines_keeps_the_conversations_reading_and_the_store_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    readings = Readings(kept=3)
    readings.said("conv-1", LINES[:2])
    readings.said("conv-1", [])
    read = _counting_reads(monkeypatch)
    readings.said("conv-1", LINES[:3])
    assert read == [LINES[2]]
    for n in range(2, 6):
        readings.said(f"conv-{n}", LINES[:1])
    assert len(readings) == 3
    read.clear()
    readings.said("conv-1", LINES[:3])  # pushed out by newer conversations: read afresh
    assert read == LINES[:3]


def test_rankings_of_many_conversations_on_several_threads_agree_with_fresh_ones() -> None:
    readings = Readings(kept=4)
    chats = {f"conv-{n}": [LINES[n % 4], *LINES[: 1 + n % 3], LINES[(n + 1) % 4]] for n in range(8)}

    def grow(conversation_id: str) -> list[bool]:
        lines = chats[conversation_id]
        return [
            readings.said(conversation_id, lines[:n]) == analyse("\n".join(lines[:n]))
            for n in range(1, len(lines) + 1)
        ]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [ok for oks in pool.map(grow, [*chats, *chats]) for ok in oks]
    assert results and all(results)
