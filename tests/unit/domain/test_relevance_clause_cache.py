"""The customer's words are matched clause by clause once: re-analysing a chat that grew by a line
matches only the new line's clauses, and says the same as a fresh analysis."""

from __future__ import annotations

from workstation.domain.relevance import understanding
from workstation.domain.relevance.understanding import _clause_hits, _clauses, analyse

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
